"""Print zones: parts of the device printed at their own infill density, for the 3MF's
modifier volumes (``outputs.export``), from the prescription's ``[zones]``.

The zones partition the device's plan (canonical frame, mm) into disjoint polygons:

- ``regions``: heel (behind the arch's start), arch (to the arch's end) and forefoot, split
  across the foot at the arch layout's start and end (from the landmarks);
- ``pressure``: bands of the recording's pressure on the foot, each band an equal share of the
  loaded sensors (quantiles), the highest band softest (``soft_infill_pct``), the lowest
  firmest (``firm_infill_pct``), linear between. Where no sensor bore load: the lowest band.
  ``intent = functional`` also holds the arch zone firm, whatever it bore;
- every offload site (``device.offload``) is a zone of its own at ``offload_infill_pct``
  (cut out of the others), whenever zones are asked for.

Each zone's stiffness is estimated by ``stiffness_kpa_per_mm`` (see there).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from insolegen.errors import InvalidInput

GRID_MM = 2.0                 # the pressure is read onto this grid to draw the bands
MIN_ZONE_AREA_MM2 = 50.0      # smaller pieces are merged into the zone around them

# The materials' Young's moduli (MPa), from their makers' technical data sheets (tensile
# modulus): Ultimaker TPU 95A 26 MPa; NinjaTek NinjaFlex (TPU 85A) 12 MPa; Ultimaker PETG
# 2000 MPa; Ultimaker PLA 2350 MPa. Approximate: moduli vary with maker and print settings.
MODULUS_MPA = {"TPU 95A": 26.0, "TPU 85A": 12.0, "PETG": 2000.0, "PLA": 2350.0}
# Relative stiffness of the infill against its density, E*/Es = C (rho*/rho_s)^n (Gibson and
# Ashby, Cellular Solids, 2nd ed., Cambridge University Press 1997: ch. 4 for honeycombs loaded
# along their cells, n = 1; ch. 5 for bending-dominated open cells, n = 2, C about 1). The
# infills that are walls extruded upright (grid, honeycomb, rectilinear, triangles) carry a
# vertical load along their walls: n = 1. Gyroid and cubic bend: n = 2.
DENSITY_EXPONENT = {"gyroid": 2.0, "cubic": 2.0, "grid": 1.0, "honeycomb": 1.0, "rectilinear": 1.0, "triangles": 1.0}


@dataclass(frozen=True)
class Zone:
    name: str
    polygon: shapely.Geometry     # canonical (right) frame, mm
    infill_pct: float
    pattern: str
    perimeters: int | None
    how: str

    def slicer_settings(self) -> dict[str, str]:
        """PrusaSlicer's keys for the zone's modifier volume."""
        out = {"fill_density": f"{self.infill_pct:g}%", "fill_pattern": self.pattern}
        if self.perimeters is not None:
            out["perimeters"] = str(self.perimeters)
        return out


def stiffness_kpa_per_mm(infill_pct: float, pattern: str, material: str, thickness_mm: float) -> float:
    """How hard the zone pushes back per mm it is pressed (kPa per mm): the infill's modulus
    E* = Es (infill)^n over the zone's thickness, a column of it compressed uniformly. An
    estimate for comparing zones, not a measurement: solid skins and walls stiffen it, and a
    foot presses unevenly."""
    relative = (infill_pct / 100.0) ** DENSITY_EXPONENT[pattern]
    return MODULUS_MPA[material] * 1000.0 * relative / max(thickness_mm, 0.1)


def _across_cuts(outline: shapely.Polygon, cuts: list[float], names: list[str]) -> dict[str, shapely.Geometry]:
    """The outline cut across the foot at each x in ``cuts``: one piece per name."""
    lo, hi = outline.bounds[0] - 1, outline.bounds[2] + 1
    edges = [lo, *cuts, hi]
    y0, y1 = outline.bounds[1] - 1, outline.bounds[3] + 1
    return {name: outline.intersection(shapely.box(a, y0, b, y1)) for name, a, b in zip(names, edges[:-1], edges[1:])}


def _pressure_bands(outline: shapely.Polygon, pressure, z) -> tuple[list[tuple[str, shapely.Geometry, float]], str]:
    """(name, polygon, infill %) per band, highest pressure last; and how they were drawn."""
    from scipy.interpolate import griddata

    from insolegen.feet.raster_region import mask_polygon

    x0, y0, x1, y1 = outline.bounds
    xs, ys = np.arange(x0 - GRID_MM, x1 + 2 * GRID_MM, GRID_MM), np.arange(y0 - GRID_MM, y1 + 2 * GRID_MM, GRID_MM)
    gx, gy = np.meshgrid(xs, ys)
    value = griddata(pressure.xy, pressure.value, (gx, gy), method="linear", fill_value=0.0)
    loaded = pressure.value[pressure.value > 0]
    edges = np.quantile(loaded, np.linspace(0, 1, z.bands + 1)[1:-1])
    band_of = np.searchsorted(edges, value)
    out = []
    for k in range(z.bands):
        mask = band_of == k
        if not mask.any():
            continue
        shape = mask_polygon(mask, xs, ys, largest=False).buffer(0)
        infill = z.firm_infill_pct + (z.soft_infill_pct - z.firm_infill_pct) * k / (z.bands - 1)
        out.append((f"pressure band {k + 1} of {z.bands}", shape.intersection(outline), round(infill, 1)))
    unit = pressure.unit or "the file's unit"
    how = (f"bands of {pressure.statistic} pressure, each {1 / z.bands:.0%} of the loaded sensors, split at "
           + ", ".join(f"{e:.3g}" for e in edges) + f" ({unit}); the highest band softest")
    return out, how


def make_zones(ctx, outline_xy: np.ndarray) -> tuple[list[Zone], dict]:
    """The zones of a design's context (``ctx.rx.zones``; none for layout = none) and the record's
    account of how they were made."""
    z = ctx.rx.zones
    if z.layout == "none":
        return [], {}
    outline = shapely.Polygon(outline_xy).buffer(1.0)     # past the edge: the slicer's walls lie inside the modifiers
    arch = ctx.arch
    regions = _across_cuts(outline, [arch.start_x, arch.end_x], ["heel", "arch", "forefoot"])
    pieces: list[tuple[str, shapely.Geometry, float, str]] = []
    if z.layout == "regions":
        how = "heel, arch and forefoot, cut across the foot where the arch starts and ends (the arch's layout)"
        pieces = [(name, regions[name], getattr(z, f"{name}_infill_pct"), "the prescription's [zones] table")
                  for name in ("heel", "arch", "forefoot")]
    else:
        if ctx.pressure is None:
            raise InvalidInput("zones.layout = pressure needs a pressure recording: give --pressure FILE (with --pitch-mm)")
        bands, how = _pressure_bands(outline, ctx.pressure, z)
        if z.intent == "functional":
            bands = [(n, g.difference(regions["arch"]), i) for n, g, i in bands]
            pieces.append(("arch", regions["arch"], z.firm_infill_pct, "functional: the arch held firm"))
            how += "; functional: the arch zone firm"
        pieces += [(n, g, i, "pressure") for n, g, i in bands]
    sites = [(s.name, shapely.Point(s.xy).buffer(s.radius_mm, 64)) for s in ctx.offload]
    taken = shapely.union_all([g for _, g in sites]) if sites else None
    zones = []
    for name, geometry, infill, why in pieces:
        if taken is not None:
            geometry = geometry.difference(taken)
        if geometry.area >= MIN_ZONE_AREA_MM2:
            zones.append(Zone(name, geometry, float(infill), z.pattern, z.perimeters, why))
    for name, disc in sites:
        zones.append(Zone(f"offload {name}", disc.intersection(outline), float(z.offload_infill_pct), z.pattern, z.perimeters,
                          "an offload site, soft"))
    return zones, {"layout": z.layout, "how": how, "pattern": z.pattern, "material": z.material}


def prism(polygon: shapely.Geometry, z0: float, z1: float, mirror_y: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A closed, outward-wound prism (vertices, faces) over ``polygon`` from ``z0`` to ``z1`` (its
    holes kept), mirrored y -> -y for a left device."""
    import trimesh

    tris = shapely.constrained_delaunay_triangles(polygon)
    corners, faces = [], []
    for tri in shapely.get_parts(tris):
        ring = np.asarray(tri.exterior.coords)[:3]
        if shapely.Polygon(ring).area < 1e-9:
            continue
        k = len(corners)
        corners += list(ring)
        faces.append([k, k + 1, k + 2])
    flat, index = np.unique(np.round(np.array(corners), 6), axis=0, return_inverse=True)
    faces = index.reshape(-1)[np.array(faces)]
    mesh = trimesh.creation.extrude_triangulation(flat, faces, z1 - z0)
    vertices = np.asarray(mesh.vertices) + [0.0, 0.0, z0]
    faces = np.asarray(mesh.faces)
    if mirror_y:
        vertices, faces = vertices * [1.0, -1.0, 1.0], faces[:, ::-1]
    return vertices, faces


def zones_record(design) -> dict:
    """The record's account of the print zones: each zone's density, pattern, area, the device's
    mean thickness over it, its stiffness estimate and its outline (WKT, the right device's frame)."""
    from insolegen.device.surface import thickness_at

    if not design.zones:
        return {}
    ctx = design.context
    material = ctx.rx.zones.material
    rows = []
    for zone in design.zones:
        x0, y0, x1, y1 = zone.polygon.bounds
        gx, gy = np.meshgrid(np.arange(x0, x1, 2.0), np.arange(y0, y1, 2.0))
        inside = shapely.contains_xy(zone.polygon.buffer(-1.0), gx.ravel(), gy.ravel())
        xy = np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])
        if len(xy):
            thickness = float(np.mean(thickness_at(xy, design.plan, ctx)))
        else:
            thickness = float(ctx.rx.device.base_thickness_mm)
        k = stiffness_kpa_per_mm(zone.infill_pct, zone.pattern, material, thickness)
        rows.append({
            "zone": zone.name, "infill_pct": zone.infill_pct, "pattern": zone.pattern, "perimeters": zone.perimeters,
            "area_mm2": round(float(zone.polygon.area), 1), "mean_thickness_mm": round(thickness, 2),
            "stiffness_kpa_per_mm": round(k, 1),
            "reads": f"{zone.name}: {zone.infill_pct:g} % {zone.pattern}, {material}, ≈ {k:.0f} kPa per mm",
            # snapped to the 0.01 mm grid it is written at, so the written polygon is as valid as the zone
            "why": zone.how, "outline_wkt": shapely.to_wkt(shapely.set_precision(zone.polygon, 0.01), rounding_precision=2),
        })
    return {**design.zones_info, "zones": rows,
            "stiffness_how": "E* / t: the infill's modulus E* = Es (infill)^n (Gibson and Ashby, Cellular Solids, 2nd ed. 1997: "
                             "n = 1 for walls extruded upright (grid, honeycomb, rectilinear, triangles), n = 2 for bending "
                             "lattices (gyroid, cubic)), over the zone's mean thickness t; Es from the material's data sheet "
                             f"({material}: {MODULUS_MPA[material]:g} MPa). An estimate for comparing zones: skins and walls stiffen them",
            "files": "the 3MF carries a modifier volume per zone (PrusaSlicer and its forks read them); the STL is the device alone"}

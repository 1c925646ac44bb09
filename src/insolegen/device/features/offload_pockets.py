"""Offloading: relief pockets under named sites, a clinician's spots or the recording's hot
regions (``device.offload`` finds where), each read back on the mesh: its depth, and how far the
pocket found lies from where it was made. Overlapping sites make one pocket."""
from __future__ import annotations

import numpy as np

from insolegen.device.checks import Check, Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, mm, xy
from insolegen.device.offload import HEEL_REGION_OF_LENGTH, pocket_groups
from insolegen.geometry.ramps import ramp_down

SITES = {"mth1": "1st met head", "mth2": "2nd met head", "mth3": "3rd met head", "mth4": "4th met head",
         "mth5": "5th met head", "heel": "heel", "hallux": "hallux"}


def field(p: Points, c: Context):
    """The deepest of the sites' pockets at each point (overlapping discs make one pocket)."""
    off = c.rx.offload
    if not c.offload:
        return np.zeros_like(p.x)
    share = np.zeros_like(p.x)
    for site in c.offload:
        wall = min(off.wall_mm, site.radius_mm / 2)
        r = np.hypot(p.x - site.xy[0], p.y - site.xy[1])
        share = np.maximum(share, ramp_down(r, site.radius_mm - wall, site.radius_mm))
    return -off.depth_mm * share


def place(c: Context) -> dict:
    if not c.offload:
        return {}
    return {"offload": [{"site": s.name, "centre_mm": xy(s.xy), "radius_mm": s.radius_mm, "depth_mm": c.rx.offload.depth_mm}
                        for s in c.offload]}


def words(rx) -> str | None:
    offload = rx["offload"]
    where = [SITES.get(s, s) for s in offload["sites"]]
    where += [f"spot at {x:g}, {y:g} mm (r {r:g})" for x, y, r in offload["spots"]]
    if offload.get("above_kpa") is not None:
        where.append(f"wherever the recording exceeds {offload['above_kpa']:g} kPa")
    if offload.get("above_percentile") is not None:
        where.append(f"wherever the recording exceeds its {offload['above_percentile']:g}th percentile")
    if not where:
        return None
    return f"pockets {mm(offload['depth_mm'])} deep under {', '.join(where)}, walls {mm(offload['wall_mm'])}"


def pocket_readings(r: Reading) -> tuple[list, list[dict]]:
    """Each pocket (a site, or overlapping sites together) beside the pocket found nearest to it on
    the mesh: its depth, and how far the found pocket's centre (at half depth) lies from the
    design's. Returns the checks and the record's rows, site by site."""
    import shapely

    ctx, measured, frame = r.ctx, r.measured, r.frame
    off = ctx.rx.offload
    if not ctx.offload:
        return [], []
    found = list(measured.get("pockets") or [])
    if measured.get("heel_pocket_depth_mm") and measured.get("heel_pocket_x_mm") is not None:
        # in the heel the rearfoot measure reads the pocket against the seat it models (the
        # cup's wall rises close around a heel pocket, where a plane does not hold)
        found = [p for p in found if p["x_mm"] > HEEL_REGION_OF_LENGTH * ctx.length] + [
            {"x_mm": measured["heel_pocket_x_mm"], "y_mm": measured["heel_pocket_y_mm"],
             "depth_mm": measured["heel_pocket_depth_mm"], "diameter_mm": measured.get("heel_pocket_diameter_mm")}]
    sign = -1.0 if r.side == "left" else 1.0

    def to_measure(points):
        """Right-frame (x, y) -> the measuring frame (x, y + medial) of this side's device."""
        local = frame.to_frame(np.column_stack([points[:, 0], sign * points[:, 1], np.zeros(len(points))]))
        return np.column_stack([local[:, 0], frame.medial_sign * local[:, 1]])
    checks, rows = [], []
    for group in pocket_groups(ctx.offload):
        sites = [ctx.offload[i] for i in group]
        # the design's half-depth shape (half a wall inside each rim), in the measuring frame
        half = shapely.union_all([shapely.Point(s.xy).buffer(s.radius_mm - min(off.wall_mm, s.radius_mm / 2) / 2, 64) for s in sites])
        shape = shapely.transform(half, to_measure)
        centre = np.array([shape.centroid.x, shape.centroid.y])
        dist = [float(np.hypot(p["x_mm"] - centre[0], p["y_mm"] - centre[1])) for p in found]
        k = int(np.argmin(dist)) if dist else None
        near = k is not None and dist[k] <= 2 * max(s.radius_mm for s in sites)
        if near and len(sites) > 1:
            # overlapping sites make one pocket of their union: its centre must lie in that union
            # (the centre of a wide union moves with how its lobes meet the curving surface)
            dist[k] = float(shape.distance(shapely.Point(found[k]["x_mm"], found[k]["y_mm"])))
        name = "+".join(s.name for s in sites)
        depth = found[k]["depth_mm"] if near else None
        place_off = dist[k] if near else None
        depth_check = Check(f"offload_depth_mm[{name}]", off.depth_mm, depth, r.tolerances["offload_depth_mm"])
        place_check = Check(f"offload_off_place_mm[{name}]", 0.0, place_off, r.tolerances["offload_off_place_mm"])
        checks += [depth_check, place_check]
        rows.append({"sites": [s.as_dict() for s in sites], "prescribed_depth_mm": off.depth_mm,
                     "measured_depth_mm": depth, "measured_diameter_mm": found[k]["diameter_mm"] if near else None,
                     "off_place_mm": None if place_off is None else round(place_off, 2),
                     "ok": near and depth_check.ok and place_check.ok})
    return checks, rows


FEATURE = Feature(
    name="offload", label="Offloading", field=field, amount=None, place=place, words=words,
    checks=lambda r: pocket_readings(r)[0], tolerances={"offload_depth_mm": 0.2, "offload_off_place_mm": 3.0},
    names={"offload_depth_mm": "offload pocket depth", "offload_off_place_mm": "offload pocket off its place"},
)

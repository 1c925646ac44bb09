"""3D foot scans (STL, PLY, OBJ; whole closed feet or open plantar-only surfaces; mm or metres;
any placement) -> the foot standing level: the outline for the insole, the contact footprint,
the plantar surface's height along the medial arch, and a Foot with landmarks.

Steps: the scan's largest body (a separate floor plate or scanner debris is dropped, and said);
the ground plane (of the convex hull's planes along the foot, the one with the most scan area
close to it, spread heel to toe: an ankle cut or a flat side cannot win); the plantar surface
seen from below (height maps); the outline where the sole is, and the footprint where it bears.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.feet.foot import ArchMeasurements, Foot, SourceFrame, foot_from_points
from insolegen.feet.kinds import SCAN_SUFFIXES as SCAN_FORMATS
from insolegen.feet.raster_region import mask_polygon
from insolegen.feet.relief import foot_with_relief, scan_relief
from insolegen.geometry.arrays import bounds, face_normals, row_norms
from insolegen.geometry.polygon import smooth_1d
from insolegen.geometry.raster import HeightMap, height_maps
from insolegen.geometry.topology import components, merge_vertices
from insolegen.measure.frame import principal_axes
from insolegen.measure.load import UNIT_SCALE, load_mesh_file

GRID_MM = 0.5
CONTACT_BAND_MM = 6.0        # scan surface this close to the ground plane touches it (a foot not
                             # bearing weight touches at heel and ball only)
SOLE_MAX_HEIGHT_MM = 35.0    # the plantar surface (arch included) lies below this; a plantar scan's rim rises above
LOW_SOLE_MM = 8.0            # the low sole, whose medial tangent spans the arch
PROFILE_SEARCH_MM = 25.0     # the medial profile looks this far inward from the tangent for the sole
PROFILE_MEDIAN_MM = 5.0      # ... and is smoothed by a running median this wide (noise, spikes)
PROFILE_SIGMA_MM = 3.0       # ... then a Gaussian of this sigma
APEX_BAND_MM = 1.0           # the arch's apex: the centre of its profile within this of the top
FOOTPRINT_HEIGHT_MM = 4.0    # where the sole bears load (weight-bearing scans): the footprint for indices
WEIGHT_BEARING_MIN_SHARE = 0.35   # a footprint smaller than this share of the outline: not weight-bearing
ALONG_AXIS_DEG = 25.0        # the ground's normal is within this of square to the long axis
MAX_GROUND_CANDIDATES = 16
SCORE_FACES = 150_000
FLAT_BODY = 0.05
FUSED_PLATE_SHARE = 0.85     # more of the sole than this flat on the ground: a plate joined to the foot
WHOLE_FOOT_HEIGHT_MM = 60.0  # a scan this tall holds the dorsum (a whole foot); a plantar scan's rim is lower
MIN_SOLE_AREA_OF_LENGTH_SQ = 0.04   # a foot's sole covers about 0.1 L^2             # a body thinner than this fraction of its width is a plate, not a foot


@dataclass
class Scan:
    foot: Foot
    footprint: shapely.MultiPolygon | None   # where the sole bears (canonical frame); None if it does not
    arch_profile: np.ndarray            # (k, 2): x (canonical) and plantar height at the medial border
    vertices: np.ndarray                # the levelled scan in the canonical frame (z up from the ground)
    faces: np.ndarray
    info: dict = field(default_factory=dict)


def is_scan_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SCAN_FORMATS


def _keep_foot_body(vertices, faces, areas, warnings, path) -> np.ndarray:
    """Which faces are the largest body that is not a flat plate; what else was left out is said."""
    labels = components(faces, len(vertices))
    body_area = np.bincount(labels, weights=areas)
    bodies = [b for b in np.argsort(-body_area) if body_area[b] > 0]
    plates = []
    for b in bodies:
        pts = vertices[np.bincount(faces[labels == b].ravel(), minlength=len(vertices)) > 0]
        extents = np.sort(np.linalg.svd(pts - pts.mean(axis=0), compute_uv=False))
        if len(bodies) > 1 and extents[0] < FLAT_BODY * extents[1]:
            plates.append(b)
    feet = [b for b in bodies if b not in plates]
    if not feet:
        raise InvalidInput(f"{path}: the scan holds no foot-shaped body (only flat plates)")
    if plates:
        warnings.append("a flat plate under the foot (a scanner floor plate?) was left out")
    if len(feet) > 1:
        warnings.append(f"{len(feet) - 1} smaller separate piece(s) of the scan were left out")
    return labels == feet[0]


FLAT_SCAN_MM = 1.0    # a body thinner than this in every direction across its plane is a sheet, not a foot


def _thinnest_extent(points: np.ndarray) -> float:
    """The body's extent along its thinnest principal direction (mm)."""
    sample = points[:: max(1, len(points) // 20000)]          # the direction from a sample, the extent from all
    _, _, vt = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
    along = points @ vt[-1]
    return float(along.max() - along.min())


def _ground(vertices, faces, areas, face_n):
    """(up, long axis, confidence). Candidates: convex hull planes whose normal is square to the
    long axis; score: scan area within CONTACT_BAND_MM of the plane x (its spread along the
    foot)^2 x its spread across (a sole bears heel to toe and side to side; the flat of a side,
    an ankle cut or a leg stump does not)."""
    from scipy.spatial import ConvexHull

    if len(faces) > SCORE_FACES:          # a fixed sample of faces is plenty to choose a plane
        pick = np.random.default_rng(1).choice(len(faces), SCORE_FACES, replace=False)
        faces, areas, face_n = faces[pick], areas[pick], face_n[pick]
    long_axis = principal_axes(vertices, faces)[:, 2]
    centroids = (vertices[faces[:, 0]] + vertices[faces[:, 1]] + vertices[faces[:, 2]]) / 3.0
    w = areas / areas.sum()
    used = np.zeros(len(vertices), bool)     # every vertex of these faces: thinner, the hull would miss the lowest points
    used[faces.ravel()] = True               # (a mask, not np.unique: a quarter of a second on a 1M-triangle scan)
    sample = vertices[used]
    length = float(np.ptp(sample @ long_axis))
    hull = ConvexHull(sample)
    normals = hull.equations[:, :3]
    square = np.abs(normals @ long_axis) < np.sin(np.radians(ALONG_AXIS_DEG))
    keys = np.column_stack([np.round(normals[square] * 20), np.round(hull.equations[square, 3] / 5.0)])
    _, first, group = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    hv = sample[hull.simplices[square]]
    facet_area = 0.5 * np.linalg.norm(np.cross(hv[:, 1] - hv[:, 0], hv[:, 2] - hv[:, 0]), axis=1)
    # the candidates: the planes with the most hull area (the sole's plane spans the foot)
    first = first[np.argsort(-np.bincount(group.reshape(-1), weights=facet_area))[:MAX_GROUND_CANDIDATES]]
    scores = []
    for n in normals[square][first]:
        height = centroids @ n
        # faces lying along the plane (either way round: open scans face anywhere), close to it
        near = (height.max() - height < CONTACT_BAND_MM) & (np.abs(face_n @ n) > 0.7)
        if not near.any():
            continue
        # the foot's surface lies mostly near its sole, not near an ankle cut or a plantar scan's rim
        low = 1.0 - (height.max() - w @ height) / max(float(np.ptp(height)), 1e-9)
        spread = float(np.ptp(centroids[near] @ long_axis)) / length
        across = np.cross(n, long_axis)
        across /= np.linalg.norm(across)
        breadth = float(np.ptp(centroids[near] @ across)) / max(float(np.ptp(sample @ across)), 1e-9)
        scores.append((float(areas[near].sum()) * spread ** 2 * breadth * low ** 2, n))
    if not scores:
        raise InvalidInput("found no plane for the foot to stand on")
    scores.sort(key=lambda s: -s[0])
    best, n = scores[0]
    n = _resting_facet(hull, n, w @ centroids)
    others = [sc for sc, m in scores[1:] if m @ n < np.cos(np.radians(20.0))]   # not the same plane again
    second = others[0] if others else 0.0
    confidence = best / (best + second) if best > 0 else 0.0
    return -n, long_axis, confidence


def _smoothed_facing(faces, facing, areas, n_vertices) -> np.ndarray:
    """Each face's ``facing`` (|normal . up|) averaged with its neighbours' through the vertices,
    area-weighted: which faces face the ground must not flicker with a scanner's noise along the
    foot's sides (a scalar, so open scans facing either way average alike)."""
    weighted = facing * areas
    total = sum(np.bincount(faces[:, k], weights=weighted, minlength=n_vertices) for k in range(3))
    weight = sum(np.bincount(faces[:, k], weights=areas, minlength=n_vertices) for k in range(3))
    at_vertex = total / np.maximum(weight, 1e-12)
    return (at_vertex[faces[:, 0]] + at_vertex[faces[:, 1]] + at_vertex[faces[:, 2]]) / 3.0


def _resting_facet(hull, normal: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The outward normal of the hull facet the scan rests on when set down on the side ``normal``
    points to: the facet straight below its centre, found again from that facet's normal until it
    holds. The candidate planes are grouped coarsely; this is the exact plane a floor would touch."""
    for _ in range(10):
        facing = hull.equations[:, :3] @ normal
        ahead = facing > 1e-6
        # where the ray from the centre along ``normal`` leaves the hull: the nearest facet plane ahead
        distance = -(hull.equations[ahead, :3] @ centre + hull.equations[ahead, 3]) / facing[ahead]
        exit_normal = hull.equations[ahead, :3][int(np.argmin(distance))]
        if exit_normal @ normal > 1.0 - 1e-12:
            break
        normal = exit_normal
    return normal


def _closed(mask: np.ndarray, cells: int) -> np.ndarray:
    from scipy.ndimage import binary_closing, binary_fill_holes

    structure = np.ones((2 * cells + 1, 2 * cells + 1), bool)
    padded = np.pad(mask, cells + 1)
    closed = binary_closing(padded, structure)[cells + 1:-cells - 1, cells + 1:-cells - 1]
    return binary_fill_holes(closed)


def read_scan(path: str | Path, units: str | None = None, side: str | None = None) -> Scan:
    path = Path(path)
    if not is_scan_file(path):
        raise InvalidInput(f"{path}: not a 3D scan format ({', '.join(SCAN_FORMATS)})")
    loaded = load_mesh_file(path, units)
    parts, loaded = loaded.parts, replace(loaded, parts=[])
    if len(parts) == 1:
        vertices, faces = parts[0].vertices, parts[0].faces
    else:
        vertices = np.vstack([p.vertices for p in parts])
        offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
        faces = np.vstack([p.faces + o for p, o in zip(parts, offsets)])
    del parts      # the unmerged corners go as soon as they are merged: a scan's largest arrays
    vertices, faces = merge_vertices(vertices, faces)
    # worked on about its own middle: a scan kilometres from its origin must read as the same foot
    lo, hi = bounds(vertices)
    middle = 0.5 * (lo + hi)
    vertices = vertices - middle
    normals = face_normals(vertices, faces)           # not unit: twice the area; once, for every step
    areas = 0.5 * row_norms(normals)
    kept = areas > 1e-9
    faces, areas, normals = faces[kept], areas[kept], normals[kept] / (2.0 * areas[kept, None])
    warnings: list[str] = []
    body = _keep_foot_body(vertices, faces, areas, warnings, path)
    faces, areas, normals = faces[body], areas[body], normals[body]
    used = np.zeros(len(vertices), bool)     # a mask, not np.unique: a large scan's faces sort slowly
    used[faces.ravel()] = True
    thinnest = _thinnest_extent(vertices[used])
    if thinnest < FLAT_SCAN_MM:
        raise InvalidInput(f"{path}: the scan is flat (its body is {thinnest:.2f} mm thick at most): not a foot")

    up, long_axis, ground_conf = _ground(vertices, faces, areas, normals)
    x_axis = long_axis - (long_axis @ up) * up
    x_axis /= np.linalg.norm(x_axis)
    y_axis = np.cross(up, x_axis)
    level = vertices @ np.vstack([x_axis, y_axis, up]).T
    z_ground = float(level[:, 2].min())
    level -= [0.0, 0.0, z_ground]
    length = float(np.ptp(level[:, 0]))
    if level[:, 2].max() < 8.0:
        raise InvalidInput(f"{path}: the scan is flat ({level[:, 2].max():.1f} mm high): not a foot")

    # the sole seen from below: faces turned up or down (open scans may face either way)
    sole_faces = faces[_smoothed_facing(faces, np.abs(normals @ up), areas, len(vertices)) > 0.5]
    hm = height_maps(level, sole_faces, GRID_MM)
    # the sole: where the lowest surface is within SOLE_MAX_HEIGHT_MM of the ground (a height,
    # not a choice of faces, so a finer mesh of the same foot gives the same outline)
    sole = hm.inside & (hm.bottom <= SOLE_MAX_HEIGHT_MM)
    if sole.sum() < 100:
        raise InvalidInput(f"{path}: found no sole (no surface facing the ground within {SOLE_MAX_HEIGHT_MM:g} mm of it)")
    sole = _closed(sole, int(round(2.0 / GRID_MM)))
    outline_poly = mask_polygon(sole, hm.xs, hm.ys)
    if outline_poly is None or outline_poly.area < MIN_SOLE_AREA_OF_LENGTH_SQ * length * length:
        raise InvalidInput(f"{path}: the sole found is too small to be a foot's")
    flat = _flat_under(hm, sole)
    if flat.sum() > FUSED_PLATE_SHARE * sole.sum():
        # a foot touches the ground at heel, ball and toes; ground under (nearly) the whole sole is a plate
        raise InvalidInput(f"{path}: the scan stands on a flat plate joined to the foot ({flat.sum() / sole.sum():.0%} of "
                           "the sole outline lies flat on the ground): cut the plate off, or export the foot alone")
    outline_poly = outline_poly.buffer(1.0).buffer(-1.0).simplify(0.3)
    outline = np.asarray(outline_poly.exterior.coords)[:-1]

    source = f"3D scan {path.name}"
    side_how = None
    if side is None:
        side, arch_conf, side_how = _side_from_arch(hm, outline_poly, length)
        if arch_conf < 0.3:
            side, side_how = None, None          # let the outline's own cues decide
    foot = foot_from_points(outline, side=side, source=source)
    if side_how:
        foot = Foot(**{**foot.__dict__, "side_how": side_how, "side_confidence": round(arch_conf, 3)})
    foot = foot_with_relief(foot, outline, scan_relief(hm.xs, hm.ys, hm.bottom, sole), side, source)

    # in the canonical frame now (medial +y): levelled scan, footprint, arch profile
    xy = foot.to_canonical(level[:, :2])
    canon = np.column_stack([xy, level[:, 2]])
    mirrored = np.linalg.det(foot.frame[0]) < 0
    cfaces = faces[:, ::-1].copy() if mirrored else faces
    # the footprint and the low sole from the levelled height map, moved into the canonical frame
    contact = hm.inside & (hm.bottom <= FOOTPRINT_HEIGHT_MM)
    fp_poly = mask_polygon(contact, hm.xs, hm.ys, largest=False) if contact.any() else None
    footprint = None
    if fp_poly is not None and fp_poly.area > 0.1 * foot.length_mm * foot.measures["ball_width"].value:
        # heel and forefoot may touch apart (a high arch): every piece of 1 cm2 or more
        pieces = [g for g in getattr(fp_poly, "geoms", [fp_poly]) if g.area >= 100.0]
        footprint = shapely.transform(shapely.MultiPolygon(pieces).simplify(0.3), foot.to_canonical)
    else:
        warnings.append("no weight-bearing footprint: the sole does not touch the ground plane over a "
                        "foot-sized area (a non-weight-bearing scan?); indices from the footprint are not given")

    profile = _medial_arch_profile(hm, foot)
    arch = _arch_from_profile(profile, foot)
    to_file = np.vstack([x_axis, y_axis, up]).T / UNIT_SCALE[loaded.units]     # levelled mm -> the file's own
    frame = SourceFrame(loaded.units, to_file[:, :2], to_file[:, 2] * z_ground + middle / UNIT_SCALE[loaded.units],
                        "the scan file's own coordinates: the point on the ground plane under the landmark")
    foot = replace(foot, warnings=foot.warnings + tuple(warnings), source_frame=frame).with_arch(arch)
    whole_foot = level[:, 2].max() > WHOLE_FOOT_HEIGHT_MM
    indices = _indices(footprint, foot, canon if whole_foot else None)
    share = None if footprint is None else footprint.area / shapely.Polygon(foot.outline).area
    if share is not None and share < WEIGHT_BEARING_MIN_SHARE:
        # a standing foot bears on heel, ball and toes: about half its outline even with a high arch
        why = (f"the footprint covers {share:.0%} of the sole's outline: the scan looks non-weight-bearing "
               "(sitting, or a foot held up), so the footprint indices are given but not classified")
        foot = replace(foot, warnings=foot.warnings + (why,))
        indices = {**{k: ({**v, "class": None} if isinstance(v, dict) else v) for k, v in indices.items()},
                   "note": "not classified: " + why}
    foot = replace(foot, indices=indices)
    info = {
        "file": str(path), "format": loaded.format, "units": loaded.units, "units_how": loaded.units_how,
        "ground_confidence": round(ground_conf, 3),
        "ground_how": "of the convex hull's planes along the foot, the one with the most scan surface within "
                      f"{CONTACT_BAND_MM:g} mm of it, spread heel to toe",
        "scan_height_mm": round(float(level[:, 2].max()), 1),
        "kind": "whole foot" if whole_foot else "plantar surface",
    }
    return Scan(foot, footprint, profile, canon, cfaces, info)


def _indices(footprint, foot: Foot, whole_foot_vertices: np.ndarray | None) -> dict | None:
    """Footprint indices where the scan stood on the ground (they assume a weight-bearing
    footprint); the arch height index too where the scan holds the dorsum (a whole foot)."""
    from insolegen.feet.indices import footprint_indices

    if footprint is None:
        return None
    dorsal = None
    if whole_foot_vertices is not None:
        band = np.abs(whole_foot_vertices[:, 0] - 0.5 * foot.length_mm) < 2.0
        dorsal = float(whole_foot_vertices[band, 2].max()) if band.any() else None
    return {"note": "footprint indices assume the scan was taken weight-bearing", **footprint_indices(footprint, foot, dorsal)}


def _flat_under(hm: HeightMap, sole: np.ndarray) -> np.ndarray:
    """Cells of the sole lying on one plane (within 0.3 mm) with the lowest ones: a plane fitted
    to the cells within 5 mm of the ground, so a slightly tilted ground does not hide a plate."""
    low = sole & np.isfinite(hm.bottom) & (hm.bottom <= 5.0)
    if low.sum() < 10:
        return np.zeros_like(sole)
    gx, gy = np.meshgrid(hm.xs, hm.ys)
    a = np.column_stack([np.ones(low.sum()), gx[low], gy[low]])
    coef, *_ = np.linalg.lstsq(a, hm.bottom[low], rcond=None)
    plane = coef[0] + coef[1] * gx + coef[2] * gy
    return sole & np.isfinite(hm.bottom) & (np.abs(hm.bottom - plane) <= 0.3)


def _side_from_arch(hm, outline: shapely.Polygon, length: float) -> tuple[str, float, str]:
    """The medial arch lifts the plantar surface along one border of the midfoot: that side is
    medial. With the toes toward +x (the wider end), medial +y is a right foot."""
    xs = hm.xs
    x0, x1 = outline.bounds[0], outline.bounds[2]

    def width_at(f):
        y0, y1 = outline.bounds[1] - 1.0, outline.bounds[3] + 1.0      # the scan may lie anywhere
        line = shapely.LineString([(x0 + f * (x1 - x0), y0), (x0 + f * (x1 - x0), y1)])
        return outline.intersection(line).length

    toes_high = np.mean([width_at(f) for f in (0.65, 0.75, 0.85)]) > np.mean([width_at(f) for f in (0.1, 0.2, 0.3)])
    frac = (xs - x0) / (x1 - x0) if toes_high else (x1 - xs) / (x1 - x0)
    plus, minus = [], []
    for i in np.flatnonzero((frac > 0.3) & (frac < 0.6)):
        col = hm.bottom[:, i]
        ok = np.isfinite(col)
        if ok.sum() < 10:
            continue
        ys = hm.ys[ok]
        plus.append(col[ok][ys > ys.max() - 15.0].max())
        minus.append(col[ok][ys < ys.min() + 15.0].max())
    if not plus:
        return "right", 0.0, ""
    lift = float(np.mean(plus) - np.mean(minus))      # > 0: the +y border is the arch
    medial_plus = lift > 0
    side = "right" if medial_plus == toes_high else "left"
    confidence = float(np.tanh(abs(lift) / 3.0))
    return side, confidence, f"detected from the 3D scan: the plantar surface is {abs(lift):.1f} mm higher along the medial midfoot"


def _medial_arch_profile(hm: HeightMap, foot: Foot) -> np.ndarray:
    """The plantar surface's height along the foot's medial side, every GRID_MM from 15 to 75 %
    of the foot length: at each station, the first point of the sole met going inward from the
    medial tangent of the low sole (where the sole is within LOW_SOLE_MM of the ground; the line
    touching its medial side at heel and ball spans the arch). Under the arch that is the arch's
    underside on the tangent; at heel and ball, where the tangent runs just outside the foot, it is
    the sole at the foot's medial edge. ``hm`` is in the levelled scan's frame; the profile's x is
    the canonical one (from the heel)."""
    length = foot.length_mm
    low = hm.inside & (hm.bottom <= LOW_SOLE_MM)
    poly = mask_polygon(low, hm.xs, hm.ys) if low.any() else None
    if poly is None:
        return np.zeros((0, 2))
    hull = shapely.Polygon(foot.to_canonical(np.asarray(poly.exterior.coords))).convex_hull
    lo_y, hi_y = hull.bounds[1] - 1.0, hull.bounds[3] + 1.0
    stations = np.arange(0.15 * length, 0.75 * length, GRID_MM)
    inward = np.arange(0.5, PROFILE_SEARCH_MM, GRID_MM)
    rows = []
    for x in stations:
        chord = hull.intersection(shapely.LineString([(x, lo_y), (x, hi_y)]))
        if chord.is_empty:
            continue
        pts = foot.to_input(np.column_stack([np.full(len(inward), x), chord.bounds[3] - inward]))
        i = np.rint((pts[:, 0] - hm.xs[0]) / (hm.xs[1] - hm.xs[0])).astype(int)
        j = np.rint((pts[:, 1] - hm.ys[0]) / (hm.ys[1] - hm.ys[0])).astype(int)
        ok = (i >= 0) & (i < len(hm.xs)) & (j >= 0) & (j < len(hm.ys))
        heights = np.full(len(inward), np.nan)
        heights[ok] = hm.bottom[j[ok], i[ok]]
        found = np.flatnonzero(np.isfinite(heights) & (heights <= SOLE_MAX_HEIGHT_MM))  # not the ankle or leg above
        if len(found):
            rows.append((x, float(heights[found[0]])))
    return np.array(rows) if rows else np.zeros((0, 2))


def _arch_from_profile(profile: np.ndarray, foot: Foot) -> ArchMeasurements:
    """Apex, height, start and end of the arch from the whole medial profile, smoothed: the apex
    is its highest point between 25 and 60 % of the foot length; start and end are where a
    half-Gaussian fitted to each side falls to half the apex height. Each side's width is the
    median of what every sample of that side between 20 and 80 % of the apex height says, so no
    single stretch of the profile (a slow tail hovering at half height, a gap, where the samples
    stop) decides it. Not above 80 %: there a sample's width is |x - apex| / sqrt(2 ln(A / h)),
    and a scanner's noise in h is magnified as ln(A / h) goes to 0 (ten times more at 95 % than
    at 80 %)."""
    if len(profile) < 10:
        return ArchMeasurements()
    length = foot.length_mm
    x = np.arange(profile[0, 0], profile[-1, 0] + 0.5 * GRID_MM, GRID_MM)
    known = np.interp(x, profile[:, 0], profile[:, 1])          # gaps bridged linearly
    smooth = smooth_1d(_median_1d(known, int(round(PROFILE_MEDIAN_MM / GRID_MM))), PROFILE_SIGMA_MM / GRID_MM)
    window = (x >= 0.25 * length) & (x <= 0.60 * length)
    if not window.any():
        return ArchMeasurements()
    k = int(np.flatnonzero(window)[np.argmax(smooth[window])])
    apex_h = float(smooth[k])
    # the apex: the centre of the profile's top (within APEX_BAND_MM of its highest), not its
    # highest sample, which wanders along a flat top with a scanner's noise
    near = window * np.clip(1.0 - (apex_h - smooth) / APEX_BAND_MM, 0.0, 1.0) ** 2
    k = int(np.argmin(np.abs(x - near @ x / near.sum())))
    if apex_h < 3.0:
        return ArchMeasurements()
    sides = []
    for part, sign in ((slice(None, k + 1), -1), (slice(k, None), 1)):
        xs, hs = x[part], smooth[part]
        use = (hs > 0.2 * apex_h) & (hs < 0.8 * apex_h)
        if use.sum() < 3:
            sides.append(float(x[k] + sign * 0.15 * length))
            continue
        widths = np.abs(xs[use] - x[k]) / np.sqrt(2.0 * np.log(apex_h / hs[use]))
        sides.append(float(x[k] + sign * np.median(widths) * np.sqrt(2.0 * np.log(2.0))))
    start, end = sides
    return ArchMeasurements(height_mm=round(apex_h, 1), apex_mm=round(float(x[k]), 1),
                            start_mm=round(start, 1), end_mm=round(end, 1))


def _median_1d(values: np.ndarray, width: int) -> np.ndarray:
    if width < 2:
        return values
    pad = width // 2
    padded = np.pad(values, pad, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * pad + 1), axis=1)


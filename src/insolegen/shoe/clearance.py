"""Does this device fit this shoe (``insolegen measure DEVICE --shoe LINER``)? Pure: the device's
outline as measured (its footprint in the measuring frame) and the sock-liner's, both heel at
x = 0 along x with +y medial. The liner is registered on the device as on a foot (heel to heel,
midline on midline over the heel and the ball, ``shoe.fit.register``); the clearance is how far
inside the liner the device's edge stands (negative: it stands out over the liner's edge), all
round and by region."""
from __future__ import annotations

import numpy as np
import shapely

from insolegen.shoe.fit import BALL_START, HEEL_END, medial_of_midline, register

AGAINST_THE_HEEL_MM = 3.0  # registered heel to heel, the device's back touches the liner's: not judged there
READ_TO_MM = 0.3           # both outlines are read to about this (a mesh's footprint on a 0.25 mm raster)
CUP_TOLERANCE_MM = 1.0    # the heel cup's measuring tolerance (its check's in the design record)
REGIONS = {"heel": (0.0, HEEL_END), "midfoot": (HEEL_END, BALL_START), "ball": (BALL_START, 0.80), "toe": (0.80, 1.01)}


def clearance(device: np.ndarray, liner: np.ndarray) -> dict:
    """The fit's numbers: the registration, the least clearance all round and where it is, and
    the least clearance in each region, medial and lateral (mm)."""
    length = float(np.ptp(device[:, 0]))
    on, turn, shift, residual = register(liner, device, length)
    inside = shapely.Polygon(on)
    edge = inside.exterior
    points = shapely.points(device)
    distance = shapely.distance(points, edge)
    signed = np.where(shapely.contains(inside, points) | (distance < 1e-9), distance, -distance)
    medial = medial_of_midline(device, device)
    share = (device[:, 0] - device[:, 0].min()) / length
    judged = share * length > AGAINST_THE_HEEL_MM            # heel to heel: at its very back the device stands against the liner's
    regions = {}
    for name, (lo, hi) in REGIONS.items():
        here = (share >= lo) & (share < hi) & judged
        regions[name] = {side: (round(float(signed[here & m].min()), 2) if (here & m).any() else None)
                         for side, m in (("medial", medial), ("lateral", ~medial))}
    k = int(np.flatnonzero(judged)[np.argmin(signed[judged])])
    return {"registration": {"turn_deg": round(turn, 3), "shift_mm": round(shift, 2), "residual_mm": round(residual, 2)},
            "least_clearance_mm": round(float(signed[k]), 2),
            "least_at": {"x_mm": round(float(device[k, 0]), 1), "y_mm": round(float(device[k, 1]), 1),
                         "side": "medial" if medial[k] else "lateral"},
            "by_region_mm": regions, "fits": bool(signed[k] >= -READ_TO_MM),
            "liner_length_mm": round(float(np.ptp(on[:, 0])), 2), "device_length_mm": round(length, 2)}


def shoe_check(vertices: np.ndarray, faces: np.ndarray, measurement, liner, style: str | None) -> dict:
    """Does the measured device (its mesh and ``insolegen measure``'s reading of it) fit the liner
    (``shoe.read.Liner``)? Its outline's clearance, its heel cup against the style's limit, and its
    thickness under the heel and the ball. Raises InvalidInput for a liner of the other side."""
    from insolegen.errors import InvalidInput
    from insolegen.shoe.mesh_liner import footprint
    from insolegen.shoe.styles import LIMITS

    frame = measurement.frame
    if liner.side != frame.side:
        raise InvalidInput(f"{liner.file}: the sock-liner is a {liner.side} one ({liner.side_how}) and the device a "
                           f"{frame.side} one: give the {frame.side} shoe's liner")
    device = _along_its_axis(footprint(vertices, faces, frame, measurement.name) * [1.0, frame.medial_sign])  # + medial, as the liner's
    found = {"file": liner.file, "side": liner.side, **clearance(device, liner.outline)}
    q = measurement.quantities
    cup = q.get("heel_cup_depth_mm")
    limit = next((lim for lim in LIMITS.get(style or "", ()) if lim.field == "heel_cup.depth_mm"), None)
    found["heel_cup"] = {"depth_mm": None if cup is None else round(cup, 2), "style": style,
                         "most_mm": None if limit is None else limit.most, "source": None if limit is None else limit.source,
                         "within": None if limit is None or cup is None else bool(cup <= limit.most + CUP_TOLERANCE_MM)}
    found["thickness_mm"] = {"heel": _r(q.get("heel_seat_height_mm")), "ball": _r(q.get("forefoot_thickness_mm"))}
    return found


def _r(value):
    return None if value is None else round(float(value), 2)


def _along_its_axis(outline: np.ndarray) -> np.ndarray:
    """The outline turned so that its principal axis lies along x (the heel still at low x, + medial
    kept), the heel at x = 0: the frame a liner is read into (``measure``'s own long axis is its
    minimum-area rectangle's, a degree or two off that)."""
    from insolegen.geometry.polygon import resample

    pts = resample(outline, 1.0)
    centred = pts - pts.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    axis = vecs[:, 1] * np.sign(vecs[0, 1] or 1.0)            # toward +x, where the toe is
    turned = outline @ np.column_stack([axis, [-axis[1], axis[0]]])
    return turned - [turned[:, 0].min(), 0.0]

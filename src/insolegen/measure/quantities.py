"""What is measured, in the measuring frame (x from the heel end along the long axis, z up from
the ground, medial side +y on a right insole). Regions are fractions of the device's length L
and of its local width w, so the same definitions serve any insole; DEFINITIONS says each in
one line (it is what `insolegen measure --help` and the README print)."""
from __future__ import annotations

import numpy as np

from insolegen.measure.raster import HeightMap, erode, fit_plane
from insolegen.measure.rearfoot import measure_rearfoot

BALL_WIDTH_OF_FOOT_LENGTH = 0.376   # ANSUR II medians: ball width / foot length,
HEEL_WIDTH_OF_FOOT_LENGTH = 0.27     # heel breadth / foot length
FULL_LENGTH_TOES = 0.22              # an insole reaching this far (x L) beyond its ball is full length

DEFINITIONS = {
    "side": "which foot the insole is for: the medial arch side and the hallux side",
    "length_mm": "extent along the long axis (the long side of the footprint's minimum-area rectangle)",
    "width_mm": "extent across the long axis, on the ground",
    "height_mm": "highest point above the ground plane",
    "foot_length_est_mm": "F, the foot length the regions below are scaled by: L for a full-length insole, else the largest of L, ball width / 0.376 and heel width / 0.27 (ANSUR II)",
    "heel_seat_height_mm": "height of the heel seat's post plane at the post's pivot (the heel's low edge, lateral for varus, medial for valgus) at 14.5 % of F: base plus heel lift",
    "heel_cup_depth_mm": "highest rim point in the rear 15 % of F above the heel seat (its post plane, and a skive's wedge on the medial side)",
    "rearfoot_post_deg": "tilt about the long axis of the heel seat (the middle of the heel at 9-16 % of F, fitted with a skive's crease and a pocket's floor as levels of their own); + = medial side up",
    "medial_skive_deg": "how much more steeply the heel seat rises medial of a crease near its centre line than lateral of it (a Kirby skive's own varus)",
    "medial_skive_depth_mm": "that extra wedge's height at the heel's medial edge (at 14.5 % of F)",
    "heel_pocket_depth_mm": "depth of a heel pocket's floor below the heel seat (a closed depression with a floor of its own; 0 where there is none)",
    "heel_pocket_x_mm": "the pocket's centre (the circle through its half-depth line), from the heel end",
    "heel_pocket_y_mm": "... and across the long axis, + medial",
    "heel_pocket_diameter_mm": "the pocket's diameter at half its depth",
    "arch_apex_height_mm": "highest point of the medial half from 30 to 58 % of F (behind the met pad), above the ground",
    "arch_apex_frac": "where that point is, as a fraction of L from the heel end",
    "forefoot_post_deg": "tilt of the forefoot plate (3-13 % of F beyond the ball, the widest part) about the long axis; + = medial side up",
    "forefoot_thickness_mm": "thickness (top minus bottom) of the forefoot plate at its centre",
    "met_pad_height_mm": "highest dome (a cell above all within 9 mm) of the central and lateral forefoot (18 % of F behind the ball line, from the forefoot's medial to its lateral prominence, to 3 % beyond it) above the forefoot plate's plane",
    "min_thickness_mm": "smallest thickness (top minus bottom, vertically) at least 1 mm inside the edge",
    "volume_mm3": "volume of the main body",
    "mass_g": "volume x the material's density (printed solid)",
}


PAD_MEDIAL_LIMIT = 0.35    # of the width medial of the centre line: the pad window's medial edge (a dome test keeps the arch out)
PAD_EDGE_MM = 2.0        # a dome's top lies at least this far inside the pad's window
PAD_DOME_MM = 9.0        # ... and is the highest cell within this square about it
PAD_BEHIND_BALL = 0.18   # of F: a pad's centre may stand met_pad.offset_mm (up to 30 mm) behind the 2nd-3rd heads


def borders(hm: HeightMap):
    """Per column of the height map: whether the footprint is there, and its lowest and highest y
    (0 where it is not)."""
    inside = hm.inside
    has = inside.any(axis=0)
    ys = hm.ys[:, None]
    y_lo = np.where(inside, ys, np.inf).min(axis=0)
    y_hi = np.where(inside, ys, -np.inf).max(axis=0)
    return has, np.where(has, y_lo, 0.0), np.where(has, y_hi, 0.0)


def columns(hm: HeightMap):
    """Per column of the height map: the footprint's centre line y and its width."""
    has, y_lo, y_hi = borders(hm)
    return np.where(has, 0.5 * (y_lo + y_hi), np.nan), y_hi - y_lo


def ball_and_foot_length(hm: HeightMap, length: float) -> tuple[float, float]:
    """The ball's x (the widest part of the front half) and the foot length F that regions
    scale with: the insole's length, or where it is shorter than the foot (3/4, sulcus) the
    length its ball width or its heel width implies, whichever is longer (a three-quarter
    insole ends behind the ball, so its front is narrower than the ball)."""
    _, width = columns(hm)
    front = hm.xs > 0.5 * length
    ball_x = float(hm.xs[front][np.argmax(width[front])])
    heel = (hm.xs > 0.1 * length) & (hm.xs < 0.25 * length)
    from_ball = float(width[front].max()) / BALL_WIDTH_OF_FOOT_LENGTH
    from_heel = float(width[heel].max()) / HEEL_WIDTH_OF_FOOT_LENGTH if heel.any() else 0.0
    if length - ball_x > FULL_LENGTH_TOES * length:      # the toes are there: a full-length insole
        return ball_x, length
    return ball_x, max(length, from_ball, from_heel)


def _pad_height(hm: HeightMap, plane, beyond, medial_sign: float, centre, width, foot: float) -> float | None:
    """The met pad's rise over the forefoot plate's plane: the highest *dome* in the pad's window
    (a cell higher than every cell around it, away from the window's edge). The arch's flank also
    rises above that plane where it reaches into the window, but it keeps rising out of the window:
    its highest cell is on the window's edge, not a dome. 0 where the window holds no dome."""
    from scipy.ndimage import binary_erosion, maximum_filter

    gx, gy = np.meshgrid(hm.xs, hm.ys)
    shape = gx.shape
    x, y = gx.ravel(), gy.ravel()
    across = medial_sign * (y - np.interp(x, hm.xs, np.nan_to_num(centre))) / np.maximum(np.interp(x, hm.xs, width), 1.0)
    along = beyond(x, y)
    window = (hm.inside.ravel() & (along > -PAD_BEHIND_BALL * foot) & (along < 0.03 * foot)
              & (across > -0.3) & (across < PAD_MEDIAL_LIMIT)).reshape(shape)
    if not window.any():
        return None
    rise = np.where(window, hm.top - _plane_at(plane, gx, gy), -np.inf)
    step = float(hm.xs[1] - hm.xs[0])
    core = binary_erosion(window, iterations=max(1, int(round(PAD_EDGE_MM / step))))
    ring = max(3, int(round(PAD_DOME_MM / step)) | 1)
    dome = core & (rise >= maximum_filter(rise, size=ring))
    return float(max(rise[dome].max(), 0.0)) if dome.any() else 0.0


def ball_line_distance(hm: HeightMap, medial_sign: float, length: float):
    """f(x, y): signed distance (mm, + toward the toes) from the ball line, the line through the
    forefoot's medial and lateral prominences (its widest points on each side, 0.5-0.9 of the
    foot length ``foot``)."""
    has, y_lo, y_hi = borders(hm)
    medial, lateral = (y_hi, y_lo) if medial_sign > 0 else (-y_lo, -y_hi)
    front = has & (hm.xs > 0.5 * length) & (hm.xs < 0.9 * length)
    if not front.any():
        front = has & (hm.xs > 0.5 * length)
    # the medial border often runs straight along the ball (a tangent touching heel and ball):
    # the 1st head's prominence is the distal end of that straight run; the 5th's is rounded,
    # its middle
    km = np.flatnonzero(front & (medial >= medial[front].max() - 1.0)).max()
    near = np.flatnonzero(front & (lateral <= lateral[front].min() + 1.0))
    kl = near[np.argmin(np.abs(hm.xs[near] - hm.xs[near].mean()))]
    a = np.array([hm.xs[km], medial_sign * medial[km]])
    b = np.array([hm.xs[kl], medial_sign * lateral[kl]])
    u = (a - b) / max(float(np.linalg.norm(a - b)), 1e-9)
    n = np.array([u[1], -u[0]])
    n = n if n[0] >= 0 else -n
    return lambda x, y: (x - b[0]) * n[0] + (y - b[1]) * n[1]


def _plane_at(coef, x, y):
    return coef[0] + coef[1] * x + coef[2] * y


def measure_quantities(vertices: np.ndarray, hm: HeightMap, medial_sign: float,
                       foot_length_mm: float | None = None) -> tuple[dict, list[str]]:
    """``vertices`` in the measuring frame. Returns the quantities (None where the insole has no
    such region) and notes on what could not be measured."""
    notes = []
    x, y, z = vertices.T
    length = float(x.max() - x.min())
    q = {"length_mm": length, "width_mm": float(np.ptp(y)), "height_mm": float(z.max())}
    centre, width = columns(hm)
    ball_x, foot = ball_and_foot_length(hm, length)
    if foot_length_mm is not None:
        foot = float(foot_length_mm)
    q["foot_length_est_mm"] = foot
    gx, gy = np.meshgrid(hm.xs, hm.ys)
    inside = hm.inside
    col_centre, col_width = centre[None, :], width[None, :]

    rear, rear_notes = measure_rearfoot(hm, x, y, z, medial_sign, foot, centre, width)
    q.update(rear)
    notes += rear_notes

    # the medial arch
    medial = medial_sign * (y - np.interp(x, hm.xs, np.nan_to_num(centre))) > 0
    arch = medial & (x > 0.30 * foot) & (x < min(0.58 * foot, ball_x - 0.03 * foot))
    if arch.any():
        k = np.flatnonzero(arch)[np.argmax(z[arch])]
        q["arch_apex_height_mm"], q["arch_apex_frac"] = float(z[k]), float(x[k] / length)
    else:
        q["arch_apex_height_mm"] = q["arch_apex_frac"] = None
        notes.append("no midfoot between 30 and 58 % of the foot length")

    # the forefoot plate beyond the ball (its widest part), and the met pad behind the ball line
    x0, x1 = ball_x + 0.03 * foot, min(ball_x + 0.13 * foot, length - 0.04 * foot)
    plate = inside & (gx > x0) & (gx < x1) & (np.abs(gy - col_centre) < 0.35 * col_width)
    plate_plane = fit_plane(hm.points(plate), hm.top[plate], trim_mm=0.2)[0] if x1 - x0 > 8.0 else None
    if plate_plane is None:
        notes.append("no forefoot plate: the insole ends at the ball (three-quarter length?)")
        q.update(forefoot_post_deg=None, forefoot_thickness_mm=None, met_pad_height_mm=None)
    else:
        q["forefoot_post_deg"] = float(np.degrees(np.arctan(medial_sign * plate_plane[2])))
        px = 0.5 * (x0 + x1)
        py = float(np.interp(px, hm.xs, np.nan_to_num(centre)))
        q["forefoot_thickness_mm"] = float(_plane_at(plate_plane, px, py) - np.nanmedian(hm.bottom[plate]))
        # the pad's window: behind the ball line, from the medial to the lateral prominence (oblique:
        # a pad behind the 2nd-3rd heads can lie ahead of the widest column), up to 3 % of F beyond
        # it, not the medial third, where the arch may still run; the plate's robust plane is not
        # tilted by a pad reaching into it
        beyond = ball_line_distance(hm, medial_sign, foot)
        q["met_pad_height_mm"] = _pad_height(hm, plate_plane, beyond, medial_sign, centre, width, foot)

    inner = erode(inside, 2)
    thickness = (hm.top - hm.bottom)[inner]
    q["min_thickness_mm"] = float(thickness.min()) if thickness.size else None
    return q, notes

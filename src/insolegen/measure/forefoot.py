"""The forefoot, read from the plate beyond the ball line (from a sulcus insole's line itself;
a three-quarter insole has none) and the band behind it: the forefoot post, the plate's thickness at the post's pivot, a step along the first
ray (a Morton's extension raises the first ray, a cut-out lowers it, a reverse Morton's raises
the lesser rays), the met pad's dome and a met bar across the foot.

The plate is modelled as a plane (the post) with, where the first ray stands apart from the
lesser rays, a step rounded over a few mm at the line between them; the step's place is found on
the mesh. Its thickness is the lesser rays' plate, at the post's pivot."""
from __future__ import annotations

import numpy as np

from insolegen.geometry.arrays import across_profile
from insolegen.geometry.raster import HeightMap, borders, fit_linear, fit_plane

PAD_MEDIAL_LIMIT = 0.35    # of the width medial of the centre line: the pad window's medial edge (a dome test keeps the arch out)
PAD_EDGE_MM = 2.0        # a dome's top lies at least this far inside the pad's window
PAD_DOME_MM = 9.0        # ... and is the highest cell within this square about it
# of F: how far behind the ball a pad's dome is looked for: met_pad.offset_mm allows 40 mm behind
# the 2nd-3rd heads, which on the smallest foot (EU35) stands 0.2 of its length behind the ball
PAD_BEHIND_BALL = 0.22
PLATE_MM = 0.2           # a plate cell further than this from the fit is left out of it
PLATE_BEYOND_BALL = (0.03, 0.13)   # of F beyond the ball line: the forefoot plate
PLATE_TRIM_MARGIN = 0.01           # of F short of the insole's front end (a sulcus trim)
MIN_PLATE_MM = 4.0                 # a shorter band is no plate (a three-quarter insole has none)
PLATE_ACROSS = 0.45                # of the width either side of the centre line: the first ray's side too
STEP_MM = 6.0            # a first-ray step rises over about this width
MIN_STEP_MM = 0.2        # a smaller step is no step
BAR_QUANTILE = 10        # a met bar runs across the foot: its height is the 10th percentile across it
BAR_CHORD_MM = 20        # ... read above the chord this far either side of its crest
BAR_ACROSS = 0.4         # of the width either side of the centre line: where a bar is read
MIN_BAR_MM = 0.3         # a lower rise is no bar
BAR_RISE_MM = 0.15       # a band across the plate's proximal edge raised this much ...
BAR_SHARE = 0.6          # ... over this share of its width is a met bar's distal flank


def plate_step(u: np.ndarray) -> np.ndarray:
    """0 lateral of the first ray's line, 1 medial of it, rising over STEP_MM (quintic)."""
    t = np.clip(u / STEP_MM + 0.5, 0.0, 1.0)
    return t * t * t * (t * (6.0 * t - 15.0) + 10.0)


def ball_line_distance(hm: HeightMap, medial_sign: float, length: float):
    """f(x, y): signed distance (mm, + toward the toes) from the ball line, the line through the
    forefoot's medial and lateral prominences (its widest points on each side, 0.5-0.9 of the
    foot length ``length``)."""
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


def _plate_fit(X, Y, Z, centre_Y: float, medial_Y: float):
    """The plate's plane and, where it fits better, a first-ray step at the best line between
    the centre line and the medial border (2 mm steps, then 0.5). Returns (coef a, b, c, s, line)."""
    def fit(line):
        columns = [np.ones_like(X), X, Y] + ([] if line is None else [plate_step(Y - line)])
        design = np.column_stack(columns)
        coef, _ = fit_linear(design, Z, trim_mm=PLATE_MM)
        if coef is None:
            return np.inf, line, None
        cost = float(np.mean(np.minimum((Z - design @ coef) ** 2, PLATE_MM ** 2)))
        return cost, line, (coef if line is not None else np.append(coef, 0.0))

    plain = fit(None)
    # a line with the plate on both sides of it (a step with nothing beyond it is the plane's own)
    lines = [v for v in np.arange(centre_Y - 4.0, medial_Y - STEP_MM / 2, 2.0) if 0.1 < np.mean(Y > v) < 0.9]
    if len(lines) == 0:
        return (*plain[2], None) if plain[2] is not None else None
    _, line, _ = min((fit(v) for v in lines), key=lambda t: t[0])
    cost, line, coef = min((fit(line + d) for d in np.arange(-1.5, 1.6, 0.5) if 0.1 < np.mean(Y > line + d) < 0.9),
                           key=lambda t: t[0], default=(np.inf, None, None))
    if coef is None or abs(coef[3]) < MIN_STEP_MM or cost >= plain[0]:
        return None if plain[2] is None else (*plain[2], None)
    return (*coef, line)


def _past_a_bar(hm: HeightMap, plate: np.ndarray, along: np.ndarray) -> np.ndarray:
    """The plate without a met bar's distal flank: where a band across the foot stands raised at
    the plate's proximal edge, the plate starts 2 mm beyond it."""
    plane, _ = fit_plane(hm.points(plate), hm.top[plate], trim_mm=PLATE_MM)
    if plane is None:
        return plate
    raised = plate & (hm.top - (plane[0] + plane[1] * hm.xs[None, :] + plane[2] * hm.ys[:, None]) > BAR_RISE_MM)
    start = np.floor(along[plate].min())
    cut = start
    for d in np.arange(start, along[plate].max(), 1.0):
        ring = plate & (along >= d) & (along < d + 1.0)
        if ring.sum() < 5 or raised[ring].mean() < BAR_SHARE:
            break
        cut = d + 1.0
    return plate & (along > cut + 2.0) if cut > start else plate


def _bar_profile(heights: np.ndarray, d: np.ndarray, foot: float):
    """(rise, d) of the highest rise above the chord of the across-the-foot profile (10th
    percentile at each mm of d), up to PAD_BEHIND_BALL of F behind the ball line. ``heights``
    ascending."""
    centres, profile = across_profile(heights, d, BAR_QUANTILE, 5, ascending=True)
    w = int(BAR_CHORD_MM)
    if len(profile) <= 2 * w:
        return np.nan, np.nan
    rise = np.full_like(profile, np.nan)
    rise[w:-w] = profile[w:-w] - 0.5 * (profile[:-2 * w] + profile[2 * w:])
    window = (centres > -PAD_BEHIND_BALL * foot) & (centres < 0.0) & np.isfinite(rise)
    if not window.any():
        return np.nan, np.nan
    k = np.flatnonzero(window)[np.nanargmax(rise[window])]
    return float(rise[k]), float(centres[k])


def _met_bar(hm: HeightMap, along: np.ndarray, band: np.ndarray, centre_y: float, foot: float):
    """A met bar, from the mesh alone: across the foot (the 10th percentile of the top's height
    over the band at each mm of distance from the ball line), the highest rise above the chord
    BAR_CHORD_MM either side, up to 18 % of F behind the ball line; the bar's own direction is
    found too (within 6 degrees of the ball line). Returns (height, how far its crest stands
    behind the ball line at the centre line), (0, None) where none rises MIN_BAR_MM, or None."""
    cells = band & np.isfinite(along)
    if cells.sum() < 50:
        return None, None
    heights, d = hm.top[cells], along[cells]
    across = np.broadcast_to(hm.ys[:, None], along.shape)[cells] - centre_y
    by_height = np.argsort(heights, kind="stable")       # once for all the directions tried
    heights, d, across = heights[by_height], d[by_height], across[by_height]
    best = max((_bar_profile(heights, d + t * across, foot) for t in np.tan(np.radians(np.arange(-6.0, 6.1, 1.5)))),
               key=lambda r: -np.inf if np.isnan(r[0]) else r[0])
    if np.isnan(best[0]):
        return None, None
    if best[0] < MIN_BAR_MM:
        return 0.0, None
    return best[0], -best[1]


def _pad_height(hm: HeightMap, plate_at, beyond, medial_sign: float, centre, width, foot: float) -> float | None:
    """The met pad's rise over the forefoot plate: the highest *dome* in the pad's window (a cell
    higher than every cell around it, away from the window's edge). The arch's flank also rises
    above the plate where it reaches into the window, but it keeps rising out of the window: its
    highest cell is on the window's edge, not a dome. 0 where the window holds no dome."""
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
    rise = np.where(window, hm.top - plate_at(gx, gy), -np.inf)
    step = float(hm.xs[1] - hm.xs[0])
    core = binary_erosion(window, iterations=max(1, int(round(PAD_EDGE_MM / step))))
    ring = max(3, int(round(PAD_DOME_MM / step)) | 1)
    dome = core & (rise >= maximum_filter(rise, size=ring))
    return float(max(rise[dome].max(), 0.0)) if dome.any() else 0.0


def measure_forefoot(hm: HeightMap, x: np.ndarray, y: np.ndarray, medial_sign: float, foot: float, length: float,
                     kind: str, centre: np.ndarray, width: np.ndarray, pockets_at=()) -> tuple[dict, list[str]]:
    """``x, y``: the vertices in the measuring frame (for the forefoot's prominences); ``kind``:
    full, sulcus or three_quarter (``quantities.insole_kind``); ``pockets_at``: known pockets
    ((x, y + medial, radius), measuring frame), left out of the plate."""
    q = dict.fromkeys(("forefoot_post_deg", "forefoot_thickness_mm", "first_ray_step_mm", "met_pad_height_mm",
                       "met_bar_height_mm", "met_bar_offset_mm"))
    if kind == "three_quarter":
        return q, ["no forefoot plate: the insole ends behind the metatarsal heads (three-quarter length)"]
    gx, gy = np.meshgrid(hm.xs, hm.ys)
    col_centre, col_width = np.nan_to_num(centre)[None, :], np.nan_to_num(width)[None, :]
    # the plate: beyond the ball line (a met bar stands behind it), to its widest part's end or
    # short of a sulcus trim
    beyond = ball_line_distance(hm, medial_sign, foot)
    along = np.where(hm.inside, beyond(gx, gy), np.nan)
    d0, d1 = PLATE_BEYOND_BALL[0] * foot, PLATE_BEYOND_BALL[1] * foot
    if kind == "sulcus":                          # it ends 0.06 F past the ball line: its plate starts at the line
        d0 = 0.0
    row_end = np.where(hm.inside, gx, -np.inf).max(axis=1, keepdims=True)         # each row's front end
    plate = (hm.inside & (along > d0) & (along < d1) & (gx < row_end - PLATE_TRIM_MARGIN * foot)
             & (np.abs(gy - col_centre) < PLATE_ACROSS * col_width))
    for px, py, r in pockets_at:
        plate &= np.hypot(gx - px, medial_sign * gy - py) > r + 1.0
    if plate.any():
        d1 = min(d1, float(np.nanmax(along[plate])))
    Y = medial_sign * gy
    front = x > 0.5 * length
    across = medial_sign * y[front]
    medial_Y = float(across.max())
    bar_band = hm.inside & (np.abs(gy - col_centre) < BAR_ACROSS * col_width)
    centre_y = float(np.nanmedian(np.nan_to_num(centre)[(hm.xs > 0.5 * length)]))
    q["met_bar_height_mm"], q["met_bar_offset_mm"] = _met_bar(hm, along, bar_band, centre_y, foot)
    fit = None
    if d1 - d0 > MIN_PLATE_MM and plate.sum() >= 20:
        plate = _past_a_bar(hm, plate, along)
        px = float(np.median(gx[plate])) if plate.any() else 0.0
        centre_Y = medial_sign * float(np.interp(px, hm.xs, np.nan_to_num(centre)))
        if plate.sum() >= 20:
            fit = _plate_fit(gx[plate], Y[plate], hm.top[plate], centre_Y, medial_Y)
    if fit is None:
        return q, ["no forefoot plate found beyond the ball line"]
    a, b, c, s, line = fit
    q["forefoot_post_deg"] = float(np.degrees(np.arctan(c)))
    q["first_ray_step_mm"] = float(s)
    # the post pivots on the forefoot's low side, at its prominence (the 5th head's for varus,
    # the 1st's for valgus): there the lesser rays' plate stands at the prescribed thickness
    k = np.flatnonzero(front)[np.argmin(across) if c >= 0 else np.argmax(across)]
    bottom = float(np.nanmedian(hm.bottom[plate]))
    q["forefoot_thickness_mm"] = float(a + b * x[k] + c * medial_sign * y[k] - bottom)

    def plate_at(px_, py_):
        pY = medial_sign * py_
        return a + b * px_ + c * pY + (0.0 if line is None else s * plate_step(pY - line))

    # the pad's window: behind the ball line, from the medial to the lateral prominence (oblique:
    # a pad behind the 2nd-3rd heads can lie ahead of the widest column), up to 3 % of F beyond
    # it, not the medial third, where the arch may still run; the plate's robust fit is not
    # tilted by a pad reaching into it
    q["met_pad_height_mm"] = _pad_height(hm, plate_at, beyond, medial_sign, centre, width, foot)
    return q, []

"""The rearfoot, read from the heel seat (the middle of the heel, inside the cup's wall): the
post's tilt, a medial skive's extra wedge, a heel-spur pocket's depth and place, the seat's
height at the post's pivot and the cup's depth.

The seat is modelled as a podiatrist describes it: a plane (the post), a crease from which the
medial half rises more steeply (a skive), and, where a pocket sits in it, a floor that is the same
surface lowered. The model is fitted to the seat and the floor together, each smooth piece of the
top (cut apart by a pocket's curved wall) at a level of its own, so a pocket does not read as a
tilt, nor a skive as post. A pocket is a closed depression (where water poured on the top would
stand) whose floor lies below the seat's level; a seat that dips between a heel lift and a
thicker forefoot holds water too, but its floor is the seat itself."""
from __future__ import annotations

import numpy as np
from scipy.ndimage import binary_dilation

from insolegen.geometry.arrays import hull_span_at
from insolegen.geometry.raster import HeightMap, fit_linear

CREASE_MM = 3.0          # a skive's crease is rounded over about this width
# the crease lies within this of the device's heel centre line: a skive is cut at the foot's heel,
# and a heel widened on one side (a lab's heel expansion, up to 8 mm) or a shoe's unequal heel
# allowances move the device's centre line off it by half the difference
CREASE_SEARCH_MM = 6.0
CREASE_SLOPE = 0.08      # ... and runs within this slope (about 4.5 degrees) of the long axis
LEVEL_MM = 0.25          # a cell within this of a level lies on it
CURVED_MM = 0.03         # a cell whose top departs this far from its neighbours' mean is curved (1 mm grid)
MIN_PIECE_CELLS = 5      # mm²: a smooth piece smaller than this is not a level of its own
WALL_MM = 4              # a pocket's wall is at most about this wide (mm, cells)
MIN_POCKET_CELLS = 12    # mm²: a smaller depression is no pocket
MIN_POCKET_MM = 0.3      # a shallower depression is no pocket
CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)   # water flows between cells sharing a side
SEAT_X = (0.09, 0.16)    # of F: the heel seat's extent (a skive fades out beyond it); extended forward over a pocket
FLOOR_X = 0.18           # of F: a pocket's floor is fitted behind this, where a skive still holds full
POCKET_REGION_X = 0.35   # of F: a heel pocket lies behind this
WET_MM = 0.05            # water standing this deep marks a depression
BAND_OF_WIDTH = 0.16     # the seat: this share of the width either side of the centre line (inside the cup's wall)
SEAT_AHEAD_OF_POCKET_MM = 12.0   # past a pocket that covers the seat, the seat is read this far ahead of its floor
SEAT_CENTRE = 0.145      # of F: where the seat's height and the heel's edges (a post's pivot, a skive's top) are read


def crease(u: np.ndarray) -> np.ndarray:
    """0 lateral of the crease, then rising with slope 1, rounded over CREASE_MM."""
    w = CREASE_MM
    return np.where(u <= 0, 0.0, np.where(u < w, u * u / (2 * w), u - w / 2))


def _smooth_pieces(hm: HeightMap, window: np.ndarray) -> np.ndarray:
    """Labels (1, 2, ...) of the window's smooth pieces: cells where the top has no curvature
    (planes and a skive's straight flanks), split apart by a pocket's curved wall. 0: curved."""
    from scipy.ndimage import label

    t = hm.top
    lap = np.full(t.shape, np.inf)
    lap[1:-1, 1:-1] = np.abs(t[1:-1, 1:-1] - 0.25 * (t[:-2, 1:-1] + t[2:, 1:-1] + t[1:-1, :-2] + t[1:-1, 2:]))
    smooth = window & (np.nan_to_num(lap, nan=np.inf) < CURVED_MM)
    labels, n = label(smooth)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    big = np.flatnonzero(sizes >= MIN_PIECE_CELLS)
    big = big[big > 0]
    if len(big) == 0 or sizes[big].sum() < 0.3 * window.sum():
        return window.astype(int)                      # a rough surface: one piece, fitted robustly
    return np.where(np.isin(labels, big), labels, 0)


def _seat_fit(X, Y, Z, pieces, crease_at, x_ref):
    """Plane + crease, with a level of its own for each smooth piece, along the best crease line
    (its place at ``x_ref``, searched in 1 mm then 0.25 mm steps, and its slope: a skive follows
    the foot's axis, which the frame's long axis may miss by a few degrees). Returns (the crease
    line (h, slope, x_ref), the ground's coefficients, each piece's level below the ground)."""
    ids = np.unique(pieces[pieces > 0])
    use = pieces > 0
    levels = (pieces[use, None] == ids[None, 1:]).astype(float)      # the first piece is the reference

    def fit(h, k):
        design = np.column_stack([np.ones(use.sum()), X[use], Y[use], crease(Y[use] - h - k * (X[use] - x_ref)), levels])
        coef, _ = fit_linear(design, Z[use], trim_mm=LEVEL_MM)
        if coef is None:
            return np.inf, (h, k), None
        return float(np.mean(np.minimum((Z[use] - design @ coef) ** 2, LEVEL_MM ** 2))), (h, k), coef

    def best(candidates):
        return min((fit(h, k) for h, k in candidates), key=lambda t: t[0])

    _, (h, k), _ = best((h, 0.0) for h in crease_at + np.arange(-CREASE_SEARCH_MM, CREASE_SEARCH_MM + 0.1, 1.0))
    _, (h, k), _ = best((h, k) for k in np.arange(-CREASE_SLOPE, CREASE_SLOPE + 1e-9, CREASE_SLOPE / 4))
    _, (h, k), coef = best((h + d, k) for d in np.arange(-0.75, 0.8, 0.25))
    if coef is None:
        return None
    offsets = np.concatenate([[0.0], coef[4:]])
    ground = offsets.max()
    ground_coef = coef[:4] + np.array([ground, 0.0, 0.0, 0.0])
    return (h, k, x_ref), ground_coef, dict(zip(ids.tolist(), (ground - offsets).tolist()))


def standing_water(height: np.ndarray, region: np.ndarray) -> np.ndarray:
    """How deep water poured over ``height`` would stand in each cell of ``region`` (0 where it
    runs off the region's edge or into a cell without a height): the closed depressions,
    whatever the surface's tilt around them (grey-scale reconstruction by erosion, 4-connected)."""
    from skimage.morphology import reconstruction

    wet = region & np.isfinite(height)
    depth = np.zeros(height.shape)
    if not wet.any():
        return depth
    # only the wet cells' bounding box is flooded: every cell outside it is a drain, as its frame is
    rows, cols = np.flatnonzero(wet.any(axis=1)), np.flatnonzero(wet.any(axis=0))
    box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
    wet, height = wet[box], height[box]
    # a drain below every height stands for the outside; the frame of drains lets water off the box's edge too
    drain = float(height[wet].min()) - 1.0
    ground = np.pad(np.where(wet, height, drain), 1, constant_values=drain)
    flood = np.pad(np.where(wet, float(height[wet].max()), drain), 1, constant_values=drain)
    water = reconstruction(flood, ground, method="erosion", footprint=CROSS)[1:-1, 1:-1]
    depth[box][wet] = water[wet] - height[wet]
    return depth


def _depression(hm: HeightMap, ground: np.ndarray, region: np.ndarray):
    """The largest closed depression of the top relative to the ground model, out to where water
    stands 1 % of its depth deep (its rim), or None. A pocket is such a depression whose floor
    lies below the seat's ground; a seat that dips between a heel lift and a thicker forefoot
    holds water too, but its floor is the seat itself."""
    from scipy.ndimage import label

    water = standing_water(np.where(region, hm.top - ground, np.nan), region)
    labels, n = label(water > WET_MM)
    if n == 0:
        return None
    sizes = np.bincount(labels.ravel())[1:]
    k = int(np.argmax(sizes)) + 1
    if sizes[k - 1] < MIN_POCKET_CELLS or water[labels == k].max() < MIN_POCKET_MM:
        return None
    rim, _ = label(water > max(0.01, 0.01 * water[labels == k].max()))
    deepest = np.unravel_index(np.argmax(np.where(labels == k, water, -np.inf)), water.shape)
    return rim == rim[deepest]


def _half_depth_circle(hm: HeightMap, below: np.ndarray, band: np.ndarray, pocket: np.ndarray, depth: float,
                       near: np.ndarray):
    """The circle through the pocket's half-depth line, read where the ground model holds (the
    band inside the cup's wall) ``near`` its floor: its centre and diameter, or None."""
    from scipy.ndimage import binary_dilation, binary_erosion, label

    deep = band & pocket & (below < -depth / 2)
    labels, n = label(deep)
    if n == 0:
        return None
    k = np.argmax(np.bincount(labels[near].ravel(), minlength=n + 1)[1:]) + 1    # the part at the floor
    deep = labels == k
    # the cells either side of the line: its inner and outer edge, so the circle runs between them
    sure = binary_erosion(band, iterations=2)
    line = ((deep & ~binary_erosion(deep)) | (binary_dilation(deep) & ~deep)) & sure & near
    if line.sum() < 12:
        return None
    pts = hm.points(line)
    a = np.column_stack([2 * pts, np.ones(len(pts))])
    (cx, cy, c), *_ = np.linalg.lstsq(a, (pts ** 2).sum(axis=1), rcond=None)
    return np.array([cx, cy]), 2 * float(np.sqrt(max(c + cx * cx + cy * cy, 0.0)))


def _ground_at(line, coef, px, pY):
    (h, k, x_ref), (a, b, c, s) = line, coef
    return a + b * px + c * pY + s * crease(pY - h - k * (px - x_ref))


def _fit_window(hm: HeightMap, window: np.ndarray, Y: np.ndarray, crease_at: float, foot: float):
    """(crease position, ground coefficients, each smooth piece's depth below the ground, the
    pieces) over the window, or None."""
    if window.sum() < 20:
        return None
    gx = np.broadcast_to(hm.xs[None, :], window.shape)
    pieces = _smooth_pieces(hm, window)
    fit = _seat_fit(gx[window], Y[window], hm.top[window], pieces[window], crease_at, SEAT_CENTRE * foot)
    if fit is None:
        return None
    return (*fit, pieces)


def measure_rearfoot(hm: HeightMap, x: np.ndarray, y: np.ndarray, z: np.ndarray, medial_sign: float,
                     foot: float, centre: np.ndarray, width: np.ndarray,
                     pockets_at: list[tuple[float, float, float]] = ()) -> tuple[dict, list[str]]:
    """``x, y, z``: the vertices in the measuring frame (for the cup's rim); ``centre`` and
    ``width``: the footprint's centre line and width per height-map column. ``pockets_at``:
    where pockets are known to be ((x, y + medial, radius to the wall's top), measuring frame):
    a pocket that covers the whole seat (under the heel's centre) leaves the seat's window
    nothing but its floor, which would read as the seat; the seat is then read around it and
    ahead of it. Without it, such a pocket is taken for the seat."""
    sx = SEAT_CENTRE * foot
    crease_at = medial_sign * float(np.interp(sx, hm.xs, np.nan_to_num(centre)))
    over = next((((px, py), r) for px, py, r in pockets_at
                 if px < POCKET_REGION_X * foot and np.hypot(px - sx, py - crease_at) < r), None)
    return _read_rearfoot(hm, x, y, z, medial_sign, foot, centre, width, over)


def _read_rearfoot(hm: HeightMap, x, y, z, medial_sign: float, foot: float, centre, width, over=None) -> tuple[dict, list[str]]:
    """The rearfoot's quantities, the seat read in its window, or (``over``: a pocket's centre and
    the reach of its wall) around that pocket and ahead of it."""
    none = dict.fromkeys(("heel_seat_height_mm", "rearfoot_post_deg", "heel_cup_depth_mm", "medial_skive_deg",
                          "medial_skive_depth_mm", "rearfoot_post_medial_deg", "lateral_skive_depth_mm", "lateral_skive_deg", "heel_seat_medial_edge_mm",
                          "heel_pocket_depth_mm", "heel_pocket_x_mm", "heel_pocket_y_mm",
                          "heel_pocket_diameter_mm"))
    gx, gy = np.meshgrid(hm.xs, hm.ys)
    Y = medial_sign * gy                                       # across, + medial
    col_centre, col_width = np.nan_to_num(centre)[None, :], np.nan_to_num(width)[None, :]
    band = hm.inside & (np.abs(gy - col_centre) < np.minimum(12.0, BAND_OF_WIDTH * col_width))
    sx = SEAT_CENTRE * foot
    crease_at = medial_sign * float(np.interp(sx, hm.xs, np.nan_to_num(centre)))

    seat = band & (gx > SEAT_X[0] * foot) & (gx < SEAT_X[1] * foot)
    region = hm.inside & (gx < POCKET_REGION_X * foot)
    if over is not None:
        # a pocket under the heel's centre covers the seat: the seat is read around it and ahead
        (px, py), reach = over
        seat = (band & (gx > SEAT_X[0] * foot) & (gx < px + reach + SEAT_AHEAD_OF_POCKET_MM)
                & (np.hypot(gx - px, Y - py) > reach))
    fit = _fit_window(hm, seat, Y, crease_at, foot)
    if fit is None:
        return none, ["no heel seat found (too few points at 9-16 % of the foot length)"]
    pocket = _depression(hm, _ground_at(fit[0], fit[1], gx, Y), region)
    depth, floor = 0.0, None
    if pocket is not None:
        # the seat and the pocket's floor (which carries the same post and skive), to its front
        reach = hm.points(pocket)[:, 0].max()
        window = band & (gx > SEAT_X[0] * foot) & (gx < max(SEAT_X[1] * foot, reach + 1.0))
        wider = _fit_window(hm, window, Y, crease_at, foot)
        floors = [] if wider is None else [k for k, d in wider[2].items()
                                           if d >= MIN_POCKET_MM and pocket[wider[3] == k].mean() > 0.8]
        if floors:
            # fitted on the seat and the floor alone (the rest of a dip the pocket lies in is not
            # seat), and on the floor within the seat's length where it reaches that far (a
            # skive fades out ahead of it)
            floor = np.isin(wider[3], floors)
            within = floor & (gx < FLOOR_X * foot)
            cells = seat | (within if within.sum() >= 4 * MIN_PIECE_CELLS else floor)
            fit = _fit_window(hm, cells, Y, crease_at, foot) or wider
            depth = max(fit[2].values())
            pocket = _depression(hm, _ground_at(fit[0], fit[1], gx, Y), region)
        else:                       # a dip of the seat itself (a lift fading into a thicker forefoot)
            pocket = None
    h, coef = fit[:2]
    a, b, c, s = coef

    def ground_at(px, pY):
        return _ground_at(h, coef, px, pY)

    q = dict(none)
    q["rearfoot_post_deg"] = float(np.degrees(np.arctan(c)))
    lateral_edge, medial_edge = sorted(medial_sign * np.array(hull_span_at(np.column_stack([x, y]), sx)))
    pivot = lateral_edge if c >= 0 else medial_edge              # a post rises from its low side
    q["heel_seat_height_mm"] = float(a + b * sx + c * pivot)
    q["medial_skive_deg"] = float(np.degrees(np.arctan(c + s)) - np.degrees(np.arctan(c)))
    q["medial_skive_depth_mm"] = float(s * crease(np.array(medial_edge - h[0])))     # the line's place at sx
    # the same crease read the other way round: a lateral skive on the seat medial of it. Read so,
    # its rounding lies lateral of the crease, whose line (the same straight flanks) is then
    # CREASE_MM medial of this model's
    q["rearfoot_post_medial_deg"] = float(np.degrees(np.arctan(c + s)))
    q["lateral_skive_depth_mm"] = float(s * crease(np.array(h[0] + CREASE_MM - lateral_edge)))
    q["lateral_skive_deg"] = q["medial_skive_deg"]         # the crease's angle is the same V's, either way round
    q["heel_seat_medial_edge_mm"] = float(ground_at(sx, medial_edge))
    q["heel_pocket_depth_mm"] = depth if pocket is not None else 0.0
    circle = None
    if pocket is not None:
        # the half-depth line lies within a wall's width of the floor
        near = binary_dilation(floor, iterations=2 * WALL_MM)
        circle = _half_depth_circle(hm, hm.top - ground_at(gx, Y), band, pocket, depth, near)
    if circle is not None:
        (px, py), q["heel_pocket_diameter_mm"] = circle
        q["heel_pocket_x_mm"], q["heel_pocket_y_mm"] = float(px), float(medial_sign * py)
    back = x < 0.15 * foot
    q["heel_cup_depth_mm"] = float(np.max(z[back] - ground_at(x[back], medial_sign * y[back])))
    return q, []

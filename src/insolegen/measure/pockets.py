"""Relief pockets anywhere on the top: closed depressions with a floor of their own.

A pocket is found where water poured on the top would stand (``rearfoot.standing_water``) at
least ``MIN_DEPTH_MM`` deep over at least ``MIN_AREA_MM2``. Its depth is read against the
surface around it, not against the water's level (the lowest point of its rim, lower than the
surface on a slope): a plane is fitted, robustly, to the shoulder just outside the pocket and,
lowered by the depth, to its floor (the pocket less its wall), the depth solved with the plane.
A first fit a few cells outside the water finds the pocket's extent (where the top lies below
that plane), the second reads the depth there. Its diameter is that of the circle with the area
of the cells more than half its depth down; its centre is theirs. A pocket is therefore read
well where the surface around it is near a plane, which is where the design puts pockets.

A basin that is not a pocket (a heel seat between a heel lift and a thicker forefoot, the
inside of a cup) has no floor of its own: its depth below the surface around it varies across
it, where a pocket's floor lies at one depth (``FLAT_FLOOR_SHARE``), and it is not reported.
"""
from __future__ import annotations

import numpy as np

from insolegen.geometry.raster import HeightMap, fit_linear

MIN_DEPTH_MM = 0.3
MIN_AREA_MM2 = 20.0
WET_MM = 0.05
WALL_CELLS = 4            # a pocket's wall is at most about this wide (cells of 1 mm)
SHOULDER_CELLS = (1, 3)   # the surface around a pocket is read this far outside its extent
HEEL_OF_LENGTH = 0.35     # in the heel (this share of the length) ...
HEEL_SHARE_OF_WIDTH = 0.6  # ... a "pocket" this share of the heel's width across is its seat
FLAT_FLOOR_SHARE = 0.15   # a pocket's floor lies within this share of its depth of one level ...
FLAT_FLOOR_CELLS = 0.7    # ... over at least this share of it
MAX_POCKETS = 20


def _surface_and_floor(gx, gy, top, shoulder, floor):
    """Fit the top with a plane on the shoulder and the same surface less ``d`` on
    the floor (robustly): the floor holds the surface inside, the shoulder around. Returns
    (the surface at every cell, d) or None."""
    use = shoulder | floor
    cx, cy = float(gx[floor].mean()), float(gy[floor].mean())

    def terms(x, y):
        return np.column_stack([np.ones_like(x), (x - cx) / 10.0, (y - cy) / 10.0])
    design = np.column_stack([terms(gx[use], gy[use]), -floor[use].astype(float)])
    coef, _ = fit_linear(design, top[use], trim_mm=0.15)
    if coef is None:
        return None
    return (terms(gx.ravel(), gy.ravel()) @ coef[:3]).reshape(gx.shape), float(coef[3])


def find_pockets(hm: HeightMap, medial_sign: float = 1.0) -> list[dict]:
    """Every pocket in the top of the height map (the measuring frame, mm): centre (x, y; y +
    medial), depth, diameter at half depth, deepest first."""
    from scipy.ndimage import binary_dilation, binary_erosion, label

    from insolegen.measure.rearfoot import standing_water

    inside = hm.inside
    region = binary_erosion(inside, iterations=1)
    if region.sum() < 50:
        return []
    water = standing_water(np.where(region, hm.top, np.nan), region)
    labels, n = label(water > WET_MM)
    if n == 0:
        return []
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    gx, gy = np.meshgrid(hm.xs, hm.ys)
    top = np.nan_to_num(hm.top)
    found = []
    for k in np.argsort(-sizes[1:])[:4 * MAX_POCKETS] + 1:
        wet = labels == k
        if sizes[k] < MIN_AREA_MM2:
            break
        # its extent: below a plane through the ground a few cells outside the water
        near = binary_dilation(wet, iterations=WALL_CELLS + 1)
        ring = binary_dilation(wet, iterations=WALL_CELLS + 4) & ~near & inside
        deep = wet & (water >= 0.5 * water[wet].max())
        fitted = _surface_and_floor(gx, gy, top, ring, deep)
        if fitted is None or fitted[1] < MIN_DEPTH_MM:
            continue
        lab, _ = label(near & inside & (fitted[0] - top > 0.1 * fitted[1]))
        extent = np.isin(lab, np.unique(lab[deep & (lab > 0)]))
        # its depth: the floor (the extent less its wall) against the shoulder just outside it
        shoulder = binary_dilation(extent, iterations=SHOULDER_CELLS[1]) & ~binary_dilation(extent, iterations=SHOULDER_CELLS[0]) & inside
        floor = binary_erosion(extent, iterations=WALL_CELLS) & (fitted[0] - top > 0.5 * fitted[1])
        if floor.sum() < 3 or shoulder.sum() < 12:
            continue
        fitted = _surface_and_floor(gx, gy, top, shoulder, floor)
        if fitted is None or fitted[1] < MIN_DEPTH_MM:
            continue
        surface, depth = fitted
        below = surface - top
        if np.mean(np.abs(below[floor] - depth) <= FLAT_FLOOR_SHARE * depth + 0.05) < FLAT_FLOOR_CELLS:
            continue          # no floor of its own: a basin the surface dips into (a seat below a thicker forefoot)
        lab, _ = label(extent & (below >= 0.5 * depth))
        half = np.isin(lab, np.unique(lab[floor & (lab > 0)]))
        diameter = 2 * np.sqrt(half.sum() * (hm.xs[1] - hm.xs[0]) ** 2 / np.pi)
        at = np.abs(hm.xs - gx[half].mean()).argmin()
        across = np.ptp(gy[half]) if half.any() else 0.0
        if gx[half].mean() < hm.xs[0] + HEEL_OF_LENGTH * np.ptp(hm.xs) and across > HEEL_SHARE_OF_WIDTH * inside[:, at].sum() * (hm.ys[1] - hm.ys[0]):
            continue          # the heel seat itself, lower than the cup and the forefoot around it: no pocket
        found.append({"x_mm": round(float(gx[half].mean()), 2), "y_mm": round(float(medial_sign * gy[half].mean()), 2),
                      "depth_mm": round(depth, 3), "diameter_mm": round(float(diameter), 2)})
    found.sort(key=lambda p: -p["depth_mm"])
    return found[:MAX_POCKETS]

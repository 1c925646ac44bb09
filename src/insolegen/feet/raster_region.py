"""A region of a raster mask as a shapely polygon: each set cell a square about its centre.
Used for the sole and footprint of a 3D scan's height map, the footprints of an image, and the
loaded sensors of a pressure plate."""
from __future__ import annotations

import numpy as np
import shapely


def mask_polygon(mask: np.ndarray, xs: np.ndarray, ys: np.ndarray, largest: bool = True):
    """``mask`` (rows, columns); ``xs``/``ys`` the centres of its columns and rows (evenly
    spaced, increasing or decreasing). With ``largest``, the biggest piece with its holes
    filled; else all of it (Polygon or MultiPolygon). None when the mask is empty."""
    # cell edges as one array per axis, so neighbouring cells share their edge exactly (a
    # recomputed centre +- half a step can leave a hair-line gap that splits the union)
    sx = float(xs[1] - xs[0]) if len(xs) > 1 else 1.0
    sy = float(ys[1] - ys[0]) if len(ys) > 1 else 1.0
    x_edges = xs[0] + (np.arange(len(xs) + 1) - 0.5) * sx
    y_edges = ys[0] + (np.arange(len(ys) + 1) - 0.5) * sy
    boxes = []
    for j in np.flatnonzero(mask.any(axis=1)):
        row = np.concatenate([[False], mask[j], [False]])
        runs = np.flatnonzero(row[1:] != row[:-1])
        y0, y1 = sorted((y_edges[j], y_edges[j + 1]))
        boxes += [shapely.box(min(x_edges[a], x_edges[b]), y0, max(x_edges[a], x_edges[b]), y1)
                  for a, b in zip(runs[::2], runs[1::2])]
    if not boxes:
        return None
    shape = shapely.union_all(boxes)
    if not largest:
        return shape
    biggest = max(getattr(shape, "geoms", [shape]), key=lambda p: p.area)
    return shapely.Polygon(biggest.exterior)

"""Sort-based set operations on integer keys (numpy 2's hashing ``np.unique`` is ~20x slower
than a sort at mesh sizes)."""
from __future__ import annotations

import numpy as np


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    s = np.sort(keys)
    return s[np.concatenate([[True], s[1:] != s[:-1]])] if len(s) else s


def bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column min and max of an (n, k) array; column by column, which is several times
    faster than ``min(axis=0)`` when n is in the millions and k is small."""
    lo = np.array([points[:, k].min() for k in range(points.shape[1])])
    hi = np.array([points[:, k].max() for k in range(points.shape[1])])
    return lo, hi


def hull_span_at(points: np.ndarray, x: float) -> tuple[float, float]:
    """Where the line at ``x`` crosses the convex hull of 2D points: its lowest and highest y
    (a heel's lateral and medial edge at a station, exactly, between vertices)."""
    from scipy.spatial import ConvexHull

    hull = points[ConvexHull(points).vertices]
    a, b = hull, np.roll(hull, -1, axis=0)
    crosses = ((a[:, 0] - x) * (b[:, 0] - x) <= 0) & (a[:, 0] != b[:, 0])
    t = (x - a[crosses, 0]) / (b[crosses, 0] - a[crosses, 0])
    ys = a[crosses, 1] + t * (b[crosses, 1] - a[crosses, 1])
    return float(ys.min()), float(ys.max())

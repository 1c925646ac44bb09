"""Small pure helpers over closed 2D polygons given as (n, 2) float arrays (no repeated end point)."""
from __future__ import annotations

import numpy as np


def signed_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def as_ccw(points: np.ndarray) -> np.ndarray:
    return points if signed_area(points) > 0 else points[::-1].copy()


def edge_lengths(points: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.roll(points, -1, axis=0) - points, axis=1)


def resample(points: np.ndarray, max_spacing: float) -> np.ndarray:
    """Keep every vertex and add evenly spaced points on edges longer than ``max_spacing``:
    the result lies exactly on the input polygon."""
    nxt = np.roll(points, -1, axis=0)
    pieces = np.maximum(1, np.ceil(edge_lengths(points) / max_spacing).astype(int))
    start = np.repeat(points, pieces, axis=0)
    step = np.repeat((nxt - points) / pieces[:, None], pieces, axis=0)
    k = np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    return start + step * k[:, None]


def evenly_spaced(points: np.ndarray, count: int) -> np.ndarray:
    """``count`` points evenly spaced along the closed polygon's perimeter (from its first vertex)."""
    closed = np.vstack([points, points[:1]])
    along = np.concatenate([[0.0], np.cumsum(edge_lengths(points))])
    at = np.linspace(0.0, along[-1], count, endpoint=False)
    return np.column_stack([np.interp(at, along, closed[:, 0]), np.interp(at, along, closed[:, 1])])


def border_profiles(points: np.ndarray, stations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest and smallest y of the polygon on each vertical line x = station.
    NaN where a line misses the polygon. Shapes: (m,) each."""
    a, b = points, np.roll(points, -1, axis=0)
    xs = stations[:, None]
    lo, hi = np.minimum(a[:, 0], b[:, 0]), np.maximum(a[:, 0], b[:, 0])
    crosses = (xs >= lo) & (xs <= hi) & (hi > lo)
    dx = np.where(b[:, 0] != a[:, 0], b[:, 0] - a[:, 0], 1.0)
    t = (xs - a[:, 0]) / dx
    y = a[:, 1] + t * (b[:, 1] - a[:, 1])
    y_max = np.where(crosses, y, -np.inf).max(axis=1)
    y_min = np.where(crosses, y, np.inf).min(axis=1)
    y_max[~np.isfinite(y_max)] = np.nan
    y_min[~np.isfinite(y_min)] = np.nan
    return y_max, y_min


def dedupe(points: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Drop consecutive repeated points and a repeated closing point."""
    keep = np.linalg.norm(np.diff(points, axis=0, append=points[:1]), axis=1) > tol
    return points[keep]


# Small filters in numpy: scipy.ndimage would add 0.2 s to every start of the command line.

def smooth_1d(values: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing (truncated at 4 sigma), the ends extended by their edge values."""
    radius = int(4 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    padded = np.pad(values, radius, mode="edge")
    return np.convolve(padded, kernel / kernel.sum(), mode="valid")


def max_filter_3x3(grid: np.ndarray) -> np.ndarray:
    """The largest value in each cell's 3 x 3 neighbourhood, the edges extended."""
    padded = np.pad(grid, 1, mode="edge")
    rows = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])

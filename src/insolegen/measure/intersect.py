"""Counting self-intersections: pairs of faces that share no vertex and cross each other.

Candidate pairs come from a uniform grid over the faces' bounding boxes; each pair is then
tested by the separating-axis theorem (the two normals and the nine edge-edge cross products).
Touching or coplanar faces do not count as crossing.
"""
from __future__ import annotations

import numpy as np

from insolegen.geometry.arrays import sorted_unique

MAX_CANDIDATE_PAIRS = 12_000_000   # ~200 MB of pairs; beyond that the check is skipped (reported as not checked)
TOUCH_MM = 1e-6


def _pairs_in_cells(cell_of: np.ndarray, face_of: np.ndarray) -> np.ndarray:
    """All pairs of faces that share a cell: (k, 2), a < b, possibly repeated."""
    order = np.argsort(cell_of, kind="stable")
    cells, faces = cell_of[order], face_of[order]
    starts = np.flatnonzero(np.concatenate([[True], cells[1:] != cells[:-1]]))
    ends = np.append(starts[1:], len(cells))
    group_end = np.repeat(ends, ends - starts)
    after = group_end - np.arange(len(cells)) - 1          # later members of the same cell
    total = int(after.sum())
    if total > MAX_CANDIDATE_PAIRS:
        raise MemoryError
    first = np.repeat(np.arange(len(cells)), after)
    step = np.arange(total) - np.repeat(np.cumsum(after) - after, after) + 1
    a, b = faces[first], faces[first + step]
    return np.column_stack([np.minimum(a, b), np.maximum(a, b)])


def _separated(ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
    ea = np.roll(ta, -1, axis=1) - ta
    eb = np.roll(tb, -1, axis=1) - tb
    axes = [np.cross(ea[:, 0], ea[:, 1]), np.cross(eb[:, 0], eb[:, 1])]
    axes += [np.cross(ea[:, i], eb[:, j]) for i in range(3) for j in range(3)]
    separated = np.zeros(len(ta), bool)
    for axis in axes:
        norm = np.linalg.norm(axis, axis=1)
        ok = norm > 1e-12
        unit = np.where(ok[:, None], axis / np.where(ok, norm, 1.0)[:, None], 0.0)
        pa = np.einsum("nkj,nj->nk", ta, unit)
        pb = np.einsum("nkj,nj->nk", tb, unit)
        gap = np.maximum(_least(pb) - _most(pa), _least(pa) - _most(pb))
        separated |= ok & (gap > -TOUCH_MM)
    return separated


# the least and the most of three along axis 1, elementwise: numpy's reductions over an axis
# this short cost several times more (a third of the check's time)
def _least(a: np.ndarray) -> np.ndarray:
    return np.minimum(np.minimum(a[:, 0], a[:, 1]), a[:, 2])


def _most(a: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(a[:, 0], a[:, 1]), a[:, 2])


def count_self_intersections(vertices: np.ndarray, faces: np.ndarray) -> int | None:
    """Crossing pairs of faces; None when the mesh is too large to check in reasonable memory."""
    if len(faces) < 2:
        return 0
    tri = vertices[faces]
    lo, hi = _least(tri), _most(tri)
    size = float(np.median(_most(hi - lo)))
    cell = max(size, 1e-3)
    i0, i1 = np.floor(lo / cell).astype(np.int64), np.floor(hi / cell).astype(np.int64)
    span = i1 - i0 + 1
    count = span[:, 0] * span[:, 1] * span[:, 2]
    if count.sum() > 20 * MAX_CANDIDATE_PAIRS:
        return None
    face_of = np.repeat(np.arange(len(faces)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    sx, sy = span[face_of, 0], span[face_of, 1]
    ix = i0[face_of, 0] + k % sx
    iy = i0[face_of, 1] + (k // sx) % sy
    iz = i0[face_of, 2] + k // (sx * sy)
    cell_of = (ix * 73856093) ^ (iy * 19349663) ^ (iz * 83492791)   # hash; collisions only add candidates
    try:
        pairs = _pairs_in_cells(cell_of, face_of)
    except MemoryError:
        return None
    if not len(pairs):
        return 0
    n = len(faces)
    keys = sorted_unique(pairs[:, 0] * n + pairs[:, 1])
    a, b = keys // n, keys % n
    fa, fb = faces[a], faces[b]
    shares_vertex = np.zeros(len(a), bool)
    for i in range(3):
        for j in range(3):
            shares_vertex |= fa[:, i] == fb[:, j]
    overlap = ~shares_vertex
    for k in range(3):
        overlap &= (lo[a, k] <= hi[b, k] + TOUCH_MM) & (lo[b, k] <= hi[a, k] + TOUCH_MM)
    a, b = a[overlap], b[overlap]
    crossing = 0
    for s in range(0, len(a), 200_000):
        crossing += int((~_separated(tri[a[s:s + 200_000]], tri[b[s:s + 200_000]])).sum())
    return crossing

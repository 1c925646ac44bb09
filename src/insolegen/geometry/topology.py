"""Mesh topology: vertices merged where they coincide, faces' areas, a closed mesh's volume,
edges and connected components, on plain arrays."""
from __future__ import annotations

import numpy as np

from insolegen.geometry.arrays import bounds, connected_labels, face_normals, row_norms

MERGE_MM = 1e-3                  # vertices this close are one
MERGE_CHUNK = 1 << 20            # vertices keyed at a time (a scan's temporaries stay small)


def merge_vertices(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One vertex per position (to MERGE_MM): an STL stores every corner of every triangle."""
    lo, hi = bounds(vertices)
    span = np.round((hi - lo) / MERGE_MM).astype(np.int64) + 1
    if np.prod(span.astype(float)) < 2.0 ** 62:      # one integer key per cell: a plain sort
        keys = np.empty(len(vertices), np.int64)
        for start in range(0, len(vertices), MERGE_CHUNK):   # in slices: a scan's temporaries stay small
            cells = np.round((vertices[start:start + MERGE_CHUNK] - lo) / MERGE_MM).astype(np.int64)
            keys[start:start + MERGE_CHUNK] = (cells[:, 0] * span[1] + cells[:, 1]) * span[2] + cells[:, 2]
        order = np.argsort(keys)       # any vertex of a cell will do as its representative
        keys = keys[order]
        first = np.empty(len(keys), bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        del keys
        rank = np.cumsum(first, dtype=np.int64)
        rank -= 1
        inverse = np.empty(len(order), np.int64)
        inverse[order] = rank
        del rank
        kept = order[first]
        del order, first
        return vertices[kept], inverse[faces]
    cells = np.round((vertices - lo) / MERGE_MM).astype(np.int64)
    unique, inverse = np.unique(cells, axis=0, return_index=False, return_inverse=True)
    merged = np.zeros((len(unique), 3))
    merged[inverse.reshape(-1)] = vertices
    return merged, inverse.reshape(-1)[faces]


def face_areas(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    return 0.5 * row_norms(face_normals(vertices, faces))


def signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    return float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6.0)


def edges_of(faces: np.ndarray, n: int):
    half = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    lo, hi = np.minimum(half[:, 0], half[:, 1]), np.maximum(half[:, 0], half[:, 1])
    return half, lo * n + hi


def components(faces: np.ndarray, n: int) -> np.ndarray:
    """A body label per face (faces sharing a vertex are one body)."""
    # two edges of each face join all three of its corners: the third adds nothing
    index = np.int32 if n < 2 ** 31 else np.int64
    a = np.concatenate([faces[:, 0], faces[:, 1]]).astype(index)
    b = np.concatenate([faces[:, 1], faces[:, 2]]).astype(index)
    return connected_labels(a, b, n)[faces[:, 0]]

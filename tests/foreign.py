"""Insoles made the way another tool might make them, for testing `measure` on meshes that
insolegen did not design: rings shrinking from the outline to its centre joined by quad strips
(nothing like insolegen's Delaunay mesher), a flat bottom and a top z = f(x, y)."""
from __future__ import annotations

import numpy as np
import shapely
import trimesh


def ring_insole(outline: np.ndarray, top, rings: int = 40) -> trimesh.Trimesh:
    """``outline`` (n, 2) CCW and star-shaped about its centroid; ``top(xy) -> z``."""
    poly = shapely.Polygon(outline)
    centre = np.array(poly.centroid.coords[0])
    n = len(outline)
    t = (np.arange(rings) / rings)[:, None, None]
    grid = (centre + (outline[None] - centre) * (1 - t)).reshape(-1, 2)
    xy = np.vstack([grid, centre])
    m = len(xy)
    k = np.arange(n)
    faces = []
    for r in range(rings - 1):
        a, b = r * n + k, r * n + (k + 1) % n
        c, d = (r + 1) * n + (k + 1) % n, (r + 1) * n + k
        faces += [np.column_stack([a, b, c]), np.column_stack([a, c, d])]
    last = (rings - 1) * n
    faces.append(np.column_stack([last + k, last + (k + 1) % n, np.full(n, m - 1)]))
    top_faces = np.vstack(faces)
    vertices = np.vstack([np.column_stack([xy, top(xy)]), np.column_stack([xy, np.zeros(m)])])
    wall = np.vstack([np.column_stack([k, k + m, (k + 1) % n + m]), np.column_stack([k, (k + 1) % n + m, (k + 1) % n])])
    all_faces = np.vstack([top_faces, top_faces[:, ::-1] + m, wall])
    return trimesh.Trimesh(vertices, all_faces, process=False)


def random_pose(mesh: trimesh.Trimesh, seed: int) -> trimesh.Trimesh:
    moved = mesh.copy()
    rotation = trimesh.transformations.random_rotation_matrix(np.random.default_rng(seed).random(3))
    rotation[:3, 3] = np.random.default_rng(seed + 1).uniform(-500, 500, 3)
    moved.apply_transform(rotation)
    return moved

"""Independent measurements of an insole mesh for the tests: vertical ray casting and plane
fits on the mesh alone (trimesh + numpy). Nothing here imports the design code."""
from __future__ import annotations

import io

import numpy as np
import trimesh


def load_stl(data: bytes, merged: bool = False) -> trimesh.Trimesh:
    """An STL's bytes as a mesh: every triangle's own corners, or (``merged``) the corners shared
    between triangles merged, as a slicer sees the mesh."""
    return trimesh.load(io.BytesIO(data), file_type="stl", process=merged)


def top_heights(mesh: trimesh.Trimesh, xy: np.ndarray) -> np.ndarray:
    """Height of the highest surface above each (x, y), by casting rays straight down. NaN on a miss."""
    return _vertical_hits(mesh, xy, downward=True)


def bottom_heights(mesh: trimesh.Trimesh, xy: np.ndarray) -> np.ndarray:
    """Height of the lowest surface at each (x, y) (a scan's sole), by casting rays straight up. NaN on a miss."""
    return _vertical_hits(mesh, xy, downward=False)


def _vertical_hits(mesh: trimesh.Trimesh, xy: np.ndarray, downward: bool) -> np.ndarray:
    xy = np.atleast_2d(xy)
    start = mesh.bounds[1, 2] + 10.0 if downward else mesh.bounds[0, 2] - 10.0
    origins = np.column_stack([xy, np.full(len(xy), start)])
    directions = np.tile([0.0, 0.0, -1.0 if downward else 1.0], (len(xy), 1))
    locations, index_ray, _ = mesh.ray.intersects_location(origins, directions, multiple_hits=True)
    z = np.full(len(xy), np.nan)
    (np.fmax if downward else np.fmin).at(z, index_ray, locations[:, 2])
    return z


def grid(x_range, y_range, step=1.0) -> np.ndarray:
    gx, gy = np.meshgrid(np.arange(*x_range, step), np.arange(*y_range, step))
    return np.column_stack([gx.ravel(), gy.ravel()])


def fit_plane(xy: np.ndarray, z: np.ndarray, trim_mm: float | None = 0.3, rounds: int = 5):
    """Least-squares plane z = a + b x + c y; with ``trim_mm``, points further than that from the
    plane are dropped and the fit repeated (robust to a pad or a pocket in the region).
    Returns (a, b, c) and the mask of points kept."""
    keep = np.isfinite(z)
    for _ in range(rounds):
        A = np.column_stack([np.ones(keep.sum()), xy[keep]])
        coef, *_ = np.linalg.lstsq(A, z[keep], rcond=None)
        if trim_mm is None:
            break
        resid = z - (coef[0] + xy @ coef[1:])
        new_keep = np.isfinite(z) & (np.abs(resid) < max(trim_mm, 2.5 * np.nanstd(resid[keep])))
        if new_keep.sum() < 10 or (new_keep == keep).all():
            break
        keep = new_keep
    return coef, keep


def tilt_deg_about_x(coef, medial_sign: float = 1.0) -> float:
    """Tilt of a fitted plane about the long (x) axis, + = medial side up."""
    return float(np.degrees(np.arctan(medial_sign * coef[2])))


def rim_segments(mesh: trimesh.Trimesh) -> np.ndarray:
    """The foot of the side wall: edges of near-vertical faces lying on the ground, (n, 2, 2)."""
    wall = mesh.faces[np.abs(mesh.face_normals[:, 2]) < 0.5]
    edges = np.concatenate([wall[:, [0, 1]], wall[:, [1, 2]], wall[:, [2, 0]]])
    on_ground = (np.abs(mesh.vertices[edges][:, :, 2]) < 1e-6).all(axis=1)
    return mesh.vertices[edges[on_ground]][:, :, :2]

"""Height maps of a mesh seen from above: on a regular grid, the highest and the lowest surface
over each point (what a ray straight down would hit first and last). Vectorised over triangles."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.geometry.arrays import bounds

GRID_MM = 1.0
RASTER_CHUNK = 200_000       # faces rasterised at a time


@dataclass(frozen=True)
class HeightMap:
    xs: np.ndarray          # (nx,) column positions
    ys: np.ndarray          # (ny,) row positions
    top: np.ndarray         # (ny, nx) NaN where the mesh is not
    bottom: np.ndarray      # (ny, nx)

    @property
    def inside(self) -> np.ndarray:
        return np.isfinite(self.top)

    def points(self, mask: np.ndarray) -> np.ndarray:
        j, i = np.nonzero(mask)
        return np.column_stack([self.xs[i], self.ys[j]])


def height_maps(vertices: np.ndarray, faces: np.ndarray, step: float = GRID_MM,
                extent: tuple[np.ndarray, np.ndarray] | None = None) -> HeightMap:
    """``extent``: the grid's (x, y) corners, to put two meshes on one grid or pad it
    (default: the vertices' bounds)."""
    lo, hi = bounds(vertices[:, :2]) if extent is None else (np.asarray(extent[0], float), np.asarray(extent[1], float))
    xs = np.arange(lo[0], hi[0] + step, step)
    ys = np.arange(lo[1], hi[1] + step, step)
    top = np.full(len(xs) * len(ys), -np.inf)
    bottom = np.full(len(xs) * len(ys), np.inf)
    for start in range(0, len(faces), RASTER_CHUNK):     # a scan's faces a slice at a time: bounded memory
        cell, z = _hits(vertices[faces[start:start + RASTER_CHUNK]], lo, step, len(xs))
        np.maximum.at(top, cell, z)
        np.minimum.at(bottom, cell, z)
    top[~np.isfinite(top)] = np.nan
    bottom[~np.isfinite(bottom)] = np.nan
    shape = (len(ys), len(xs))
    return HeightMap(xs, ys, top.reshape(shape), bottom.reshape(shape))


def _hits(tri: np.ndarray, lo: np.ndarray, step: float, nx: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid points (flat cell index, nx columns) that the triangles (m, 3, 3) cover, and the
    height of each triangle there. Triangles are taken in groups whose boxes span the same
    number of grid columns and rows, each group as one (triangles x points of its box) array."""
    (x0, y0, z0), (x1, y1, z1), (x2, y2, z2) = (tri[:, k].T for k in range(3))
    det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
    tmin = np.minimum(np.minimum(tri[:, 0, :2], tri[:, 1, :2]), tri[:, 2, :2])
    tmax = np.maximum(np.maximum(tri[:, 0, :2], tri[:, 1, :2]), tri[:, 2, :2])
    i0 = np.ceil((tmin[:, 0] - lo[0]) / step - 1e-9).astype(np.int64)
    i1 = np.floor((tmax[:, 0] - lo[0]) / step + 1e-9).astype(np.int64)
    j0 = np.ceil((tmin[:, 1] - lo[1]) / step - 1e-9).astype(np.int64)
    j1 = np.floor((tmax[:, 1] - lo[1]) / step + 1e-9).astype(np.int64)
    cols, rows = np.maximum(i1 - i0 + 1, 0), np.maximum(j1 - j0 + 1, 0)
    covers = (np.abs(det) > 1e-12) & (cols > 0) & (rows > 0)   # walls seen edge-on cover no area
    shape_key = np.where(covers, cols * (int(rows.max(initial=0)) + 1) + rows, -1)
    order = np.argsort(shape_key, kind="stable")
    keys = shape_key[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else np.array([], int)
    cells, heights = [], []
    for a, b in zip(starts, np.append(starts[1:], len(keys))):
        if keys[a] < 0:
            continue
        t = order[a:b]
        w, h = int(cols[t[0]]), int(rows[t[0]])
        k = np.arange(w * h)
        ii, jj = i0[t, None] + k % w, j0[t, None] + k // w
        px, py = lo[0] + ii * step, lo[1] + jj * step
        d = det[t, None]
        xa, xb, xc, ya, yb, yc = x0[t, None], x1[t, None], x2[t, None], y0[t, None], y1[t, None], y2[t, None]
        l0 = ((yb - yc) * (px - xc) + (xc - xb) * (py - yc)) / d
        l1 = ((yc - ya) * (px - xc) + (xa - xc) * (py - yc)) / d
        l2 = 1.0 - l0 - l1
        hit = (l0 >= -1e-9) & (l1 >= -1e-9) & (l2 >= -1e-9)
        cells.append((jj * nx + ii)[hit])
        heights.append((l0 * z0[t, None] + l1 * z1[t, None] + l2 * z2[t, None])[hit])
    if not cells:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(cells), np.concatenate(heights)


def borders(hm: HeightMap):
    """Per column of the height map: whether the footprint is there, and its lowest and highest y
    (0 where it is not)."""
    inside = hm.inside
    has = inside.any(axis=0)
    ys = hm.ys[:, None]
    y_lo = np.where(inside, ys, np.inf).min(axis=0)
    y_hi = np.where(inside, ys, -np.inf).max(axis=0)
    return has, np.where(has, y_lo, 0.0), np.where(has, y_hi, 0.0)


def columns(hm: HeightMap):
    """Per column of the height map: the footprint's centre line y and its width."""
    has, y_lo, y_hi = borders(hm)
    return np.where(has, 0.5 * (y_lo + y_hi), np.nan), y_hi - y_lo


def erode(mask: np.ndarray, cells: int) -> np.ndarray:
    """Cells of ``mask`` at least ``cells`` cells (in x and y) from any cell outside it."""
    out = mask.copy()
    for _ in range(cells):
        padded = np.pad(out, 1, constant_values=False)
        out = out & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return out


def fit_linear(design: np.ndarray, z: np.ndarray, trim_mm: float = 0.3, rounds: int = 6):
    """Robust least squares z = design @ coef: points further than ``trim_mm`` (or 2.5 standard
    deviations) from the fit are dropped and the fit repeated, so that a pad or a pocket in the
    region does not tilt it. Returns coef (None with fewer than 10 points) and the points kept."""
    finite = np.isfinite(z)
    keep, enough = finite, max(10, 2 * design.shape[1])
    if keep.sum() < enough:
        return None, keep
    z_or_0 = np.where(finite, z, 0.0)
    coef = None
    for _ in range(rounds):
        # the normal equations, with the points dropped weighted 0: a few columns, thousands of
        # points, so 5x faster than an SVD of the points; lstsq of the small system still
        # gives the least-norm answer if the columns are dependent
        weighted = design.T * keep
        coef = np.linalg.lstsq(weighted @ design, weighted @ z_or_0, rcond=None)[0]
        resid = z - design @ coef
        new = finite & (np.abs(resid) < max(trim_mm, 2.5 * float(resid[keep].std())))
        if new.sum() < enough or (new == keep).all():
            break
        keep = new
    return coef, keep


def fit_plane(xy: np.ndarray, z: np.ndarray, trim_mm: float = 0.3, rounds: int = 6):
    """Robust plane z = a + b x + c y (``fit_linear``). Returns (a, b, c) and the share of
    points kept."""
    coef, keep = fit_linear(np.column_stack([np.ones(len(z)), xy]), z, trim_mm, rounds)
    return coef, (float(keep.sum()) / max(int(np.isfinite(z).sum()), 1) if coef is not None else 0.0)

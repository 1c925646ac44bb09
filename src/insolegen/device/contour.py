"""The scanned plantar surface as a smooth height field for a total-contact device
(``--contour scan``), and how far a device's top deviates from the scanned sole.

The field is the sole's height above the ground on a 1 mm grid in the canonical frame:
smoothed (scanner noise is a few tenths of a mm; a Gaussian of SMOOTH_SIGMA_MM removes it and
keeps the arch, which spans centimetres), and held level within RIM_HOLD_MM of the sole's
border, where the foot's side turns up steeply: following it would stand a wall round the whole
device. Walls are what the heel cup and the flanges prescribe.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.geometry.arrays import bounds
from insolegen.geometry.raster import HeightMap, height_maps

GRID_MM = 1.0
SMOOTH_SIGMA_MM = 2.0
RIM_HOLD_MM = 6.0
RIM_REPORT_MM = 8.0           # the deviation is reported apart within this of the device's edge
SOLE_MAX_HEIGHT_MM = 35.0     # as scan3d: the plantar surface lies below this
PAD_MM = 20.0                 # the field reaches this far beyond the scan (an outline offset)


@dataclass(frozen=True)
class SoleSurface:
    """z(x, y) of the scanned sole (smoothed, rim held) and the raw sole it came from."""
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray              # (ny, nx) smoothed and filled everywhere
    raw: np.ndarray            # (ny, nx) the scan's lowest surface; NaN off the sole

    def height(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _bilinear(self.xs, self.ys, self.z, x, y)

    def raw_height(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The unsmoothed sole at the nearest grid point (NaN where the scan has no sole)."""
        i = np.clip(np.rint((x - self.xs[0]) / GRID_MM).astype(int), 0, len(self.xs) - 1)
        j = np.clip(np.rint((y - self.ys[0]) / GRID_MM).astype(int), 0, len(self.ys) - 1)
        return self.raw[j, i]


def _bilinear(xs, ys, grid, x, y):
    fx = np.clip((np.asarray(x) - xs[0]) / GRID_MM, 0.0, len(xs) - 1.000001)
    fy = np.clip((np.asarray(y) - ys[0]) / GRID_MM, 0.0, len(ys) - 1.000001)
    i, j = fx.astype(int), fy.astype(int)
    tx, ty = fx - i, fy - j
    return ((grid[j, i] * (1 - tx) + grid[j, i + 1] * tx) * (1 - ty)
            + (grid[j + 1, i] * (1 - tx) + grid[j + 1, i + 1] * tx) * ty)


def _fill_from_nearest(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    from scipy.ndimage import distance_transform_edt

    _, (jj, ii) = distance_transform_edt(~known, return_indices=True)
    return values[jj, ii]


def sole_surface(vertices: np.ndarray, faces: np.ndarray) -> SoleSurface:
    """From a levelled scan in the canonical frame (``scan3d.Scan.vertices``/``faces``)."""
    from scipy.ndimage import distance_transform_edt, gaussian_filter

    tri = vertices[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    facing = np.abs(normals[:, 2]) > 0.5 * np.linalg.norm(normals, axis=1)
    lo, hi = bounds(vertices[:, :2])
    hm = height_maps(vertices, faces[facing], GRID_MM, extent=(lo - PAD_MM, hi + PAD_MM))
    sole = np.isfinite(hm.bottom) & (hm.bottom <= SOLE_MAX_HEIGHT_MM)
    if sole.sum() < 100:
        raise ValueError("no scanned sole to follow")
    raw = np.where(sole, hm.bottom, np.nan)
    sigma = SMOOTH_SIGMA_MM / GRID_MM
    smooth = gaussian_filter(_fill_from_nearest(raw, sole), sigma)
    inset = distance_transform_edt(sole) * GRID_MM
    core = inset >= RIM_HOLD_MM
    held = _fill_from_nearest(smooth, core if core.any() else sole)
    return SoleSurface(hm.xs, hm.ys, gaussian_filter(held, sigma), raw)


# ---- deviation of a device's top from the sole ----------------------------------------------

REGIONS = {   # name: (x from, x to) as fractions of the foot length; midfoot split medial/lateral
    "heel": (0.0, 0.25), "midfoot_medial": (0.25, 0.6), "midfoot_lateral": (0.25, 0.6),
    "forefoot": (0.6, 0.8), "toes": (0.8, 1.01),
}


def deviation_by_region(top: HeightMap, sole: SoleSurface, seat: np.ndarray, foot_length: float,
                        centre_y) -> dict:
    """Device top minus the scanned sole seated on the device's base (``seat``: the base
    thickness at each grid column of ``top``), over the cells where both exist: + where the
    device stands above the sole (fill, posting, pads, cup), - where it leaves a gap."""
    from scipy.ndimage import distance_transform_edt

    gx, gy = np.meshgrid(top.xs, top.ys)
    sole_z = sole.raw_height(gx, gy) + seat[None, :]
    diff = top.top - sole_z
    both = np.isfinite(diff)
    # the rim, where the foot's side turns up and the device is held level (RIM_HOLD_MM), says
    # little of the fit under the foot: it is summed apart from the interior
    rim = distance_transform_edt(np.pad(top.inside, 1))[1:-1, 1:-1] * GRID_MM <= RIM_REPORT_MM
    out = {}
    for name, (a, b) in REGIONS.items():
        cells = both & (gx >= a * foot_length) & (gx < b * foot_length)
        if name.startswith("midfoot"):
            medial = gy > centre_y(gx)
            cells &= medial if name.endswith("medial") else ~medial
        whole = _summary(diff[cells])
        out[name] = None if whole is None else {**whole, "interior": _summary(diff[cells & ~rim]), "rim": _summary(diff[cells & rim])}
    return out


def _summary(d: np.ndarray) -> dict | None:
    return None if d.size < 20 else {
        "mean_mm": round(float(d.mean()), 2), "rms_mm": round(float(np.sqrt(np.mean(d * d))), 2),
        "min_mm": round(float(d.min()), 2), "max_mm": round(float(d.max()), 2), "cells_1mm2": int(d.size)}

"""What a feature adds to the device, measured on its mesh: the device's top, ray cast straight
down on a 1 mm grid, against the top of the same device made without that feature there. For the
features that ride on a surface other features also shape (a met bar across the forefoot post's
fade, a lateral arch and a flange on the same border), this reads the feature itself, where it
was prescribed, and nothing else; `measure` reads the rest from the mesh alone.

A feature's declaration (``device.features``) says which reading it takes; ``Probe`` holds the
device's top, cast once, and the design's own surfaces to read a bare device against."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from insolegen.geometry.arrays import across_profile
from insolegen.geometry.raster import height_maps

BAR_BAND = 0.4            # of the width either side of the centre line: where a bar is read
BAR_QUANTILE = 10         # a bar runs across the foot: its rise is the 10th percentile across that band
BORDER_STRIP_MM = 10.0    # a lateral arch or a flange is read this close to its border
MIDFOOT = (0.2, 0.75)     # of L: where a lateral arch or a flange is read


@dataclass
class Probe:
    """The right device's top on a 1 mm grid (from its mesh), and ``bare_top(amount, xy)``: the
    top of the same device with one prescription field (``section.field``) at 0, from the design
    surfaces themselves (the reference a rise is read against needs no mesh of its own)."""
    vertices: np.ndarray
    faces: np.ndarray
    plan: object                   # device.plan.Plan
    context: object                # device.context.Context
    bare_top: Callable[[str, np.ndarray], np.ndarray]
    _grid: tuple | None = field(default=None, repr=False)

    def grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._grid is None:
            device = height_maps(self.vertices, self.faces, 1.0)
            gx, gy = np.meshgrid(device.xs, device.ys)
            self._grid = gx, gy, device.top
        return self._grid

    def rise(self, amount: str):
        """Grid x, y and the top's rise over the device without ``amount`` (NaN off the mesh)."""
        gx, gy, top = self.grid()
        rise = np.full(gx.shape, np.nan)
        on = np.isfinite(top)
        rise[on] = top[on] - self.bare_top(amount, np.column_stack([gx[on], gy[on]]))
        return gx, gy, rise


def across_the_foot(probe: Probe, amount: str, behind_ball_mm: float) -> tuple[float, float]:
    """A bar's height (its crest's rise across the foot, the 10th percentile over the middle of
    the width at each distance from the ball line) and how far its crest stands from
    ``behind_ball_mm`` behind the ball line (along the line's normal)."""
    ctx, plan = probe.context, probe.plan
    gx, gy, rise = probe.rise(amount)
    d = (gx - ctx.ball_point[0]) * ctx.ball_normal[0] + (gy - ctx.ball_point[1]) * ctx.ball_normal[1]
    mid = 0.5 * (plan.medial_border(gx) + plan.lateral_border(gx))
    half = 0.5 * (plan.medial_border(gx) - plan.lateral_border(gx))
    band = np.isfinite(rise) & (np.abs(gy - mid) < BAR_BAND * 2 * half)
    centres, profile = across_profile(rise[band], d[band], BAR_QUANTILE, 10)
    k = int(np.nanargmax(profile))
    return float(profile[k]), float(abs(centres[k] + behind_ball_mm))


def along_a_border(probe: Probe, amount: str, lateral: bool) -> float:
    """The highest rise of a feature along one border of the midfoot (a lateral arch, a flange)."""
    ctx, plan = probe.context, probe.plan
    gx, gy, rise = probe.rise(amount)
    inward = (gy - plan.lateral_border(gx)) if lateral else (plan.medial_border(gx) - gy)
    strip = np.isfinite(rise) & (inward < BORDER_STRIP_MM) & (gx > MIDFOOT[0] * ctx.length) & (gx < MIDFOOT[1] * ctx.length)
    return float(rise[strip].max()) if strip.any() else float("nan")


def under_the_forefoot(probe: Probe, amount: str) -> float:
    """The highest rise of a feature under the forefoot (a met pad on a scanned sole, which stands
    on the sole's own forefoot curve)."""
    ctx = probe.context
    gx, _, rise = probe.rise(amount)
    fore = np.isfinite(rise) & (gx > ctx.mth5[0] - 0.2 * ctx.length) & (gx < ctx.mth1[0])
    return float(rise[fore].max()) if fore.any() else float("nan")


def a_dome(probe: Probe, amount: str, centre: np.ndarray, half_axes: tuple[float, float]) -> tuple[float, float]:
    """A pad's height (its highest rise within half its size again around ``centre``) and how far
    its top stands from ``centre`` (the middle of the cells rising above 90 % of that height)."""
    gx, gy, rise = probe.rise(amount)
    r = np.hypot((gx - centre[0]) / half_axes[0], (gy - centre[1]) / half_axes[1])
    near = np.isfinite(rise) & (r < 1.5)
    if not near.any():
        return float("nan"), float("nan")
    height = float(rise[near].max())
    top = near & (rise >= 0.9 * height)
    return height, float(np.hypot(gx[top].mean() - centre[0], gy[top].mean() - centre[1]))

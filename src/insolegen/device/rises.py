"""What a feature adds to the device, measured on its mesh: the device's top, ray cast straight
down on a 1 mm grid, against the top of the same device made without that feature there. For the
features that ride on a surface other features also shape (a met bar across the forefoot post's
fade, a lateral arch and a flange on the same border), this reads the feature itself, where it
was prescribed, and nothing else; `measure` reads the rest from the mesh alone."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from insolegen.device.design import Design
from insolegen.geometry.arrays import across_profile

BAR_BAND = 0.4            # of the width either side of the centre line: where a bar is read
BAR_QUANTILE = 10         # a bar runs across the foot: its rise is the 10th percentile across that band
BORDER_STRIP_MM = 10.0    # a lateral arch or a flange is read this close to its border
MIDFOOT = (0.2, 0.75)     # of L: where a lateral arch or a flange is read


def _bare_top(design: Design, section: str, field: str, xy: np.ndarray) -> np.ndarray:
    """The top of the right device made without one feature, at the design's own arch, at ``xy``:
    from the design surfaces themselves (the reference a rise is read against needs no mesh of
    its own; the device's top is read from its mesh)."""
    from insolegen.device.design import surfaces_for

    rx = design.prescription
    part = getattr(rx, section)
    bare = rx.model_copy(update={section: part.model_copy(update={field: 0.0})})
    top, _ = surfaces_for(design.plan, replace(design.context, rx=bare))(xy)
    return top


def _rise(design: Design, section: str, field: str):
    """Grid x, y and the top's rise over the device without the feature (NaN off the mesh)."""
    from insolegen.geometry.raster import height_maps

    vertices, faces = design.right_frame_mesh()
    device = height_maps(vertices, faces, 1.0)
    gx, gy = np.meshgrid(device.xs, device.ys)
    rise = np.full(gx.shape, np.nan)
    on = np.isfinite(device.top)
    rise[on] = device.top[on] - _bare_top(design, section, field, np.column_stack([gx[on], gy[on]]))
    return gx, gy, rise


def met_bar(design: Design) -> dict:
    """The bar's height (its crest's rise across the foot) and how far its crest stands from where
    it was prescribed (met_bar.offset_mm behind the ball line, along the ball line's normal)."""
    ctx, plan = design.context, design.plan
    gx, gy, rise = _rise(design, "met_bar", "height_mm")
    d = (gx - ctx.ball_point[0]) * ctx.ball_normal[0] + (gy - ctx.ball_point[1]) * ctx.ball_normal[1]
    mid = 0.5 * (plan.medial_border(gx) + plan.lateral_border(gx))
    half = 0.5 * (plan.medial_border(gx) - plan.lateral_border(gx))
    band = np.isfinite(rise) & (np.abs(gy - mid) < BAR_BAND * 2 * half)
    centres, profile = across_profile(rise[band], d[band], BAR_QUANTILE, 10)
    k = int(np.nanargmax(profile))
    crest = centres[k]
    return {"met_bar_rise_mm": float(profile[k]),
            "met_bar_off_place_mm": float(abs(crest + design.prescription.met_bar.offset_mm))}


def border_feature(design: Design, section: str, field: str, lateral: bool) -> float:
    """The highest rise of a feature along one border of the midfoot (a lateral arch, a flange)."""
    ctx, plan = design.context, design.plan
    gx, gy, rise = _rise(design, section, field)
    inward = (gy - plan.lateral_border(gx)) if lateral else (plan.medial_border(gx) - gy)
    strip = np.isfinite(rise) & (inward < BORDER_STRIP_MM) & (gx > MIDFOOT[0] * ctx.length) & (gx < MIDFOOT[1] * ctx.length)
    return float(rise[strip].max()) if strip.any() else float("nan")


def forefoot_rise(design: Design, section: str, field: str) -> float:
    """The highest rise of a feature under the forefoot (a met pad on a scanned sole, which stands
    on the sole's own forefoot curve)."""
    ctx = design.context
    gx, _, rise = _rise(design, section, field)
    fore = np.isfinite(rise) & (gx > ctx.mth5[0] - 0.2 * ctx.length) & (gx < ctx.mth1[0])
    return float(rise[fore].max()) if fore.any() else float("nan")

"""A small picture of a pair from above, for the batch review page: each device's top surface
coloured by height (viridis) and shaded, toes up, the left device on the left as a patient's
feet stand. Drawn from height maps, so it needs no renderer."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from insolegen.outputs.scene import Shown

VIRIDIS = np.array([[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
                    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]], float)
GAP_PX = 12


def viridis(t: np.ndarray) -> np.ndarray:
    """Colours (..., 3) in 0-255 for values in [0, 1]."""
    f = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0) * (len(VIRIDIS) - 1)
    i = np.minimum(np.floor(f).astype(int), len(VIRIDIS) - 2)
    w = (f - i)[..., None]
    return VIRIDIS[i] * (1 - w) + VIRIDIS[i + 1] * w


def thumbnail_png(devices: list[Shown], height_px: int = 140) -> bytes:
    """``devices`` in their own frames (heel at x = 0, toes +x), drawn from their height maps."""
    maps = [d.heights for d in sorted(devices, key=lambda d: d.side != "left")]
    z_max = max(float(np.nanmax(hm.top)) for hm in maps)
    rows = max(len(hm.xs) for hm in maps)
    tiles = []
    for hm in maps:
        top = hm.top.T[::-1, ::-1]                   # rows: toes first; columns: +y (medial of a right foot) first
        gy, gx = np.gradient(np.nan_to_num(top, nan=0.0))
        shade = np.clip(0.85 - 0.08 * gx + 0.08 * gy, 0.55, 1.0)[..., None]
        rgb = np.where(np.isfinite(top)[..., None], viridis(top / z_max) * shade, 255.0)
        pad = np.full((rows - rgb.shape[0], rgb.shape[1], 3), 255.0)
        tiles += [np.vstack([pad, rgb]), np.full((rows, GAP_PX, 3), 255.0)]
    image = Image.fromarray(np.hstack(tiles[:-1]).astype(np.uint8))
    width = max(1, round(image.width * height_px / image.height))
    buffer = io.BytesIO()
    image.resize((width, height_px), Image.LANCZOS).save(buffer, format="PNG")
    return buffer.getvalue()

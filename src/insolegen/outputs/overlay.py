"""`insolegen scan IMAGE --overlay OUT.png`: the footprint image with what was read drawn on it —
each foot's outline, its landmarks (labelled, coloured by how they were found) and every marker
pin (a ring: green when it was given a role, red when it was not)."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

MAX_SIDE_PX = 2400                      # the picture is reduced to at most this on its long side
HOW_COLOURS = {"clinician pin": (0, 170, 0), "given": (0, 120, 255), "relief": (0, 200, 200),
               "outline": (255, 200, 0), "proportion": (255, 90, 255)}


def overlay_png(path: str | Path, image, feet) -> bytes:
    """PNG bytes: the image at ``path`` (read as ``image``, a FootprintImage) with ``feet`` drawn on it."""
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(path) as src:
        picture = src.convert("RGB")
    scale = min(1.0, MAX_SIDE_PX / max(picture.size))
    if scale < 1.0:
        picture = picture.resize((round(picture.size[0] * scale), round(picture.size[1] * scale)), Image.LANCZOS)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=max(12, round(picture.size[0] / 110)))
    ring = max(4, round(3.0 * image.px_per_mm * scale))

    def px(foot, xy_canonical: np.ndarray) -> np.ndarray:
        """Canonical mm -> pixels of the drawn picture."""
        plane = foot.to_input(np.atleast_2d(xy_canonical))
        return np.column_stack([plane[:, 0], -plane[:, 1]]) * image.px_per_mm * scale

    for pin in image.pins:
        centre = np.array([pin.x_px, pin.y_px]) * scale
        used = any(_is_assigned(foot, centre / scale) for foot in feet)
        draw.ellipse([*(centre - ring), *(centre + ring)], outline=(0, 200, 0) if used else (230, 0, 0), width=3)
    for foot in feet:
        outline = px(foot, foot.outline)
        draw.line([tuple(p) for p in np.vstack([outline, outline[:1]])], fill=(0, 90, 255), width=3)
        for name, lm in foot.landmarks.items():
            x, y = px(foot, lm.xy)[0]
            colour = HOW_COLOURS.get(lm.how, (255, 255, 255))
            draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=colour, outline=(0, 0, 0))
            draw.text((x + 9, y - 8), name, fill=colour, font=font, stroke_width=2, stroke_fill=(0, 0, 0))
        x, y = px(foot, np.array([0.0, 0.0]))[0]
        draw.text((x, y - 40), f"{foot.side} foot", fill=(255, 255, 255), font=font, stroke_width=2, stroke_fill=(0, 0, 0))
    draw.text((10, 10), "landmarks by how they were found; pins: green ring = given a role, red = not used",
              fill=(255, 255, 255), font=font, stroke_width=2, stroke_fill=(0, 0, 0))
    y = 10 + font.size + 4
    for how, colour in HOW_COLOURS.items():
        draw.rectangle([10, y, 10 + font.size, y + font.size], fill=colour)
        draw.text((16 + font.size, y), how, fill=colour, font=font, stroke_width=2, stroke_fill=(0, 0, 0))
        y += font.size + 4
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _is_assigned(foot, pin_px: np.ndarray) -> bool:
    """Whether a pin (full-resolution pixels) is one the foot's report gave a role."""
    if not foot.pins or foot.source_frame is None:
        return False
    roles = np.array(list(foot.pins["roles"].values())).reshape(-1, 2)
    if not len(roles):
        return False
    as_px = foot.source_frame.apply(foot.to_input(roles))
    return bool((np.linalg.norm(as_px - pin_px, axis=1) < 2.0).any())

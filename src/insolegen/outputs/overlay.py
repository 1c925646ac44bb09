"""`insolegen scan FILE --overlay OUT.png`: what was read, drawn where it was read. On a footprint
image: the image itself, each foot's outline, its landmarks and every marker pin (a ring: green
when it was given a role, red when it was not). On a 3D scan, an outline or a pressure plate: a
plantar view in the plane the outline was read in (a plate's sensors shaded by peak pressure).
Each landmark is drawn with its 1-SD uncertainty ellipse (along and across the foot) and labelled
with how it was found (the cue that weighs most) and its SD."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

MAX_SIDE_PX = 2400                      # the picture is reduced to at most this on its long side
HOW_COLOURS = {"clinician pin": (0, 170, 0), "clinician": (0, 120, 0), "given": (0, 120, 255), "relief": (0, 200, 200),
               "outline": (255, 200, 0), "proportion": (255, 90, 255), "other foot": (160, 110, 255)}
DRAWN = ("heel_center", "ball_medial", "ball_lateral", "mth1_head", "mth2_head", "mth3_head", "mth4_head", "mth5_head",
         "met_pad_center", "navicular")
PLANTAR_PX_PER_MM = 3.0


def _ellipse(lm, steps: int = 48) -> np.ndarray:
    """The landmark's 1-SD ellipse (along and across the foot), canonical mm."""
    t = np.linspace(0.0, 2.0 * np.pi, steps, endpoint=False)
    along, across = lm.sd_along_across
    return np.column_stack([lm.x + along * np.cos(t), lm.y + across * np.sin(t)])


def _draw_landmarks(draw, foot, to_px, font) -> None:
    """Each landmark of DRAWN: its ellipse, a dot, and ``name · how ±SD``, coloured by how."""
    for name in DRAWN:
        lm = foot.landmarks.get(name)
        if lm is None:
            continue
        colour = HOW_COLOURS.get(lm.how, (255, 255, 255))
        ring = to_px(foot, _ellipse(lm))
        draw.line([tuple(p) for p in np.vstack([ring, ring[:1]])], fill=colour, width=2)
        x, y = to_px(foot, lm.xy)[0]
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=colour, outline=(0, 0, 0))
        draw.text((x + 8, y - 7), f"{name} · {lm.how} ±{lm.sd_mm:.1f}", fill=colour, font=font, stroke_width=2,
                  stroke_fill=(0, 0, 0))


def _legend(draw, font, title: str) -> None:
    draw.multiline_text((10, 10), title, fill=(255, 255, 255), font=font, stroke_width=2, stroke_fill=(0, 0, 0))
    y = 10 + (title.count("\n") + 1) * (font.size + 4)
    for how, colour in HOW_COLOURS.items():
        draw.rectangle([10, y, 10 + font.size, y + font.size], fill=colour)
        draw.text((16 + font.size, y), how, fill=colour, font=font, stroke_width=2, stroke_fill=(0, 0, 0))
        y += font.size + 4


def plantar_overlay_png(foot, what: str, sensors: tuple[np.ndarray, np.ndarray, float] | None = None) -> bytes:
    """PNG bytes: a plantar view of ``foot`` in the plane its outline was read in (seen from above,
    mm), its outline and landmarks with their ellipses; ``sensors`` (centres (n, 2) in that plane,
    peak pressures (n,), pitch) shaded under it. ``what`` names the input in the title."""
    from PIL import Image, ImageDraw, ImageFont

    plane = foot.to_input(foot.outline)
    pts = plane if sensors is None else np.vstack([plane, sensors[0][sensors[1] > 0]])
    lo, hi = pts.min(axis=0) - 25.0, pts.max(axis=0) + [110.0, 25.0]      # room on the right for the labels
    k = PLANTAR_PX_PER_MM
    size = (int(np.ceil((hi[0] - lo[0]) * k)), int(np.ceil((hi[1] - lo[1]) * k)) + 150)

    def to_px(f, xy_canonical: np.ndarray) -> np.ndarray:
        p = f.to_input(np.atleast_2d(xy_canonical))
        return np.column_stack([(p[:, 0] - lo[0]) * k, (hi[1] - p[:, 1]) * k + 150])

    picture = Image.new("RGB", size, (40, 44, 52))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=13)
    if sensors is not None:
        centres, peak, pitch = sensors
        top = float(peak.max()) or 1.0
        for (x, y), v in zip(centres[peak > 0], peak[peak > 0]):
            shade = int(60 + 195 * min(1.0, v / top))
            x0, y0 = (x - lo[0] - pitch / 2) * k, (hi[1] - y - pitch / 2) * k + 150
            draw.rectangle([x0, y0, x0 + pitch * k, y0 + pitch * k], fill=(shade, 40, 40))
    outline = to_px(foot, foot.outline)
    draw.line([tuple(p) for p in np.vstack([outline, outline[:1]])], fill=(80, 160, 255), width=3)
    _draw_landmarks(draw, foot, to_px, font)
    _legend(draw, font, f"{what}: {foot.side} foot seen from above, outline in blue\n"
                        "landmarks by how they were found, each with its 1-SD ellipse")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


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
        _draw_landmarks(draw, foot, px, font)
        x, y = px(foot, np.array([0.0, 0.0]))[0]
        draw.text((x, y - 40), f"{foot.side} foot", fill=(255, 255, 255), font=font, stroke_width=2, stroke_fill=(0, 0, 0))
    _legend(draw, font, "landmarks by how they were found, each with its 1-SD ellipse; pins: green ring = given a role, "
                        "red = not used")
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

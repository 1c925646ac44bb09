"""`insolegen scan FILE --overlay OUT.png`: what was read, drawn where it was read. On a footprint
image: the image itself, each foot's outline, its landmarks and every marker pin (a ring: green
when it was given a role, red when it was not). On a 3D scan, an outline or a pressure plate: a
plantar view in the plane the outline was read in (a plate's sensors shaded by peak pressure).
Each landmark is drawn with its 1-SD uncertainty ellipse (along and across the foot) and labelled
with how it was found (the cue that weighs most) and its SD."""
from __future__ import annotations

import io
from dataclasses import dataclass
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


@dataclass(frozen=True)
class PlantarView:
    """A plantar picture's frame: the plane a foot was read in (mm, seen from above) <-> pixels."""
    lo: np.ndarray                     # the plane's (x, y) at the picture's left and bottom edges, mm
    hi: np.ndarray                     # ... at its right and top edges (before the title's band)
    px_per_mm: float = PLANTAR_PX_PER_MM
    title_px: int = 0                  # a band above the foot for a title

    @classmethod
    def around(cls, pts: np.ndarray, margin_mm: float = 25.0, right_mm: float = 25.0, title_px: int = 0,
               px_per_mm: float = PLANTAR_PX_PER_MM) -> "PlantarView":
        return cls(pts.min(axis=0) - margin_mm, pts.max(axis=0) + [right_mm, margin_mm], px_per_mm, title_px)

    @property
    def size(self) -> tuple[int, int]:
        k = self.px_per_mm
        return int(np.ceil((self.hi[0] - self.lo[0]) * k)), int(np.ceil((self.hi[1] - self.lo[1]) * k)) + self.title_px

    def to_px(self, plane: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(plane)
        k = self.px_per_mm
        return np.column_stack([(p[:, 0] - self.lo[0]) * k, (self.hi[1] - p[:, 1]) * k + self.title_px])

    def to_plane(self, px: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(np.asarray(px, dtype=float))
        k = self.px_per_mm
        return np.column_stack([p[:, 0] / k + self.lo[0], self.hi[1] - (p[:, 1] - self.title_px) / k])


def plantar_view_of(foot, sensors=None, **kwargs) -> PlantarView:
    """The frame around a foot's outline (and a plate's loaded sensors)."""
    plane = foot.to_input(foot.outline)
    pts = plane if sensors is None else np.vstack([plane, sensors[0][sensors[1] > 0]])
    return PlantarView.around(pts, **kwargs)


RELIEF_SHADED_MM = 40.0    # a scan's sole is shaded from the ground (light) to this far above it (dark)


def _relief_shading(view: PlantarView, xy: np.ndarray, height: np.ndarray) -> np.ndarray:
    """(rows, columns, 3) the lowest point's height in each cell of a grid about as fine as the
    scan's points (a cell inside the sole that none fell in takes its nearest cell's), light at the ground."""
    from scipy import ndimage

    low = height < RELIEF_SHADED_MM
    xy, height = xy[low], height[low]
    width, rows = view.size
    if not len(xy):
        return np.tile(np.array([40, 44, 52], np.uint8), (rows, width, 1))
    span = np.ptp(xy, axis=0)
    spacing = float(np.sqrt(max(span[0] * span[1], 1.0) / len(xy)))
    cell_px = max(1, int(round(np.clip(1.5 * spacing, 0.5, 8.0) * view.px_per_mm)))
    px = np.floor(view.to_px(xy) / cell_px).astype(int)
    grid = (-(-rows // cell_px), -(-width // cell_px))
    inside = (px[:, 0] >= 0) & (px[:, 0] < grid[1]) & (px[:, 1] >= 0) & (px[:, 1] < grid[0])
    lowest = np.full(grid, np.inf)
    np.minimum.at(lowest, (px[inside, 1], px[inside, 0]), height[inside])
    seen = np.isfinite(lowest)
    region = ndimage.binary_fill_holes(ndimage.binary_closing(seen, iterations=2)) | seen
    nearest = ndimage.distance_transform_edt(~seen, return_distances=False, return_indices=True)
    lowest = np.where(region, lowest[tuple(nearest)], np.inf)        # a cell the scan's points skipped: its nearest's
    lowest = np.repeat(np.repeat(lowest, cell_px, axis=0), cell_px, axis=1)[:rows, :width]
    seen = np.isfinite(lowest)
    level = 235.0 - 175.0 * np.clip(np.where(seen, lowest, 0.0) / RELIEF_SHADED_MM, 0.0, 1.0)
    shade = np.stack([level * 0.85, level * 0.9, level], axis=-1).astype(np.uint8)
    shade[~seen] = (40, 44, 52)
    return shade


def plantar_background(view: PlantarView, foot, sensors=None, relief=None):
    """A PIL picture in ``view``: a plate's sensors shaded by pressure, or a scan's sole by its
    height above the ground (``relief``: plane (x, y) mm and height mm of its points: the lowest
    in each pixel is the sole), and the foot's outline in blue."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", view.size, (40, 44, 52))
    if relief is not None:
        picture = Image.fromarray(_relief_shading(view, *relief), "RGB")
    draw = ImageDraw.Draw(picture)
    k = view.px_per_mm
    if sensors is not None:
        centres, peak, pitch = sensors
        top = float(peak.max()) or 1.0
        corners = view.to_px(centres[peak > 0] + [-pitch / 2, pitch / 2])
        for (x0, y0), v in zip(corners, peak[peak > 0]):
            shade = int(60 + 195 * min(1.0, v / top))
            draw.rectangle([x0, y0, x0 + pitch * k, y0 + pitch * k], fill=(shade, 40, 40))
    outline = view.to_px(foot.to_input(foot.outline))
    draw.line([tuple(p) for p in np.vstack([outline, outline[:1]])], fill=(80, 160, 255), width=3)
    return picture


def png_bytes(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def plantar_overlay_png(foot, what: str, sensors: tuple[np.ndarray, np.ndarray, float] | None = None) -> bytes:
    """PNG bytes: a plantar view of ``foot`` in the plane its outline was read in (seen from above,
    mm), its outline and landmarks with their ellipses; ``sensors`` (centres (n, 2) in that plane,
    peak pressures (n,), pitch) shaded under it. ``what`` names the input in the title."""
    from PIL import ImageDraw, ImageFont

    view = plantar_view_of(foot, sensors, right_mm=110.0, title_px=150)       # room on the right for the labels
    picture = plantar_background(view, foot, sensors)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=13)
    _draw_landmarks(draw, foot, lambda f, xy: view.to_px(f.to_input(np.atleast_2d(xy))), font)
    _legend(draw, font, f"{what}: {foot.side} foot seen from above, outline in blue\n"
                        "landmarks by how they were found, each with its 1-SD ellipse")
    return png_bytes(picture)


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

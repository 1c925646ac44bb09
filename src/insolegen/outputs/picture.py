"""Preview pictures at print quality. The picture is laid out first, then filled: a header, one
cell per device and view (and one for the sections), and a column for the colour legend. Every
text has a band of its own, so no text, legend or view covers a device or another view; each
view's camera is fitted to its device, so the whole device is in frame at any size; type is
sized from the picture's size (6 pt when printed at 300 dpi, never under 11 px).

Side views and sections are drawn with their heights exaggerated (3x by default, stated in
their titles), with red dimension lines whose values the titles give: the arch's height at its
apex and the heel cup's depth from the medial side; in the sections, the seat and the rim, the
cup's depth and the seat's tilt (the post) at the heel, the arch at its apex, the pad or plate.

VTK renders each view into its own image; Pillow lays them out and writes the text.
The layout (every text's box and every device's frame, in pixels) is stored in the PNG as text
("insolegen-layout"), so a test or a lab's script can check what is where."""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from insolegen.errors import InvalidInput
from insolegen.geometry.raster import height_maps
from insolegen.outputs.numbers import fixed
from insolegen.outputs.readings import feature_reading, part_of, verification_of
from insolegen.outputs.scene import EXAGGERATION, PreviewInput, Shown, colour_values, legend_ticks, section_positions, signals_held
from insolegen.outputs.thumbnail import viridis

SIDE_VIEWS = ("medial", "lateral", "posterior")
INK, MUTED, RED = (29, 36, 48), (91, 101, 117), (214, 40, 40)
PLAIN = (205, 150, 90)                 # a device drawn without a colour map
SUPERSAMPLE = 3                        # each view rendered this many times larger, then shrunk (anti-aliased)
SECTION_FILL, SECTION_LINE = (156, 186, 232), (36, 88, 179)
MARGIN = 0.05                          # of a view's frame, around its device
SECTIONS_ROW = 0.8                     # the sections' row, in a row of views' heights
PROFILE_INSET = 4                      # px between a section's profile and its frame


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def as_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]


@dataclass
class Layout:
    size: tuple[int, int]
    frames: list[dict] = field(default_factory=list)     # {"what", "box"}: a device (or a section) lies inside
    texts: list[dict] = field(default_factory=list)      # {"text", "box"}: every text's ink box
    legend: Box | None = None

    def as_dict(self) -> dict:
        return {"size": list(self.size), "frames": [{"what": f["what"], "box": f["box"].as_list()} for f in self.frames],
                "texts": [{"text": t["text"], "box": t["box"].as_list()} for t in self.texts],
                "legend": self.legend.as_list() if self.legend else None}


def type_px(size: tuple[int, int]) -> int:
    """The body type's size: a 36th of the picture's short side (25 px, 6 pt at 300 dpi, on a
    900 px picture), 11-72 px."""
    return int(min(72, max(11, round(min(size) / 36))))


def picture_png(inp: PreviewInput, views=("iso",), color: str = "height", sections: bool = False,
                size=(1600, 900), exaggeration: float = EXAGGERATION) -> bytes:
    """The picture as PNG bytes, its layout stored in the file."""
    image, layout = compose(inp, views, color, sections, size, exaggeration)
    info = PngInfo()
    info.add_text("insolegen-layout", json.dumps(layout.as_dict(), separators=(",", ":")))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, dpi=(300, 300))
    return buffer.getvalue()


def compose(inp: PreviewInput, views, color: str, sections: bool, size, exaggeration: float = EXAGGERATION):
    width, height = size
    font_px = type_px(size)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    layout = Layout((width, height))
    pen = _Pen(draw, layout, font_px)

    values, clim = colour_values(inp.devices, color)
    legend_w = pen.legend_width(clim) if values else 0
    header = pen.line_height(1.15) + font_px // 2
    pen.text((font_px // 2, font_px // 3), f"{inp.name}: {_header_note(views, sections, exaggeration)}", width - font_px,
             bold=True, max_lines=1)
    one_row = len(views) == 1
    rows, cols = (1, len(inp.devices)) if one_row else (len(inp.devices), len(views))
    # the sections take a row of their own below the views: every device's three side by side
    weights = [1.0] * rows + ([SECTIONS_ROW] if sections else [])
    area = Box(0, header, width - legend_w, height)
    edges_y = np.rint(area.y0 + np.concatenate([[0.0], np.cumsum(weights)]) / sum(weights) * area.height).astype(int)
    cell_w = area.width // cols
    gap = max(4, font_px // 2)
    if cell_w < 6 * font_px or min(np.diff(edges_y)) < 5 * font_px:
        raise InvalidInput(f"--image-size {width}x{height} is too small for {rows} x {cols} pictures at legible type: "
                           f"give at least {cols * 6 * font_px + legend_w}x{header + int(sum(weights) * 5 * font_px)}")
    facts = [SectionFacts(device, inp.record) for device in inp.devices]
    renderer = _Renderer()
    try:
        for d_index in range(len(inp.devices)):
            for v_index, view in enumerate(views):
                r, c = (0, d_index) if one_row else (d_index, v_index)
                cell = Box(area.x0 + c * cell_w + gap // 2, int(edges_y[r]) + gap // 2,
                           area.x0 + (c + 1) * cell_w - gap // 2, int(edges_y[r + 1]) - gap // 2)
                _draw_view(pen, renderer, image, cell, inp, d_index, view, values, clim, facts[d_index], exaggeration)
    finally:
        renderer.close()
    if sections:
        _draw_sections(pen, Box(area.x0, int(edges_y[-2]) + gap // 2, area.x1, int(edges_y[-1])), facts, exaggeration, gap)
    if values:
        title = "height above the ground (mm)" if color == "height" else "thickness (mm)"
        layout.legend = pen.legend(Box(width - legend_w, header, width, height), clim, title)
    return image, layout


def _header_note(views, sections: bool, exaggeration: float) -> str:
    exaggerated = [v for v in views if v in SIDE_VIEWS] + (["sections (seen from behind)"] if sections else [])
    true_scale = ["from above" if v == "top" else v for v in views if v not in SIDE_VIEWS]
    parts = ([f"{', '.join(exaggerated)}: heights x{exaggeration:g}"] if exaggerated else []) + \
            ([f"{' and '.join(true_scale)}: true scale"] if true_scale else [])
    return "; ".join(parts)


# ---- text ---------------------------------------------------------------------------------------

class _Pen:
    """Writes text where the layout gives it room, records each text's box."""

    def __init__(self, draw: ImageDraw.ImageDraw, layout: Layout, font_px: int):
        self.draw, self.layout, self.font_px = draw, layout, font_px
        self.font = ImageFont.load_default(size=font_px)
        self.small = ImageFont.load_default(size=max(10, round(0.85 * font_px)))

    def line_height(self, factor: float = 1.25, small: bool = False) -> int:
        return int(round((self.small.size if small else self.font_px) * factor))

    def wrap(self, text: str, width: int, small: bool = False) -> list[str]:
        font = self.small if small else self.font
        lines, line = [], ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if self.draw.textlength(trial, font=font) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        return lines + ([line] if line else [])

    def text(self, at: tuple[int, int], text: str, width: int, small: bool = False, bold: bool = False,
             max_lines: int | None = None, colour=INK) -> int:
        """Wrapped text from ``at`` (top left) within ``width``; the height used."""
        font = self.small if small else self.font
        lines = self.wrap(text, width, small)
        if max_lines and len(lines) > max_lines:
            lines = lines[:max_lines]
            while lines[-1] and self.draw.textlength(lines[-1] + "…", font=font) > width:
                lines[-1] = lines[-1][:-1]
            lines[-1] += "…"
        step = self.line_height(small=small)
        stroke = 1 if bold and self.font_px >= 18 else 0         # a stroke smears small type
        x, y = at
        for k, line in enumerate(lines):
            self.draw.text((x, y + k * step), line, fill=colour, font=font, stroke_width=stroke, stroke_fill=colour)
            box = self.draw.textbbox((x, y + k * step), line, font=font, stroke_width=stroke)
            self.layout.texts.append({"text": line, "box": Box(*(int(v) for v in box))})
        return len(lines) * step

    def text_height(self, text: str, width: int, small: bool = False) -> int:
        return len(self.wrap(text, width, small)) * self.line_height(small=small)

    def legend_width(self, clim) -> int:
        ticks = max(self.draw.textlength(label, font=self.small) for label in legend_ticks(clim[1]))
        return int(self.font_px * 2.2 + ticks + self.font_px)

    def legend(self, box: Box, clim, title: str) -> Box:
        """A vertical colour bar with its ticks; the title above it, wrapped to the column."""
        pad = self.font_px // 2
        used = self.text((box.x0 + pad // 2, box.y0), title, box.width - pad, small=True)
        bar = Box(box.x0 + pad // 2, box.y0 + used + self.font_px, box.x0 + pad // 2 + self.font_px,
                  box.y0 + used + self.font_px + int(0.6 * (box.height - used - 2 * self.font_px)))
        for y in range(bar.y0, bar.y1):
            t = 1.0 - (y - bar.y0) / max(bar.height - 1, 1)
            self.draw.line([(bar.x0, y), (bar.x1 - 1, y)], fill=tuple(int(v) for v in viridis(np.array(t))))
        for value, label in zip(_ticks(clim), legend_ticks(clim[1])):
            y = bar.y1 - (value - clim[0]) / (clim[1] - clim[0]) * bar.height
            self.draw.line([(bar.x1, y), (bar.x1 + pad // 2, y)], fill=INK)
            self.text((bar.x1 + pad, int(y - 0.6 * self.small.size)), label, box.width, small=True)
        self.layout.frames.append({"what": "legend", "box": bar})
        return bar


def _ticks(clim) -> list[float]:
    return list(np.linspace(clim[0], clim[1], 5)) if clim else []


# ---- what the pictures annotate --------------------------------------------------------------------

class SectionFacts:
    """A device's height maps (the shapes drawn) and the numbers its captions give. With a design
    record the numbers are the record's, as ``measure`` read them from the mesh, and the places
    are where the design put its features; without one (a bare mesh) they are read off the
    height map here and the captions say so."""

    def __init__(self, device: Shown, record: dict | None):
        self.device = device
        self.hm = height_maps(device.vertices, device.faces, 0.5)
        self.medial = -1.0 if device.side == "left" else 1.0
        self.stations = dict(section_positions(device, record))
        self.measured = verification_of(record, device.side)["measurement"] if record and device.side else None
        self.pad_rise = feature_reading(record, device.side, "met_pad") if self.measured is not None else None
        if record:
            part = part_of(record, device.side)
            self.heel_y = self.medial * part["foot"]["landmarks"]["heel_center"]["y_mm"]
        else:                       # without a record: the middle of the heel's section
            ys, _, _ = self.across(self.stations["heel seat"])
            self.heel_y = 0.5 * float(ys.min() + ys.max()) if len(ys) else 0.0

    def across(self, x: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """y, top and bottom of the section at x (where the device is)."""
        i = int(np.clip(round((x - self.hm.xs[0]) / 0.5), 0, len(self.hm.xs) - 1))
        top, bottom = self.hm.top[:, i], self.hm.bottom[:, i]
        inside = np.isfinite(top)
        return self.hm.ys[inside], top[inside], bottom[inside]

    @cached_property
    def heel(self) -> dict | None:
        """The heel seat: its height, the cup's depth and the post (+ varus), and where to draw
        them in the section (the seat's tilt drawn over the middle half of the heel's width)."""
        ys, top, _ = self.across(self.stations["heel seat"])
        if len(ys) < 8:
            return None
        half = 0.25 * float(np.ptp(ys))
        if self.measured is not None:
            seat, cup, post = (self.measured[k] for k in ("heel_seat_height_mm", "heel_cup_depth_mm", "rearfoot_post_deg"))
        else:
            seat = float(np.interp(self.heel_y, ys, top))
            middle = np.abs(ys - self.heel_y) <= half
            slope = np.polyfit(ys[middle], top[middle], 1)[0] if middle.sum() >= 3 else 0.0
            cup, post = float(top.max()) - seat, math.degrees(math.atan(slope * self.medial))
        slope = math.tan(math.radians(post)) * self.medial
        # drawn on the section itself: the seat's line through its top at the heel's centre, tilted
        # by the post; the cup's line from there to the rim
        drawn = {"z_centre": float(np.interp(self.heel_y, ys, top)), "z_rim": float(top.max())}
        return {"x": self.stations["heel seat"], "seat": seat, "rim": seat + cup, "cup": cup, "post_deg": post,
                "half": half, "slope": slope, **drawn}

    @cached_property
    def arch(self) -> dict | None:
        """The arch apex's section: its highest point (its height the record's where there is one)."""
        ys, top, _ = self.across(self.stations["arch apex"])
        if not len(ys):
            return None
        k = int(np.argmax(top))
        z = self.measured["arch_apex_height_mm"] if self.measured is not None else float(top[k])
        return {"x": self.stations["arch apex"], "y": float(ys[k]), "z": z}

    @property
    def source(self) -> str:
        return "measured" if self.measured is not None else "read off this mesh"


# ---- the views ----------------------------------------------------------------------------------

def view_direction(view: str, side: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Where the camera is, seen from the device (unit vector), and its up."""
    medial = -1.0 if side == "left" else 1.0
    direction, up = {
        "top": ((0, 0, 1), (0, -medial, 0)),       # lying along the row, heel where the medial view has it
        "medial": ((0, medial, 0), (0, 0, 1)),
        "lateral": ((0, -medial, 0), (0, 0, 1)),
        "posterior": ((-1, 0, 0), (0, 0, 1)),
        "iso": ((-0.6, medial * 0.9, 0.8), (0, 0, 1)),
    }[view]
    direction = np.asarray(direction, float) / np.linalg.norm(direction)
    up = np.asarray(up, float)
    up = up - direction * (up @ direction)
    return direction, up / np.linalg.norm(up)


class _Projection:
    """A parallel projection fitted to points: their box fills the frame less a margin."""

    def __init__(self, points: np.ndarray, direction: np.ndarray, up: np.ndarray, size: tuple[int, int]):
        self.up = up
        self.right = np.cross(-direction, up)
        self.direction = direction
        u, w = points @ self.right, points @ up
        self.size = size
        centre_u, centre_w = 0.5 * (u.min() + u.max()), 0.5 * (w.min() + w.max())
        width, height = size
        self.scale = min(width * (1 - 2 * MARGIN) / max(np.ptp(u), 1e-6), height * (1 - 2 * MARGIN) / max(np.ptp(w), 1e-6))
        self.focal = self.right * centre_u + up * centre_w + direction * (points @ direction).mean()
        self.parallel_scale = 0.5 * height / self.scale
        self.depth = float(np.ptp(points @ direction)) + 10.0

    def pixel(self, point) -> tuple[float, float]:
        d = np.asarray(point, float) - self.focal
        width, height = self.size
        return width / 2 + (d @ self.right) * self.scale, height / 2 - (d @ self.up) * self.scale


class _Renderer:
    """One off-screen VTK render window, reused for every view. VTK's own classes, not pyvista's
    plotter: pyvista's plotting layer (and the matplotlib it imports) took half a second of a
    picture's 1.8. Each view is rendered at SUPERSAMPLE times its size and shrunk (anti-aliased)."""

    def __init__(self):
        self.window = None

    def image(self, meshes: list[dict], projection: _Projection) -> Image.Image:
        from insolegen.outputs.scene import use_osmesa_without_display

        use_osmesa_without_display()
        import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (registers the OpenGL classes behind the ones below)
        from vtkmodules.util.numpy_support import vtk_to_numpy
        from vtkmodules.vtkCommonCore import vtkUnsignedCharArray
        from vtkmodules.vtkRenderingCore import vtkLightKit, vtkRenderer, vtkRenderWindow

        width, height = projection.size
        if self.window is None:
            self.window = vtkRenderWindow()
            self.window.SetOffScreenRendering(1)
            self.window.SetMultiSamples(0)
        for old in list(_collection(self.window.GetRenderers())):
            self.window.RemoveRenderer(old)
        renderer = vtkRenderer()
        renderer.SetBackground(1.0, 1.0, 1.0)
        vtkLightKit().AddLightsToRenderer(renderer)
        self.window.AddRenderer(renderer)
        self.window.SetSize(SUPERSAMPLE * width, SUPERSAMPLE * height)
        for m in meshes:
            renderer.AddActor(_actor(m))
        camera = renderer.GetActiveCamera()
        camera.ParallelProjectionOn()
        camera.SetFocalPoint(*projection.focal)
        camera.SetPosition(*(projection.focal + projection.direction * (projection.depth + 100.0)))
        camera.SetViewUp(*projection.up)
        camera.SetParallelScale(projection.parallel_scale)
        renderer.ResetCameraClippingRange()
        with signals_held():
            self.window.Render()
            w, h = self.window.GetSize()
            shot = vtkUnsignedCharArray()
            self.window.GetPixelData(0, 0, w - 1, h - 1, 0, shot, 0)      # the back buffer, bottom row first
        pixels = vtk_to_numpy(shot).reshape(h, w, 3)[::-1]
        return Image.fromarray(np.ascontiguousarray(pixels)).reduce(SUPERSAMPLE)

    def close(self) -> None:
        if self.window is not None:
            self.window.Finalize()
            self.window = None


def _collection(items):
    items.InitTraversal()
    for _ in range(items.GetNumberOfItems()):
        yield items.GetNextItem()


def _actor(mesh: dict):
    """A VTK actor for ``mesh``: vertices, faces, and either ``scalars`` (viridis over ``clim``)
    or a ``color`` (0-255) with an ``opacity``; flat shaded."""
    from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
    from vtkmodules.vtkCommonCore import vtkLookupTable, vtkPoints
    from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
    from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

    faces = np.asarray(mesh["faces"], np.int64)
    points = vtkPoints()
    points.SetData(numpy_to_vtk(np.ascontiguousarray(mesh["vertices"], float), deep=True))
    cells = vtkCellArray()
    cells.SetData(numpy_to_vtkIdTypeArray(np.arange(0, 3 * len(faces) + 1, 3), deep=True),
                  numpy_to_vtkIdTypeArray(np.ascontiguousarray(faces.ravel()), deep=True))
    poly = vtkPolyData()
    poly.SetPoints(points)
    poly.SetPolys(cells)
    mapper = vtkPolyDataMapper()
    if mesh.get("smooth", True):
        # shaded by point normals, split at edges sharper than 50°: a wall of tall, thin facets
        # reads as one wall rather than a row of stripes, and the top's rim stays crisp
        from vtkmodules.vtkFiltersCore import vtkPolyDataNormals

        normals = vtkPolyDataNormals()
        normals.SetInputData(poly)
        normals.SetFeatureAngle(50.0)
        normals.SplittingOn()
        normals.ConsistencyOff()
        normals.AutoOrientNormalsOff()
        mapper.SetInputConnection(normals.GetOutputPort())
    else:
        mapper.SetInputData(poly)
    actor = vtkActor()
    actor.SetMapper(mapper)
    look = actor.GetProperty()
    look.SetInterpolationToGouraud()
    look.SetAmbient(0.35)           # walls seen edge-on stay the colour of their height, not black lines
    look.SetDiffuse(0.75)
    if mesh.get("scalars") is not None:
        poly.GetPointData().SetScalars(numpy_to_vtk(np.ascontiguousarray(mesh["scalars"], float), deep=True))
        table = vtkLookupTable()
        table.SetNumberOfTableValues(256)
        for k, (r, g, b) in enumerate(viridis(np.linspace(0.0, 1.0, 256)) / 255.0):
            table.SetTableValue(k, r, g, b, 1.0)
        table.SetRange(*mesh["clim"])
        table.Build()
        mapper.SetLookupTable(table)
        mapper.SetScalarRange(*mesh["clim"])
        mapper.SetScalarModeToUsePointData()
        mapper.SetInterpolateScalarsBeforeMapping(True)
        mapper.ScalarVisibilityOn()
    else:
        mapper.ScalarVisibilityOff()
        look.SetColor(*(np.asarray(mesh["color"], float) / 255.0))
        look.SetOpacity(mesh.get("opacity", 1.0))
    return actor


def _draw_view(pen: _Pen, renderer: _Renderer, image: Image.Image, cell: Box, inp: PreviewInput, d_index: int,
               view: str, values, clim, facts: SectionFacts, exaggeration: float) -> None:
    device = inp.devices[d_index]
    stretch = np.array([1.0, 1.0, exaggeration if view in SIDE_VIEWS else 1.0])
    name = f"heel from behind, at {facts.heel['x']:.0f} mm" if view == "posterior" and facts.heel else view
    title = f"{device.label.upper()}, {name}" + (f" (heights x{exaggeration:g})" if view in SIDE_VIEWS else "")
    notes = _view_notes(view, facts)
    used = pen.text((cell.x0, cell.y0), title, cell.width, bold=True, max_lines=2)
    if notes:
        used += pen.text((cell.x0, cell.y0 + used), notes, cell.width, small=True, colour=MUTED, max_lines=3)
    frame = Box(cell.x0, cell.y0 + used + pen.font_px // 3, cell.x1, cell.y1)
    if frame.height < 2 * pen.font_px:
        raise InvalidInput(f"--image-size {image.width}x{image.height}: no room for the {view} view under its title; "
                           "give a larger picture or fewer views")
    if view == "posterior":         # the heel's section, seen from behind: the post and the cup, not a wall of stripes
        _draw_heel_view(pen, frame, facts, exaggeration)
        return
    direction, up = view_direction(view, device.side)
    points = device.vertices * stretch
    projection = _Projection(points, direction, up, (frame.width, frame.height))
    meshes = [{"vertices": points, "faces": device.faces, "scalars": None if values is None else values[d_index],
               "clim": clim, "color": PLAIN}]
    if device.side in inp.scans:
        scan_v, scan_f = inp.scans[device.side]
        meshes.append({"vertices": scan_v * stretch, "faces": scan_f, "color": (176, 196, 222), "opacity": 0.25})
    picture = renderer.image(meshes, projection)
    image.paste(picture, (frame.x0, frame.y0))
    pen.layout.frames.append({"what": f"{device.label} {view}", "box": frame})
    if view == "medial":
        _medial_dimensions(pen.draw, frame, projection, facts, stretch)


def _view_notes(view: str, facts: SectionFacts) -> str:
    if view == "medial":
        arch, heel = facts.arch, facts.heel
        parts = []
        if arch:
            parts.append(f"red: arch {fixed(arch['z'], 1)} mm above the ground at its apex")
        if heel:
            parts.append(f"heel cup {fixed(heel['cup'], 1)} mm, seat to rim")
        return "; ".join(parts) + (f" ({facts.source})" if parts else "")
    if view == "posterior":
        heel = facts.heel
        return (f"red: rearfoot post {fixed(heel['post_deg'], 1, sign=True)}° (+ varus), the seat {fixed(heel['seat'], 1)} mm "
                f"up; cup {fixed(heel['cup'], 1)} mm ({facts.source})") if heel else ""
    return ""


def _medial_dimensions(draw: ImageDraw.ImageDraw, frame: Box, projection: _Projection, facts: SectionFacts, stretch) -> None:
    """Red dimension lines: the arch from the ground to its apex, the cup from seat to rim."""
    width = max(2, frame.height // 150)
    arch, heel = facts.arch, facts.heel
    lines = []
    if arch:
        lines.append(((arch["x"], arch["y"], 0.0), (arch["x"], arch["y"], arch["z"])))
    if heel:
        lines.append(((heel["x"], facts.heel_y, heel["z_centre"]), (heel["x"], facts.heel_y, heel["z_rim"])))
    for a, b in lines:
        (ax, ay), (bx, by) = projection.pixel(np.array(a) * stretch), projection.pixel(np.array(b) * stretch)
        ax, ay, bx, by = ax + frame.x0, ay + frame.y0, bx + frame.x0, by + frame.y0
        draw.line([(ax, ay), (bx, by)], fill=RED, width=width)
        tick = 3 * width
        for y in (ay, by):
            draw.line([(ax - tick, y), (ax + tick, y)], fill=RED, width=width)


def _draw_heel_view(pen: _Pen, frame: Box, facts: SectionFacts, exaggeration: float) -> None:
    """The heel seat's section filling a view's frame: the seat's tilt and the cup's depth in red."""
    heel = facts.heel
    if heel is None:
        return
    cut = facts.across(heel["x"])
    tick_w = int(pen.draw.textlength("00", font=pen.small)) + pen.font_px // 2
    half_tick = int(0.7 * pen.small.size)
    bar_h = _scale_bar_height(pen)
    plot = Box(frame.x0 + tick_w, frame.y0 + half_tick, frame.x1, frame.y1 - half_tick - bar_h)
    z_max = max(float(cut[1].max()), heel["rim"], 1.0)
    scale = min((plot.width - 2 * PROFILE_INSET) / max(float(np.ptp(cut[0])), 1.0),
                (plot.height - 2 * PROFILE_INSET) / (exaggeration * z_max))
    _draw_profile(pen, plot, cut, scale * np.array([1.0, exaggeration]), facts, "heel seat")
    pen.layout.frames.append({"what": f"{facts.device.label} posterior", "box": plot})


# ---- sections -----------------------------------------------------------------------------------

def _draw_sections(pen: _Pen, row: Box, facts: list[SectionFacts], exaggeration: float, gap: int) -> None:
    """Each device's three sections across it, side by side, seen from behind, at one scale."""
    cells = []
    n = sum(len(f.stations) for f in facts)
    cell_w = row.width // n
    for k, (f, (what, x), caption) in enumerate((f, st, cap) for f in facts for st, cap in zip(f.stations.items(), section_captions(f))):
        cells.append((Box(row.x0 + k * cell_w + gap // 2, row.y0, row.x0 + (k + 1) * cell_w - gap // 2, row.y1), f, what,
                      f"{f.device.label.upper()} (medial {'right' if f.medial < 0 else 'left'}), {caption}", f.across(x)))
    tick_w = int(pen.draw.textlength("00", font=pen.small)) + pen.font_px // 2
    half_tick = int(0.7 * pen.small.size)          # a tick's label reaches this far above and below its line
    inset = 2 * PROFILE_INSET
    caption_h = max(pen.text_height(c[3], c[0].width, small=True) for c in cells)
    bar_h = _scale_bar_height(pen)
    plot_h = row.height - caption_h - 2 * half_tick - inset - bar_h
    if plot_h < 2 * pen.font_px:
        raise InvalidInput(f"--image-size: the sections need about {row.height + 2 * pen.font_px - plot_h} px of height at "
                           f"legible type (they have {row.height}); give a taller picture, or leave out --sections")
    spans = [np.ptp(cut[0]) for *_, cut in cells if len(cut[0])]
    z_max = max([float(cut[1].max()) for *_, cut in cells if len(cut[1])] + [1.0])
    scale = min((cell_w - gap - tick_w - inset) / max(spans + [1.0]), plot_h / (exaggeration * z_max))
    for box, f, what, caption, cut in cells:
        pen.text((box.x0, box.y0), caption, box.width, small=True, colour=INK)
        plot = Box(box.x0 + tick_w, box.y0 + caption_h + half_tick, box.x1, box.y1 - half_tick - bar_h)
        _draw_profile(pen, plot, cut, scale * np.array([1.0, exaggeration]), f, what)
        pen.layout.frames.append({"what": f"{f.device.label} {what} section", "box": plot})


def section_captions(facts: SectionFacts) -> list[str]:
    captions = []
    heel, arch = facts.heel, facts.arch
    for what, x in facts.stations.items():
        ys, top, _ = facts.across(x)
        where = f"{what} at {x:.0f} mm"
        if not len(ys):
            captions.append(f"{where}: past the device")
        elif what == "heel seat" and heel:
            captions.append(f"{where}: seat {fixed(heel['seat'], 1)}, cup {fixed(heel['cup'], 1)} mm (red); "
                            f"post {fixed(heel['post_deg'], 1, sign=True)}°")
        elif what == "arch apex" and arch:
            captions.append(f"{where}: {fixed(arch['z'], 1)} mm high (red)")
        else:
            dome = facts.pad_rise if facts.measured is not None else float(top.max() - np.median(top))
            captions.append(f"{where}: dome {fixed(dome, 1)} mm above the plate (red)")
    return captions


def _draw_profile(pen: _Pen, plot: Box, cut, scale: np.ndarray, facts: SectionFacts, what: str) -> None:
    ys, top, bottom = cut
    if not len(ys):
        return
    y_left = float(ys.max())

    def px(y: float, z: float) -> tuple[float, float]:
        # seen from behind, +y is on the left: a right device's medial side, a left device's lateral
        return plot.x0 + PROFILE_INSET + (y_left - y) * scale[0], plot.y1 - PROFILE_INSET - z * scale[1]

    outline = [px(y, z) for y, z in zip(ys, top)] + [px(y, z) for y, z in zip(ys[::-1], bottom[::-1])]
    pen.draw.polygon(outline, fill=SECTION_FILL, outline=SECTION_LINE)
    x_lo, _ = px(ys.max(), 0.0)
    x_hi, _ = px(ys.min(), 0.0)
    pen.draw.line([(x_lo, plot.y1 - PROFILE_INSET), (x_hi, plot.y1 - PROFILE_INSET)], fill=MUTED)
    for z in _ticks_mm(float(top.max()), scale[1], 1.3 * pen.small.size):
        _, zy = px(ys[0], z)
        pen.draw.line([(plot.x0 - 4, zy), (plot.x0, zy)], fill=MUTED)
        label = f"{z:g}"
        tw = pen.draw.textlength(label, font=pen.small)
        pen.text((int(plot.x0 - 6 - tw), int(zy - 0.6 * pen.small.size)), label, int(tw) + 2, small=True, colour=MUTED)
    width = max(2, plot.height // 60)
    k = int(np.argmax(top))
    if what == "heel seat":
        heel = facts.heel
        if heel:
            a, b = px(facts.heel_y, heel["z_centre"]), px(facts.heel_y, heel["z_rim"])
            pen.draw.line([a, b], fill=RED, width=width)
            y0, y1 = facts.heel_y - heel["half"], facts.heel_y + heel["half"]
            z0, z1 = heel["z_centre"] - heel["slope"] * heel["half"], heel["z_centre"] + heel["slope"] * heel["half"]
            pen.draw.line([px(y0, z0), px(y1, z1)], fill=RED, width=width)
    elif what == "arch apex" and facts.arch:
        pen.draw.line([px(facts.arch["y"], 0.0), px(facts.arch["y"], facts.arch["z"])], fill=RED, width=width)
    else:
        pen.draw.line([px(ys[k], 0.0), px(ys[k], top[k])], fill=RED, width=width)
    x_right, _ = px(float(ys.min()), 0.0)
    _scale_bar(pen, int(x_right), plot.y1 + int(0.7 * pen.small.size), scale[0], float(np.ptp(ys)) * scale[0])


def _scale_bar_height(pen: _Pen) -> int:
    return pen.line_height(small=True) + 4


def _scale_bar(pen: _Pen, x_right: int, y: int, px_per_mm: float, section_px: float) -> None:
    """A horizontal scale under a section (its widths are true: only heights are exaggerated):
    the longest of 5, 10, 20 or 50 mm that spans at most a third of the section."""
    length = max((mm for mm in (5.0, 10.0, 20.0, 50.0) if mm * px_per_mm <= section_px / 3), default=5.0)
    bar = int(round(length * px_per_mm))
    label = f"{length:g} mm"
    label_w = int(pen.draw.textlength(label, font=pen.small))
    y_bar = y + pen.line_height(small=True) // 2
    x0 = x_right - bar
    pen.draw.line([(x0, y_bar), (x_right, y_bar)], fill=INK, width=2)
    for x in (x0, x_right):
        pen.draw.line([(x, y_bar - 4), (x, y_bar + 4)], fill=INK, width=2)
    pen.text((x0 - label_w - 6, y), label, label_w + 4, small=True, colour=INK)


def _ticks_mm(z_max: float, px_per_mm: float, min_gap_px: float) -> list[float]:
    """Heights to label: every 2, 5, 10, 20 or 50 mm, the finest whose labels do not touch."""
    step = next((s for s in (2.0, 5.0, 10.0, 20.0, 50.0) if s * px_per_mm >= min_gap_px), 100.0)
    return list(np.arange(0.0, z_max + 0.01, step))

"""Previews a technician checks before printing. This module reads what to show (a design
record, the folder of a design, or any mesh, with the scan the design came from), opens the
interactive window on a display, and hands pictures to ``outputs.picture`` (laid out for print)
and pages to ``outputs.webview`` (the 3D view in a browser).

Rendering is pyvista (VTK). With no display it renders off-screen through OSMesa (Debian's
libosmesa6): VTK is told so before it is imported (``outputs.scene``)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.extras import require_extra
from insolegen.outputs.export import safe_name
from insolegen.outputs.readings import check_measured
from insolegen.outputs.scene import PreviewInput, Shown, has_display, section_positions
from insolegen.record import read_record

VIEWS = ("top", "medial", "lateral", "posterior", "iso")
COLORS = ("height", "thickness", "none")
SECTIONS = (("heel seat", 0.15), ("arch apex", None), ("met pad", None))   # fractions of L, or from the record
DEFAULT_SIZE = (1600, 900)
SCALE_BAR = {"vertical": True, "position_x": 0.74, "position_y": 0.2, "height": 0.6, "width": 0.08, "title_font_size": 12}


# ---- what to show -----------------------------------------------------------------------------

def _is_record(path: Path) -> bool:
    return _record_problem(path) is None


def _record_problem(path: Path) -> str | None:
    """Why ``path`` is not a design record insolegen can show (None when it is one)."""
    from insolegen.limits import limit

    try:
        if path.stat().st_size > limit("RECORD_MB") * (1 << 20):
            return f"larger than {limit('RECORD_MB'):g} MB (INSOLEGEN_MAX_RECORD_MB)"
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return "not a readable JSON file"
    tool = doc.get("tool") if isinstance(doc, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != "insolegen":
        return "not an insolegen design record"
    name, devices = doc.get("case"), doc.get("devices")
    if not isinstance(name, str) or safe_name(name) != name:
        return f"its case name {str(name)[:40]!r} is missing or not a plain file name"
    if not isinstance(devices, dict) or not devices or not set(devices) <= {"left", "right"}:
        return "its 'devices' must name the left and/or right device"
    return None


def load_preview_input(path: str | Path, scan: str | Path | None = None, pair: bool = True) -> PreviewInput:
    """A design record (.json), the folder of a design, or a mesh file (.stl, .3mf, .obj, .ply).
    A record's scan is found by its file name beside the record (or given as ``scan``)."""
    record = find_record(path)
    if record is None:
        return _from_mesh(Path(path), pair)
    with record_guard(record):
        return _from_record(record, scan)


@contextmanager
def record_guard(path: Path):
    """A design record missing what is read from it (edited by hand, cut short, from another
    tool) is an InvalidInput naming the file and the first thing missing, not a traceback."""
    try:
        yield
    except (KeyError, IndexError) as exc:
        raise InvalidInput(f"{path}: the design record is incomplete (no {exc}); was it edited by hand?") from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise InvalidInput(f"{path}: the design record holds a value of the wrong kind ({exc}); was it edited by hand?") from None


def find_record(path: str | Path) -> Path | None:
    """The design record a path names (the record itself, or the one record in a folder);
    None for a mesh file."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or folder")
    if path.is_dir():
        records = sorted(p for p in path.glob("*.json") if _is_record(p))
        if not records:
            raise InvalidInput(f"{path}: no insolegen design record (*.json) in this folder")
        if len(records) > 1:
            raise InvalidInput(f"{path}: {len(records)} design records here ({', '.join(p.name for p in records)}); "
                               "give one of them")
        return records[0]
    if path.suffix.lower() == ".json":
        problem = _record_problem(path)
        if problem:
            raise InvalidInput(f"{path}: {problem}")
        return path
    return None


def _from_record(path: Path, scan) -> PreviewInput:
    from insolegen.measure.load import load_mesh_file

    record = read_record(path)            # checked against the record's schema, naming what does not fit
    name = record["case"]
    devices = []
    for side in record["devices"]:
        stl = path.parent / f"{name}_{side}.stl"
        if stl.is_file():
            part = load_mesh_file(stl).parts[0]
            devices.append(Shown(side, side, part.vertices, part.faces))
    if not devices:
        devices = _from_plates(path, record)
    return PreviewInput(name, devices, record, seated_scans(record, path.parent, scan, devices), path)


def _from_plates(path: Path, record: dict) -> list[Shown]:
    """The devices read from the case's 3MF plates, each moved back from where its plate put it
    on the bed into its own frame (the record says where)."""
    from insolegen.measure.load import load_mesh_file
    from insolegen.measure.printing import Placed, unplaced_points

    name = record["case"]
    plates = record.get("printing", {}).get("plates") or [{"file": f"{name}.3mf", "devices": []}]
    devices = []
    for plate in plates:
        file_name = str(plate["file"])
        if Path(file_name).name != file_name or not (path.parent / file_name).is_file():
            continue                          # only a plain file name beside the record
        placed = {d["side"]: Placed(0, float(d["turn_deg"]), float(d["x_mm"]), float(d["y_mm"])) for d in plate["devices"]}
        for part in load_mesh_file(path.parent / file_name).parts:
            side = _side_named(part.name)
            vertices = unplaced_points(part.vertices, placed[side]) if side in placed else part.vertices
            devices.append(Shown(side or part.name, side, vertices, part.faces))
    if not devices:
        raise InvalidInput(f"{path}: none of the case's meshes ({name}_left.stl, {name}_right.stl, {name}.3mf) is beside it")
    return devices


def _side_named(name: str) -> str | None:
    """The side a case's file or object name ends with (CASE_left, CASE_right), else None."""
    return next((side for side in ("left", "right") if name.endswith(side)), None)


def _from_mesh(path: Path, pair: bool) -> PreviewInput:
    from insolegen.measure.load import load_mesh_file

    stem = path.stem
    side = _side_named(stem) if stem.endswith(("_left", "_right")) else None
    files = [path]
    if pair and side:
        other = path.with_name(stem[: -len(side)] + ("right" if side == "left" else "left") + path.suffix)
        if other.is_file():
            files = sorted([path, other], key=lambda p: not p.stem.endswith("_left"))
    devices = []
    for f in files:
        fside = _side_named(f.stem) if f.stem.endswith(("_left", "_right")) else None
        for part in load_mesh_file(f).parts:
            label = fside or (part.name if part.name != "mesh" else f.stem)
            devices.append(Shown(label, fside, part.vertices, part.faces))
    name = stem[: -len(side) - 1] if side else stem
    return PreviewInput(name, devices)


def seated_scans(record: dict, folder: Path, scan, devices: list[Shown]) -> dict:
    """The scan the design came from, in each device's frame, its sole resting on the heel seat."""
    from insolegen.feet.kinds import SCAN_SUFFIXES

    foot_input = record["inputs"]["foot"]
    if scan is None:
        if foot_input.get("kind") != "file" or Path(foot_input["file"]).suffix.lower() not in SCAN_SUFFIXES:
            return {}
        file_name = Path(foot_input["file"]).name          # beside the record or here, never elsewhere
        candidates = [folder / file_name, Path.cwd() / file_name]
        found = [c for c in candidates if c.is_file()]
        if not found:
            return {}
        scan = found[0]
    from insolegen.feet.scan3d import read_scan  # only with a scan to show: its imports are most of a second

    read = read_scan(scan, foot_input.get("units"), record["foot"]["side"])
    out = {}
    for d in devices:
        if d.side not in ("left", "right"):
            continue
        # on the heel seat as the record measured it on this device's mesh
        seated = read.vertices + [0.0, 0.0, check_measured(record, d.side, "heel_seat_height_mm")]
        out[d.side] = (seated * [1.0, -1.0, 1.0], read.faces[:, ::-1]) if d.side == "left" else (seated, read.faces)
    return out


# ---- rendering ---------------------------------------------------------------------------------

def render(inp: PreviewInput, views=("iso",), color: str = "height", sections: bool = False,
           size=DEFAULT_SIZE) -> None:
    """An interactive window (a display is needed): every device (rows) in every view
    (columns), plus its sections, to turn and zoom. Pictures are ``render_png``'s."""
    _check_request(views, color)
    if not has_display():
        raise InvalidInput("there is no display here: give --out FILE.png to render to a picture")
    require_extra("preview")
    import pyvista as pv

    from insolegen.outputs.picture import view_direction
    from insolegen.outputs.scene import colour_values

    panels = len(views) + (1 if sections else 0)
    side_by_side = panels == 1          # one picture per device: the pair side by side
    rows, cols = (1, len(inp.devices)) if side_by_side else (len(inp.devices), panels)

    def cell(device: int, panel: int) -> tuple[int, int]:
        return (0, device) if side_by_side else (device, panel)

    plotter = pv.Plotter(shape=(rows, cols), window_size=list(size), border=False)
    plotter.set_background("white")
    meshes = [_polydata(pv, d.vertices, d.faces) for d in inp.devices]
    title = {"height": "height (mm)", "thickness": "thickness (mm)"}.get(color)
    values, clim = colour_values(inp.devices, color)
    for r, (d, mesh) in enumerate(zip(inp.devices, meshes)):
        for c, view in enumerate(views):
            plotter.subplot(*cell(r, c))
            kwargs = {"color": "burlywood"}
            if values is not None:
                mesh.point_data[title] = values[r]
                kwargs = {"scalars": title, "clim": clim, "cmap": "viridis", "show_scalar_bar": r == 0 and c == 0,
                          "scalar_bar_args": {"title": title, "color": "black", **SCALE_BAR}}
            plotter.add_mesh(mesh.copy(), smooth_shading=False, **kwargs)
            if d.side in inp.scans:
                plotter.add_mesh(_polydata(pv, *inp.scans[d.side]), color="lightsteelblue", opacity=0.25)
            direction, up = view_direction(view, d.side)
            centre = d.vertices.mean(axis=0)
            plotter.camera_position = [tuple(centre + 500.0 * direction), tuple(centre), tuple(up)]
            plotter.enable_parallel_projection()
            plotter.reset_camera(bounds=mesh.bounds)
            plotter.camera.zoom(1.15)
            plotter.add_text(f"{inp.name}: {d.label.upper()} ({view})", font_size=9, color="black")
        if sections:
            plotter.subplot(*cell(r, panels - 1))
            _draw_sections(plotter, d, mesh, inp.record)
    plotter.show()


def render_png(inp: PreviewInput, views=("iso",), color: str = "height", sections: bool = False,
               size=DEFAULT_SIZE, exaggeration: float = 3.0) -> bytes:
    """The picture, off-screen, as PNG bytes (for a caller that writes or embeds it), laid out
    for print (``outputs.picture``); side views and sections at heights x ``exaggeration``."""
    _check_request(views, color)
    if not 1.0 <= exaggeration <= 10.0:
        raise InvalidInput(f"--exaggeration {exaggeration:g} is outside 1-10 (heights drawn that many times their true scale)")
    require_extra("preview")
    from insolegen.outputs.picture import picture_png

    return picture_png(inp, views, color, sections, size, exaggeration)


def _check_request(views, color: str) -> None:
    if color not in COLORS:
        raise InvalidInput(f"--color {color!r} is not one of {', '.join(COLORS)}")
    bad = [v for v in views if v not in VIEWS]
    if bad:
        raise InvalidInput(f"--view {bad[0]!r} is not one of {', '.join(VIEWS)} or all")


def _polydata(pv, vertices: np.ndarray, faces: np.ndarray):
    """Triangles as VTK wants them: each face preceded by its corner count."""
    return pv.PolyData(vertices, np.column_stack([np.full(len(faces), 3), faces]).ravel())


def _draw_sections(plotter, device: Shown, mesh, record) -> None:
    """Each section's outline in the y-z plane, stacked, seen from behind, captioned with what
    the pictures' sections say (the heel seat's seat and rim apart)."""
    from insolegen.outputs.picture import SectionFacts, section_captions

    spacing = 1.6 * float(device.vertices[:, 2].max()) + 10.0
    for k, (_, x) in enumerate(section_positions(device, record)):
        cut = mesh.slice(normal="x", origin=(x, 0.0, 0.0))
        if cut.n_points:
            plotter.add_mesh(cut.translate((0.0, 0.0, -k * spacing), inplace=False), color="black", line_width=2)
    plotter.camera_position = [(-500.0, 0.0, -spacing), (0.0, 0.0, -spacing), (0, 0, 1)]
    plotter.enable_parallel_projection()
    plotter.reset_camera()
    plotter.camera.zoom(0.8)
    captions = section_captions(SectionFacts(device, record))
    plotter.add_text("sections, seen from behind, top to bottom:\n" + "\n".join(captions), font_size=8, color="black")

"""A shoe's sock-liner from a file: a tracing (CSV, JSON, SVG, DXF outline), a photo or scan of it
on a marked sheet (the footprint image reader's scale), or a mesh: a 3D scan of the liner or the
shoe's own insole, or a shoe last (``shoe.mesh_liner``). Each is put in its own canonical frame
(heel at x = 0, the long axis along x, a left one mirrored) by the foot readers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.feet.kinds import foot_kind

LINER_KINDS = ("outline", "image")
MESH_FORMATS = (".stl", ".ply", ".obj", ".3mf")     # a scan of the liner or the insole, or a last


@dataclass(frozen=True)
class Liner:
    outline: np.ndarray      # (n, 2) its own canonical frame, mm
    side: str
    side_how: str            # given (in the file) or detected (from its medial curve)
    file: str                # as given: what a refusal names


def read_liner(path: str | Path) -> Liner:
    """The sock-liner a file shows (InvalidInput naming the file when it is not one this reads)."""
    from insolegen.feet.read import read_foot

    path = Path(path)
    if path.suffix.lower() in MESH_FORMATS:
        return _liner_from_mesh(path)
    kind = foot_kind(path) if path.is_file() else None
    if kind is not None and kind not in LINER_KINDS:
        raise InvalidInput(f"{path}: a sock-liner is read from a tracing (.csv, .json, .svg, .dxf), a photo on a marked "
                           f"sheet (.png, .jpg), or a mesh ({', '.join(MESH_FORMATS)}); not a {kind} file")
    foot = read_foot(path)
    return Liner(foot.outline, foot.side, foot.side_how, str(path))


def _liner_from_mesh(path: Path) -> Liner:
    """A 3D scan of the liner or the shoe's insole (flat), or a shoe last (standing, +z up)."""
    from insolegen.feet.foot import foot_from_points
    from insolegen.measure.load import load_mesh_file
    from insolegen.shoe.mesh_liner import is_last, last_outline, liner_outline

    loaded = load_mesh_file(path)
    part = max(loaded.parts, key=lambda p: len(p.faces))
    if is_last(part.vertices):
        outline, what = last_outline(part.vertices, part.faces, str(path)), "the last's bottom"
    else:
        outline, what = liner_outline(part.vertices, part.faces, str(path)), "the liner's footprint"
    foot = foot_from_points(outline, source=f"{path} ({what})")
    return Liner(foot.outline, foot.side, foot.side_how, str(path))

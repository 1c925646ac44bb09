"""What a foot file is, from its name (and, for a .csv, its first line): ``scan`` (3D: .stl .ply
.obj), ``image`` (footprint: .png .jpg .jpeg), ``pressure`` (a plate recording: .csv whose
first line starts ``Sensor-Nummer``) or ``outline`` (.csv .json .svg .dxf). Every reader and
verb asks here, so a file is one kind everywhere."""
from __future__ import annotations

from pathlib import Path

from insolegen.errors import InvalidInput

PRESSURE_HEADER = "Sensor-Nummer"
SCAN_SUFFIXES = (".stl", ".ply", ".obj")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
OUTLINE_SUFFIXES = (".csv", ".json", ".svg", ".dxf")
FOOT_KINDS = ("scan", "image", "pressure", "outline")


def foot_kind(path: str | Path) -> str:
    """``scan``, ``image``, ``pressure`` or ``outline``, from the suffix (and, for a .csv, its first line).

    >>> from insolegen import foot_kind
    >>> foot_kind("Smith J (L).STL"), foot_kind("foam box.jpeg"), foot_kind("tracing.svg")
    ('scan', 'image', 'outline')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SCAN_SUFFIXES:
        return "scan"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix == ".csv" and path.is_file() and is_pressure_file(path):
        return "pressure"
    if suffix in OUTLINE_SUFFIXES:
        return "outline"
    known = ", ".join(SCAN_SUFFIXES + IMAGE_SUFFIXES + OUTLINE_SUFFIXES)
    raise InvalidInput(f"{path}: not a foot file this tool reads (suffix {path.suffix or '(none)'!r}); use one of {known}")


def is_pressure_file(path: str | Path) -> bool:
    """A .csv whose first line is a pressure plate's sensor header."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return False
    with open(path, encoding="latin-1") as f:
        return f.readline(4096).startswith(PRESSURE_HEADER)

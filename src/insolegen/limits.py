"""How much work an input may ask for, checked before the work starts. Each limit is generous
for real feet and devices (the README's "Limits" table gives the real sizes beside them) and
can be raised for one run with an environment variable: ``INSOLEGEN_MAX_<NAME>`` (for example
``INSOLEGEN_MAX_TRIANGLES=10000000``). A refusal names the limit, the file and the variable."""
from __future__ import annotations

import os
from pathlib import Path

from insolegen.errors import InvalidInput

DEFAULTS = {
    "OUTLINE_MB": 20,            # an outline file (CSV, JSON, SVG, DXF); real ones are a few kB
    "RECORD_MB": 50,             # a design record read back (preview, report)
    "PROFILE_KB": 256,           # a profile or prescription TOML
    "IMAGE_MB": 200,             # a footprint image file
    "IMAGE_PIXELS": 80_000_000,  # pixels once decoded (the 300 dpi foam print: 17.5 M)
    "PRESSURE_MB": 50,           # a pressure recording (the real one: 3.4 MB)
    "SENSOR_ID": 65_536,         # sensor ids 0 ... this (1,024 rows of 64)
    "MESH_MB": 600,              # a mesh file
    "TRIANGLES": 5_000_000,      # triangles in a mesh (a fine whole-foot scan: about 1 M)
    "UNZIPPED_MB": 400,          # a 3MF's content once unzipped
    "OUTLINE_POINTS": 1_000_000,  # points in an outline (dense ones are resampled, not refused)
    "EXTENT_MM": 10_000,         # the largest extent of an outline before it is sampled
}


def limit(name: str) -> float:
    """The limit ``name`` (see DEFAULTS), or its INSOLEGEN_MAX_ override."""
    raw = os.environ.get(f"INSOLEGEN_MAX_{name}")
    if raw is None:
        return DEFAULTS[name]
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"INSOLEGEN_MAX_{name}={raw!r} is not a number") from None
    if not value > 0:
        raise InvalidInput(f"INSOLEGEN_MAX_{name}={raw!r} must be a positive number")
    return value


def refuse_over(what: str, value: float, name: str, source, unit: str = "") -> None:
    """InvalidInput when ``value`` exceeds the limit ``name``: it names the file, the value, the limit
    and how to raise it."""
    cap = limit(name)
    if value > cap:
        raise InvalidInput(f"{source}: {what} is {_number(value)}{unit}, over the limit of {_number(cap)}{unit} "
                           f"(raise it with INSOLEGEN_MAX_{name}=...)")


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def check_file_size(path: str | Path, name: str) -> int:
    """The file's size in bytes, refused over the limit ``name`` (in MB or kB as the name says)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    scale = 1 << 20 if name.endswith("_MB") else 1 << 10
    refuse_over("the file's size", size / scale, name, path, " MB" if name.endswith("_MB") else " kB")
    return size

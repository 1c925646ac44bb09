"""Reading a mesh file for measurement: STL (binary or ASCII), 3MF, OBJ, PLY; mm or metres.

Every failure is an ``InvalidInput`` naming the file and what was wrong with it, never a
traceback from a parser.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import bounds
from insolegen.limits import check_file_size, refuse_over

FORMATS = (".stl", ".3mf", ".obj", ".ply")
UNIT_SCALE = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}
INSOLE_EXTENT_MM = (60.0, 450.0)      # the longest extent of anything that could be an insole


@dataclass(frozen=True)
class MeshPart:
    """One object of a file, in mm."""
    name: str
    vertices: np.ndarray
    faces: np.ndarray


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    format: str
    units: str
    units_how: str
    parts: list[MeshPart]


_MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"%PDF": "a PDF document",
          b"PK\x03\x04": "a zip archive (a 3MF?)", b"ply": "a PLY mesh", b"GIF8": "a GIF image"}


def _sniff(data: bytes) -> str:
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return f" (it looks like {what})"
    return ""


def _check_stl(path: Path, data: bytes) -> None:
    """A binary STL's size must match its triangle count; an ASCII one must hold facets and end."""
    if len(data) >= 84:
        count = int.from_bytes(data[80:84], "little")
        if len(data) == 84 + 50 * count:
            if count == 0:
                raise InvalidInput(f"{path}: the STL holds no triangles")
            return
    head = data[:512].lstrip().lower()
    if head.startswith(b"solid"):
        text = data.lower()
        if b"facet" not in text:
            raise InvalidInput(f"{path}: the ASCII STL holds no triangles")
        if b"endsolid" not in text[-512:]:
            raise InvalidInput(f"{path}: the ASCII STL is truncated (no 'endsolid' at its end)")
        return
    if len(data) < 84:
        raise InvalidInput(f"{path}: not an STL: {len(data)} bytes is shorter than a binary STL's header{_sniff(data)}")
    count = int.from_bytes(data[80:84], "little")
    raise InvalidInput(
        f"{path}: not a valid STL{_sniff(data)}: its binary header says {count} triangles, which needs "
        f"{84 + 50 * count} bytes, but the file has {len(data)} (truncated or not an STL)"
    )


def _check_size_before_parsing(path: Path, fmt: str, data: bytes) -> None:
    """What the file will ask of the parser, read cheaply before it runs: a binary STL's triangle
    count, an OBJ's face lines, a PLY's declared faces, a 3MF's unzipped size."""
    if fmt == ".stl" and _is_binary_stl(data):
        refuse_over("the number of triangles", int.from_bytes(data[80:84], "little"), "TRIANGLES", path)
    elif fmt == ".obj":
        refuse_over("the number of faces", data.count(b"\nf "), "TRIANGLES", path)
    elif fmt == ".ply":
        declared = re.search(rb"element\s+face\s+(\d+)", data[:4096])
        if declared:
            refuse_over("the number of faces", int(declared.group(1)), "TRIANGLES", path)
    elif fmt == ".3mf":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError) as exc:
            raise InvalidInput(f"{path}: not a 3MF (not a readable zip archive: {exc})") from None
        refuse_over("the 3MF's unzipped content", unzipped / (1 << 20), "UNZIPPED_MB", path, " MB")


def _is_binary_stl(data: bytes) -> bool:
    return len(data) >= 84 and len(data) == 84 + 50 * int.from_bytes(data[80:84], "little")


def _binary_stl(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(corner vertices, faces) straight from the records: normal, three corners, attribute.
    The corners are not merged here (merge_vertices does that for whoever needs it)."""
    record = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
    triangles = np.frombuffer(data, dtype=record, offset=84)
    vertices = np.empty((3 * len(triangles), 3))
    vertices.reshape(-1, 3, 3)[:] = triangles["corners"]     # converted in place: no float32 copy on the way
    return vertices, np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)


SLIC3R_CONFIG = "Metadata/Slic3r_PE_model.config"


def _model_parts(data: bytes) -> dict[str, list[tuple[int, int]]]:
    """A PrusaSlicer 3MF's config: object name -> the triangle ranges of its parts (its
    modifier volumes, zones of other print settings, are not the object's shape). {} without one."""
    import xml.etree.ElementTree as ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if SLIC3R_CONFIG not in archive.namelist():
            return {}
        root = ElementTree.fromstring(archive.read(SLIC3R_CONFIG))
    found = {}
    for obj in root.iter("object"):
        name = next((m.get("value") for m in obj.findall("metadata") if m.get("key") == "name"), None)
        ranges = []
        for volume in obj.findall("volume"):
            kind = next((m.get("value") for m in volume.findall("metadata") if m.get("key") == "volume_type"), "ModelPart")
            if kind == "ModelPart":
                ranges.append((int(volume.get("firstid")), int(volume.get("lastid"))))
        if name is not None:
            found[name] = ranges
    return found


def _only(vertices: np.ndarray, faces: np.ndarray, ranges: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    keep = np.concatenate([np.arange(a, b + 1) for a, b in ranges]) if ranges else np.arange(len(faces))
    faces = faces[keep[keep < len(faces)]]
    used, inverse = np.unique(faces, return_inverse=True)
    return vertices[used], inverse.reshape(faces.shape)


def _parts(loaded, fmt: str, model_parts: dict | None = None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, vertices, faces) per object: a 3MF's objects stay apart (a pair of insoles), any
    other format is one mesh; ``model_parts`` (a PrusaSlicer 3MF's) leaves out modifier volumes."""
    import trimesh

    if isinstance(loaded, trimesh.Trimesh):
        return [("mesh", np.asarray(loaded.vertices, float), np.asarray(loaded.faces, np.int64))]
    if not isinstance(loaded, trimesh.Scene):       # points or lines only: no surface
        return []
    parts = []
    for node in loaded.graph.nodes_geometry:
        transform, geometry = loaded.graph[node]
        mesh = loaded.geometry[geometry]
        if not isinstance(mesh, trimesh.Trimesh) or not len(mesh.faces):
            continue
        v = trimesh.transform_points(np.asarray(mesh.vertices, float), transform)
        f = np.asarray(mesh.faces, np.int64)
        if model_parts and str(geometry) in model_parts:
            v, f = _only(v, f, model_parts[str(geometry)])
        parts.append((str(node), v, f))
    if fmt != ".3mf" and len(parts) > 1:
        offsets = np.cumsum([0] + [len(p[1]) for p in parts[:-1]])
        parts = [("mesh", np.vstack([p[1] for p in parts]), np.vstack([p[2] + o for p, o in zip(parts, offsets)]))]
    return parts


def load_mesh_file(path: str | Path, units: str | None = None) -> LoadedFile:
    """Read a mesh file into parts in mm. ``units`` overrides the detection (mm unless the mesh
    is far too small for an insole in mm, when it is taken as metres, and said)."""
    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"{path}: unsupported mesh format {fmt or '(no extension)'!r}; use {', '.join(FORMATS)}")
    if units is not None and units not in UNIT_SCALE:
        raise InvalidInput(f"units {units!r} is not one of {', '.join(UNIT_SCALE)}")
    check_file_size(path, "MESH_MB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if not data.strip():
        raise InvalidInput(f"{path}: the file is empty")
    if fmt == ".stl":
        _check_stl(path, data)
    _check_size_before_parsing(path, fmt, data)
    try:
        if fmt == ".stl" and _is_binary_stl(data):
            parts = [("mesh", *_binary_stl(data))]
        else:
            import trimesh  # not for binary STL: its import alone takes most of a second

            parts = _parts(trimesh.load(io.BytesIO(data), file_type=fmt[1:], process=False), fmt,
                           _model_parts(data) if fmt == ".3mf" else None)
    except InvalidInput:
        raise
    except Exception as exc:   # any parser failure: name the file and the format, not the parser's internals
        raise InvalidInput(f"{path}: could not be read as {fmt[1:].upper()}{_sniff(data)}: {exc}") from None
    del data       # a large scan's bytes need not outlive its parsing
    parts = [p for p in parts if len(p[2])]
    if not parts:
        raise InvalidInput(f"{path}: the file holds no triangles")
    refuse_over("the number of triangles", sum(len(p[2]) for p in parts), "TRIANGLES", path)
    for name, v, _ in parts:
        if not np.isfinite(np.concatenate(bounds(v))).all():     # min and max are NaN or inf if any vertex is
            raise InvalidInput(f"{path}: object {name!r} has vertices that are not finite numbers (NaN or inf)")

    extent = max(float(np.max(np.subtract(*bounds(v)[::-1]))) for _, v, _ in parts)
    if units is not None:
        how = "given"
    elif INSOLE_EXTENT_MM[0] <= extent * 1000.0 <= INSOLE_EXTENT_MM[1]:   # far too small for mm
        units, how = "m", f"detected: largest extent {extent:.4g} is a foot's or an insole's size in metres, not in mm"
    else:
        units, how = "mm", "assumed (the usual unit of mesh files)"
    scale = UNIT_SCALE[units]
    mm = extent * scale
    if not INSOLE_EXTENT_MM[0] <= mm <= INSOLE_EXTENT_MM[1]:
        raise InvalidInput(
            f"{path}: not an insole: its largest extent is {mm:.1f} mm in {units} ({how}); an insole is "
            f"{INSOLE_EXTENT_MM[0]:g}-{INSOLE_EXTENT_MM[1]:g} mm long. If the file is in other units, give --units"
        )
    return LoadedFile(path, fmt[1:], units, how,
                      [MeshPart(name, v if scale == 1.0 else v * scale, f) for name, v, f in parts])

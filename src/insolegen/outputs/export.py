"""Files out: binary STL, 3MF (both devices as named objects, mm), the design record (JSON).
Every file is written atomically: a temporary file in the same folder, then a rename, so a
failed or interrupted run never leaves a half-written file. Output bytes depend only on the
inputs (no timestamps), so the same inputs give identical files. `safe_name` makes a case name
safe for any file system."""
from __future__ import annotations

import io
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def stl_bytes(vertices: np.ndarray, faces: np.ndarray, label: str) -> bytes:
    tri = vertices[faces].astype(np.float32)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
    record = np.zeros(len(faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    record["n"], record["v"] = normals, tri
    header = f"insolegen {label}".encode("ascii", "replace")[:80].ljust(80, b" ")
    return header + np.uint32(len(faces)).tobytes() + record.tobytes()


def _xml_mesh(vertices: np.ndarray, faces: np.ndarray) -> str:
    # one %-format over a repeated template: a few times faster than formatting row by row
    v = ('<vertex x="%.4f" y="%.4f" z="%.4f"/>' * len(vertices)) % tuple(vertices.ravel().tolist())
    t = ('<triangle v1="%d" v2="%d" v3="%d"/>' * len(faces)) % tuple(faces.ravel().tolist())
    return f"<mesh><vertices>{v}</vertices><triangles>{t}</triangles></mesh>"


def threemf_bytes(objects: list[tuple[str, np.ndarray, np.ndarray]]) -> bytes:
    """A 3MF package (core spec 1.x) holding each (name, vertices, faces) as an object, in mm,
    placed side by side on the build plate."""
    parts, items, x_shift = [], [], 0.0
    for k, (name, vertices, faces) in enumerate(objects, start=1):
        parts.append(f'<object id="{k}" name="{name}" type="model">{_xml_mesh(vertices, faces)}</object>')
        lo, hi = vertices.min(axis=0), vertices.max(axis=0)
        dy = x_shift - lo[1]
        items.append(f'<item objectid="{k}" transform="1 0 0 0 1 0 0 0 1 0 {dy:.4f} 0"/>')
        x_shift += (hi[1] - lo[1]) + 10.0
    model = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<model unit="millimeter" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">'
        '<metadata name="Application">insolegen</metadata>'
        f'<resources>{"".join(parts)}</resources><build>{"".join(items)}</build></model>'
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
        'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>'
    )
    buffer = io.BytesIO()
    # deflate level 1: a quarter of the time of the default for a file a quarter larger
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("3D/3dmodel.model", model)):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"), compresslevel=1)
    return buffer.getvalue()


def record_bytes(record: dict) -> bytes:
    return (json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def refuse_existing(paths, force: bool) -> None:
    """InvalidInput naming the first path that exists (unless ``force``) or is not a plain file."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder; it cannot be overwritten with a file")
        if path.exists() and not force:
            raise InvalidInput(f"{path} exists; use --force to overwrite")


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file atomically; the data is all in memory before the first write."""
    for path, data in files.items():
        write_atomic(path, data)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """A file name made of ASCII letters, digits, '.', '_' and '-' (at most 100 characters, not
    starting or ending with a dot, '_' or '-'): accents are dropped (Müller -> Muller), every run
    of anything else becomes one '_' ("Smith J (L)" -> "Smith_J_L")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = _UNSAFE.sub("_", ascii_text).strip("._-")[:100].rstrip("._-")
    return name or "case"

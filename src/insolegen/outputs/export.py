"""Files out: binary STL, 3MF (both devices as named objects, mm), the design record (JSON).
Every file is written atomically: a temporary file in the same folder, then a rename, so a
failed or interrupted run never leaves a half-written file. A case's files go in as one unit
(``case_unit``): built in a hidden staging folder, then moved in together under the folder's
lock, so two runs into one folder never leave a mixed pair. What a killed run left is removed
by the next (``remove_stale``). Output bytes depend only on the
inputs (no timestamps), so the same inputs give identical files. `safe_name` makes a case name
safe for any file system."""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import row_norms
from insolegen.measure.load import SLIC3R_CONFIG  # the reader leaves out what this writer marks a modifier
from insolegen.outputs.deflate import zip_archive


def escape(text: str) -> str:
    """Text for an XML attribute in double quotes (as xml.sax.saxutils would make it: that
    module brings urllib and ssl with it, 7 ms of every command's start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def stl_bytes(vertices: np.ndarray, faces: np.ndarray, label: str) -> bytes:
    tri = vertices[faces].astype(np.float32)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    lengths = row_norms(normals)[:, None]
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


def _volumes_config(objects, modifiers) -> str:
    """PrusaSlicer's model config (``Metadata/Slic3r_PE_model.config``): which of each object's
    triangles are the part and which a modifier volume, and each modifier's settings."""
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', "<config>"]
    for k, ((name, _, faces), mods) in enumerate(zip(objects, modifiers), start=1):
        rows.append(f'<object id="{k}" instances_count="1"><metadata type="object" key="name" value="{escape(name)}"/>')
        first, last = 0, len(faces) - 1
        rows.append(f'<volume firstid="{first}" lastid="{last}"><metadata type="volume" key="name" value="{escape(name)}"/>'
                    '<metadata type="volume" key="volume_type" value="ModelPart"/></volume>')
        for mod_name, _, mod_faces, settings in mods:
            first, last = last + 1, last + len(mod_faces)
            kind = settings.get("volume_type", "ParameterModifier")      # a part of its own (a printed cover) or a modifier
            keys = "".join(f'<metadata type="volume" key="{escape(key)}" value="{escape(value)}"/>'
                           for key, value in settings.items() if key != "volume_type")
            flag = '<metadata type="volume" key="modifier" value="1"/>' if kind == "ParameterModifier" else ""
            rows.append(f'<volume firstid="{first}" lastid="{last}"><metadata type="volume" key="name" value="{escape(mod_name)}"/>'
                        f'<metadata type="volume" key="volume_type" value="{kind}"/>{flag}{keys}</volume>')
        rows.append("</object>")
    rows.append("</config>")
    return "\n".join(rows) + "\n"


def threemf_bytes(objects: list[tuple[str, np.ndarray, np.ndarray]], placements=None, modifiers=None) -> bytes:
    """A 3MF package (core spec 1.x) holding each (name, vertices, faces) as an object, in mm.
    ``placements`` (``measure.printing.Placed``, one per object) put each on the bed, turned
    about the vertical and moved; without them the objects lie side by side. ``modifiers`` (one
    list per object of (name, vertices, faces, {slicer key: value})): modifier volumes in
    PrusaSlicer's form (or, with ``volume_type`` ModelPart, a part of its own: a printed cover), their triangles after the part's in the object's mesh and told apart
    in ``Metadata/Slic3r_PE_model.config`` (read by PrusaSlicer and its forks)."""
    parts, items, x_shift = [], [], 0.0
    zoned = bool(modifiers) and any(modifiers)
    for k, (name, vertices, faces) in enumerate(objects, start=1):
        if zoned:
            mods = modifiers[k - 1]
            offsets = np.cumsum([len(vertices)] + [len(m[1]) for m in mods])
            vertices = np.vstack([vertices] + [m[1] for m in mods])
            faces = np.vstack([faces] + [m[2] + o for m, o in zip(mods, offsets[:-1])])
        parts.append(f'<object id="{k}" name="{name}" type="model">{_xml_mesh(vertices, faces)}</object>')
        if placements is not None:
            p = placements[k - 1]
            c, s = np.cos(np.radians(p.turn_deg)), np.sin(np.radians(p.turn_deg))
            # 3MF: a point (row) times the matrix; rows x, y, z, then the move
            items.append(f'<item objectid="{k}" transform="{c:.6f} {s:.6f} 0 {-s:.6f} {c:.6f} 0 0 0 1 '
                         f'{p.x_mm:.4f} {p.y_mm:.4f} 0"/>')
            continue
        lo, hi = vertices.min(axis=0), vertices.max(axis=0)
        dy = x_shift - lo[1]
        items.append(f'<item objectid="{k}" transform="1 0 0 0 1 0 0 0 1 0 {dy:.4f} 0"/>')
        x_shift += (hi[1] - lo[1]) + 10.0
    slic3r = (' xmlns:slic3rpe="http://schemas.slic3r.org/3mf/2017/06"', '<metadata name="slic3rpe:Version3mf">1</metadata>') if zoned else ("", "")
    model = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<model unit="millimeter" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02"{slic3r[0]}>'
        f'<metadata name="Application">insolegen</metadata>{slic3r[1]}'
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
    entries = [("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("3D/3dmodel.model", model)]
    if zoned:
        entries.append((SLIC3R_CONFIG, _volumes_config(objects, modifiers)))
    return zip_archive([(name, text.encode("utf-8")) for name, text in entries])


def record_bytes(record: dict) -> bytes:
    return (json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")


def check_out_dir(path: Path, option: str = "--out") -> Path:
    """InvalidInput when files cannot be written in ``path`` (made later if missing): a file
    where the folder should be, a name too long for the file system, a parent that is a file or
    not writable. Nothing is created here."""
    path = Path(path)
    if len(os.fsencode(str(path.absolute()))) > 4000 or any(len(os.fsencode(part)) > 255 for part in path.parts):
        raise InvalidInput(f"{option} {str(path)[:80]}…: the path is too long for the file system")
    if path.exists() and not path.is_dir():
        raise InvalidInput(f"{option} {path} is a file, not a folder")
    existing = path
    while not existing.exists():
        if existing.is_symlink():
            raise InvalidInput(f"{option} {path}: {existing} is a broken link")
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidInput(f"{option} {path}: {existing} is a file, so no folder can be made under it")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInput(f"{option} {path}: {existing} is not writable")
    return path


def write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent)
        _write_atomic(path, data)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write the file: {exc.strerror or exc}") from None


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)      # held while the file is ours: a later run can tell it is not stale
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


TMP_SUFFIX = ".tmp"
STAGE_PREFIX = ".insolegen-stage-"
STALE_AFTER_S = 2.0           # an unlocked temporary this old belongs to a run that was killed
LOCK_WAIT_S = 120.0           # how long a writer waits for another to finish moving a case in


def remove_stale(folder: Path) -> None:
    """Remove what runs killed mid-write left in ``folder``: temporary files and staging folders
    whose writer no longer holds their lock (and that are old enough not to be just starting)."""
    now = time.time()
    for entry in list(folder.glob(f".*{TMP_SUFFIX}")) + list(folder.glob(f"{STAGE_PREFIX}*")):
        try:
            if now - entry.stat().st_mtime < STALE_AFTER_S:      # its writer may not have locked it yet
                continue
        except OSError:
            continue                  # gone already
        try:
            with open(entry / ".owner" if entry.is_dir() else entry, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue                  # its writer is alive
        except OSError:
            pass                      # a staging folder whose run was killed before it made its owner file
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


@contextmanager
def folder_lock(folder: Path, wait_s: float = LOCK_WAIT_S, what: str = "another insolegen run"):
    """An exclusive lock on ``folder`` (flock on the folder itself: nothing is left behind);
    InvalidInput when it stays taken for ``wait_s`` seconds (0: do not wait)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InvalidInput(f"{folder} is in use by {what}; try again when it has finished") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


# every file a case can have, as CASE + suffix: a case is one design, all of these from it
CASE_SUFFIXES = (".json", ".3mf", "_left.stl", "_right.stl", "_left.3mf", "_right.3mf", "_preview.png", "_view.html",
                 "_report.pdf", "_thumb.png", "_left_cover.dxf", "_right_cover.dxf", "_left_cover.svg", "_right_cover.svg")


def other_case_files(out_dir: Path, case: str, writing) -> list[Path]:
    """The files of case ``case`` already in ``out_dir`` that a write of the names ``writing``
    would leave beside its new files: another design's, which the case would then mix with."""
    writing = set(writing)
    return [out_dir / (case + s) for s in CASE_SUFFIXES
            if (case + s) not in writing and (out_dir / (case + s)).is_file()]


def refuse_mixing(out_dir: Path, case: str, writing, force: bool) -> list[Path]:
    """InvalidInput when writing ``writing`` into ``out_dir`` would leave files of another design
    of ``case`` beside them (a record beside another design's STL), unless ``force``; returns
    those files (``force`` removes them when the new ones go in)."""
    others = other_case_files(out_dir, case, writing)
    if others and not force:
        names = ", ".join(p.name for p in others)
        raise InvalidInput(f"{out_dir} holds {names} of case {case} from another design; writing "
                           f"{', '.join(sorted(writing))} beside {'them' if len(others) > 1 else 'it'} would mix two "
                           "designs in one case. Use --force to replace the whole case (those files are removed), "
                           "or write to another folder")
    return others


@contextmanager
def case_unit(out_dir: Path, force: bool, option: str = "--out", case: str | None = None):
    """A case's files as one unit: the caller writes them into the staging folder this yields
    (inside ``out_dir``, hidden); on a clean exit they are moved in together under ``out_dir``'s
    lock, existence re-checked at that moment (InvalidInput, nothing moved, unless ``force``),
    the design record (.json) last. With ``case`` (the case's name), files of that case from
    another design are refused too (``refuse_mixing``), or with ``force`` removed, so the folder
    never holds two designs of one case. On any error or signal nothing is moved and the staging
    folder goes."""
    out_dir = check_out_dir(out_dir, option)
    stage = None
    # a stop signal (SIGTERM, Ctrl-C) is held while the staging folder is made and named: arriving
    # between the two it would leave a folder no ``finally`` knows of; held, it lands inside the try
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    held = signal.pthread_sigmask(signal.SIG_BLOCK, stops) if threading.current_thread() is threading.main_thread() else None
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            remove_stale(out_dir)
            stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out_dir))
        except OSError as exc:
            raise InvalidInput(f"{option} {out_dir}: cannot write there: {exc.strerror or exc}") from None
        finally:
            if held is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        with open(stage / ".owner", "wb") as owner:
            fcntl.flock(owner, fcntl.LOCK_EX)
            yield stage
            files = sorted((p for p in stage.iterdir() if p.name != ".owner"), key=lambda p: (p.suffix == ".json", p.name))
            with folder_lock(out_dir):
                refuse_existing([out_dir / p.name for p in files], force)
                stale = refuse_mixing(out_dir, case, [p.name for p in files], force) if case else []
                for p in stale:
                    p.unlink(missing_ok=True)
                for p in files:
                    os.replace(p, out_dir / p.name)
                _fsync_folder(out_dir)
    except OSError as exc:
        raise InvalidInput(f"{option} {out_dir}: cannot write there: {exc.strerror or exc}") from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def write_case(out_dir: Path, case: str, files: dict[str, bytes], *, force: bool, option: str = "--out",
               draw=None) -> list[Path]:
    """The one writer of a case's files (the CLI, the Python API and the batch): ``files`` and
    what ``draw(stage)`` renders from them as staged (a preview, a view, a report read the record
    and meshes as written; it returns the paths it wrote) go in as one unit (``case_unit``), never
    beside another design's files of the same case. Returns the paths, the record last."""
    refuse_existing([Path(out_dir) / fn for fn in files], force)             # before any drawing
    with case_unit(Path(out_dir), force, option, case=case) as stage:
        staged = write_files(stage, files)
        if draw is not None:
            staged += draw(stage)
    return [Path(out_dir) / p.name for p in sorted(staged, key=lambda p: p.suffix == ".json")]


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Plain writes into a staging folder (the unit's atomicity comes from the move)."""
    written = []
    for name, data in files.items():
        if Path(name).name != name or name.startswith("."):
            raise InvalidInput(f"refused to write {name!r}: not a plain file name")
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


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

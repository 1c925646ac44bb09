"""Batch: a folder of case folders in, each case's design files and a manifest out.

A case folder holds its foot input (``left.*`` and/or ``right.*``, or one file whose side is
detected, or one image of both feet) and optionally ``prescription.toml``. Here: finding the
cases, running one case to the bytes of its files (``run_case``, what a worker runs), deciding
whether a case is already done (``up_to_date``) and writing a case's files and the manifest
safely. Where the cases run (in this process, a process pool, a Dask cluster) is
``batch_exec``'s business; the CLI only shows progress.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from insolegen import __version__
from insolegen.errors import InsolegenError, InvalidInput
from insolegen.feet.kinds import IMAGE_SUFFIXES, OUTLINE_SUFFIXES, SCAN_SUFFIXES
from insolegen.outputs import export
from insolegen.outputs.drawn import Drawn
from insolegen.outputs.export import safe_name, write_atomic
from insolegen.outputs.readings import device_size, verification_of

PRESCRIPTION_FILE = "prescription.toml"
PRESSURE_FILE = "pressure.csv"      # a case's pressure recording for offloading ([input] pitch_mm gives its pitch)
SHOE_STEM = "shoe"                  # a case's shoe.csv / .json / .svg / .dxf / .png / .jpg: the sock-liner (--shoe)
FOOT_SUFFIXES = OUTLINE_SUFFIXES + SCAN_SUFFIXES + IMAGE_SUFFIXES    # pressure recordings are .csv
INPUT_KEYS = {"units": str, "dpi": (int, float), "pitch_mm": (int, float), "contour": str, "accept_foot": bool, "accept_shoe": bool,
              "accept_landmarks": bool, "pressure_stat": str, "pressure_unit": str}     # accept_landmarks: accept_foot's old name
LANDMARKS_FILE = "landmarks.json"    # a clinician's corrections beside the case (as [landmarks] in its prescription.toml)
INPUT_RANGES = {"dpi": (50.0, 4800.0), "pitch_mm": (1.0, 20.0)}      # as --dpi and --pitch-mm
MANIFEST_FIELDS = ("case", "side", "status", "message", "folder", "inputs", "outputs", "length_mm", "width_mm",
                   "height_mm", "min_thickness_mm", "volume_cm3", "arch_apex_height_mm", "checks_passed", "seconds")


@dataclass(frozen=True)
class BatchOptions:
    """What applies to every case: the default profile (a case's ``profile`` wins), overrides
    (they win over a case's own fields), whether to write the report, its date, and the material
    and printer its mass and printability verdict are for."""
    profile: str | None = None
    overrides: tuple[str, ...] = ()
    report: bool = False
    html: bool = True                # CASE_view.html, the case's 3D view, for the review page
    date: str | None = None          # ISO date printed on every report of the run
    material: str = "tpu95a"
    printer: str = "generic"


@dataclass(frozen=True)
class CaseSpec:
    name: str                                   # a safe file name, from the folder's name
    folder: Path
    foot_files: tuple[tuple[str | None, Path], ...] = ()   # (side if the file name says it, path)
    prescription: Path | None = None
    problem: str | None = None                  # why the case cannot run (found without designing)
    note: str | None = None                     # e.g. the name was made safe
    pressure: Path | None = None                # the case's pressure.csv, when it has one beside its foot
    shoe: Path | None = None                    # the case's shoe.* (the sock-liner's tracing or photo), when it has one

    @property
    def sides(self) -> tuple[str, ...]:
        named = [side for side, _ in self.foot_files if side]
        return tuple(named) if len(named) == 2 else ("left", "right")


@dataclass
class CaseOutcome:
    name: str
    status: str                                 # ok, failed, skipped
    message: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    record: dict | None = None
    seconds: float = 0.0


def discover(scans: Path) -> list[CaseSpec]:
    """Every case folder under ``scans`` (sorted by name); hidden entries are passed over."""
    scans = Path(scans)
    if not scans.is_dir():
        raise InvalidInput(f"{scans}: not a folder of case folders")
    specs: list[CaseSpec] = []
    taken: dict[str, str] = {}
    for entry in sorted(scans.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        name = safe_name(entry.name)
        note = None if name == entry.name else f"named {name}: the folder name {entry.name!r} is not a safe file name"
        if _leaves(entry, scans):
            specs.append(CaseSpec(name, entry, problem="a link that leads outside the scans folder: refused"))
            continue
        if not entry.is_dir():
            specs.append(CaseSpec(name, entry, problem="not a case folder (a case is a folder holding the foot input)"))
            continue
        if name.lower() in taken:
            specs.append(CaseSpec(name, entry, problem=f"its safe name {name!r} is already the name of the case in "
                                                       f"folder {taken[name.lower()]!r}; rename one of them"))
            continue
        taken[name.lower()] = entry.name
        specs.append(_case_in(entry, name, note))
    return specs


def _leaves(path: Path, scans: Path) -> bool:
    """Whether ``path`` (a link, or inside one) resolves to somewhere outside ``scans``."""
    root = scans.resolve()
    return path.resolve() != root and root not in path.resolve().parents


def _case_in(folder: Path, name: str, note: str | None) -> CaseSpec:
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    outside = [p.name for p in entries if _leaves(p, folder.parent)]
    if outside:
        return CaseSpec(name, folder, problem=f"{', '.join(sorted(outside))}: a link that leads outside the scans folder: refused",
                        note=note)
    # landmarks.json is a clinician's corrections, not an outline
    files = sorted(p for p in entries if p.is_file() and p.suffix.lower() in FOOT_SUFFIXES and p.name.lower() != LANDMARKS_FILE)
    pressure = next((p for p in files if p.name.lower() == PRESSURE_FILE), None)
    if pressure is not None and len(files) > 1:
        files.remove(pressure)          # beside a foot file it is the recording for offloading; alone it is the foot
    else:
        pressure = None
    shoe = next((p for p in files if p.stem.lower() == SHOE_STEM), None)
    if shoe is not None:
        files.remove(shoe)              # the shoe's sock-liner: the outline's limit, never a foot
    sided = {p.stem.lower(): p for p in files if p.stem.lower() in ("left", "right")}
    prescription = folder / PRESCRIPTION_FILE if (folder / PRESCRIPTION_FILE).is_file() else None
    if sided:
        others = [p.name for p in files if p not in sided.values()]
        if len(sided) != sum(p.stem.lower() in ("left", "right") for p in files):
            problem = f"more than one file per side: {', '.join(p.name for p in files)}"
        elif others:
            problem = f"{', '.join(others)} beside {', '.join(p.name for p in sided.values())}: keep only left.* and right.*"
        else:
            problem = None
        return CaseSpec(name, folder, tuple((side, sided[side]) for side in ("left", "right") if side in sided),
                        prescription, problem, note, pressure=pressure, shoe=shoe)
    if len(files) == 1:
        return CaseSpec(name, folder, ((None, files[0]),), prescription, None, note, pressure=pressure, shoe=shoe)
    problem = ("no foot input (left.*, right.*, or one scan, outline, image or pressure file: "
               f"{', '.join(FOOT_SUFFIXES)})" if not files else
               f"{len(files)} foot files ({', '.join(p.name for p in files)}): name them left.* and right.*, or keep one")
    return CaseSpec(name, folder, (), prescription, problem, note)


def read_case_landmarks(doc, where: str) -> tuple[tuple[str, tuple[float, ...], str | None], ...]:
    """A clinician's corrections as the case request takes them, from ``{NAME: [x, y(, z)]}`` or
    ``{"left": {...}, "right": {...}}`` (points in the input's own coordinates)."""
    if not isinstance(doc, dict):
        raise InvalidInput(f"{where}: landmarks must be a table of NAME = [x, y] (or left/right tables of them)")
    found = []
    for key, value in doc.items():
        if key in ("left", "right") and isinstance(value, dict):
            found += [(name, coords, key) for name, coords, _ in read_case_landmarks(value, f"{where} {key}")]
            continue
        ok = isinstance(value, list) and len(value) in (2, 3) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        if not ok:
            raise InvalidInput(f"{where}: landmark {key} = {value!r}: expected [x, y] (or [x, y, z] for a 3D scan) in the "
                               "input's own coordinates")
        found.append((key, tuple(float(v) for v in value), None))
    return tuple(found)


def read_landmarks_file(path: Path) -> tuple[tuple[str, tuple[float, ...], str | None], ...]:
    from insolegen.limits import check_file_size

    check_file_size(path, "OUTLINE_MB")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not readable JSON ({exc})") from None
    return read_case_landmarks(doc, str(path))


def read_case_prescription(path: Path | None) -> tuple[str | None, dict, dict]:
    """(profile name or None, the case's prescription fields, its [input] settings); its
    [landmarks] come under the settings' ``landmarks``."""
    if path is None:
        return None, {}, {}
    from insolegen.device.profiles import read_toml

    doc = read_toml(path)
    profile = doc.pop("profile", None)
    if profile is not None and (not isinstance(profile, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", profile)):
        # a case names one of the lab's profiles; it never points at a file
        raise InvalidInput(f"{path}: profile = {profile!r}: give the name of a profile (see `insolegen profiles`)")
    settings = doc.pop("input", {})
    landmarks = read_case_landmarks(doc.pop("landmarks"), f"{path}: [landmarks]") if "landmarks" in doc else ()
    if not isinstance(settings, dict):
        raise InvalidInput(f"{path}: input must be a table ([input])")
    check_input_settings(settings, f"{path}: [input]")
    return profile, doc, {**settings, "landmarks": landmarks}


def check_input_settings(settings: dict, where: str) -> None:
    """Refuse an unknown reading setting, a value of the wrong kind or out of range, naming ``where``."""
    for key, value in settings.items():
        if key not in INPUT_KEYS:
            raise InvalidInput(f"{where} {key}: not one of {', '.join(INPUT_KEYS)}")
        expected = INPUT_KEYS[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            kind = {bool: "true or false", str: "string"}.get(expected, "number")
            raise InvalidInput(f"{where} {key} = {value!r}: expected a {kind}")
        if key in INPUT_RANGES and not (math.isfinite(value) and INPUT_RANGES[key][0] <= value <= INPUT_RANGES[key][1]):
            lo, hi = INPUT_RANGES[key]
            raise InvalidInput(f"{where} {key} = {value!r} is out of range {lo:g} … {hi:g}")


def case_request(spec: CaseSpec, options: BatchOptions):
    from insolegen.case import CaseRequest

    profile, layer, settings = read_case_prescription(spec.prescription)
    common = dict(profile=profile or options.profile, overrides=tuple(options.overrides), case_layer=layer or None,
                  case_layer_file=spec.prescription,
                  name=spec.name, units=settings.get("units"), dpi=settings.get("dpi"),
                  pitch_mm=settings.get("pitch_mm"), contour=settings.get("contour", "flat"),
                  accept_foot=settings.get("accept_foot", settings.get("accept_landmarks", False)), printer=options.printer,
                  landmarks=settings.get("landmarks", ()) + _landmarks_beside(spec),
                  pressure_file=spec.pressure, pressure_statistic=settings.get("pressure_stat", "peak"),
                  pressure_unit=settings.get("pressure_unit"), shoe_file=spec.shoe,
                  accept_shoe=settings.get("accept_shoe", False))
    if len(spec.foot_files) == 2:
        return CaseRequest(foot_files=tuple((side, path) for side, path in spec.foot_files), **common)
    side, path = spec.foot_files[0]
    return CaseRequest(foot_file=path, foot_side=side, **common)


def _landmarks_beside(spec: CaseSpec) -> tuple:
    path = spec.folder / LANDMARKS_FILE
    return read_landmarks_file(path) if path.is_file() else ()


def fingerprint(spec: CaseSpec, options: BatchOptions) -> str:
    """What a case's outputs depend on: the tool version, the run's options, every input file's
    bytes and the profiles' bytes. Equal fingerprints: the outputs on disk may be kept."""
    from insolegen.device.profiles import profiles_dir

    digest = hashlib.sha256()
    parts = {"tool": __version__, "profile": options.profile, "overrides": list(options.overrides),
             "report": options.report, "html": options.html, "printer": options.printer}
    if options.report:
        parts.update(material=options.material)
    digest.update(json.dumps(parts, sort_keys=True).encode())
    files = [p for _, p in spec.foot_files] + ([spec.prescription] if spec.prescription else [])
    files += [spec.pressure] if spec.pressure else []
    files += [spec.shoe] if spec.shoe else []
    files += [spec.folder / LANDMARKS_FILE] if (spec.folder / LANDMARKS_FILE).is_file() else []
    files += sorted(profiles_dir().glob("*.toml"))
    if options.profile and Path(options.profile).is_file():
        files.append(Path(options.profile))
    for path in files:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def run_case(spec: CaseSpec, options: BatchOptions) -> CaseOutcome:
    """Design one case to the bytes of its files (no writing where the results go). Never
    raises: a case that cannot be made comes back failed, with why."""
    start = time.perf_counter()
    try:
        if spec.problem:
            raise InvalidInput(spec.problem)
        files, record = _design_files(spec, options)
        return CaseOutcome(spec.name, "ok", spec.note or "", files, record, time.perf_counter() - start)
    except InsolegenError as exc:
        return CaseOutcome(spec.name, "failed", str(exc), seconds=time.perf_counter() - start)
    except Exception as exc:          # a bug must not stop the other cases; it is reported as one
        return CaseOutcome(spec.name, "failed", f"internal error ({type(exc).__name__}: {exc})",
                           seconds=time.perf_counter() - start)


def _design_files(spec: CaseSpec, options: BatchOptions) -> tuple[dict[str, bytes], dict]:
    from insolegen.case import design_case
    from insolegen.outputs.scene import Shown
    from insolegen.outputs.thumbnail import thumbnail_png

    batch = {"case_folder": spec.folder.name, "input_fingerprint": fingerprint(spec, options)}
    result = design_case(case_request(spec, options), {"batch": batch})
    record, files = result.record, dict(result.files)
    scans = [p for _, p in spec.foot_files if p.suffix.lower() in SCAN_SUFFIXES]
    scan = scans[0] if len(scans) == 1 else None
    files[f"{spec.name}_thumb.png"] = thumbnail_png([Shown(side, side, d.vertices, d.faces) for side, d in result.devices.items()])
    # the view and the report drawn from the case's files as written, as `design` draws them
    drawn = Drawn(html=options.html, report=options.report, scan=scan, material=options.material, printer=options.printer,
                  date=dt.date.fromisoformat(options.date) if options.date else None)
    files.update(drawn.as_bytes(files, spec.name))
    return files, record


def case_dir(out: Path, name: str) -> Path:
    """OUT/NAME, refused if it would lie anywhere but directly in OUT (a link planted there)."""
    target = out / name
    if target.is_symlink():
        raise InvalidInput(f"{target} is a link: batch writes only into real folders inside {out}")
    if target.resolve().parent != out.resolve():
        raise InvalidInput(f"{target} resolves outside {out}")
    return target


def up_to_date(out: Path, spec: CaseSpec, options: BatchOptions) -> dict | None:
    """The design record of a case already done with these very inputs (its files all there,
    with the hashes the record gives), else None."""
    try:
        folder = case_dir(out, spec.name)
        record = json.loads((folder / f"{spec.name}.json").read_bytes())
        if record.get("tool", {}).get("version") != __version__:
            return None
        if record.get("batch", {}).get("input_fingerprint") != fingerprint(spec, options):
            return None
        for device in record["devices"].values():
            for fn, sha in device["files"].items():
                if hashlib.sha256((folder / fn).read_bytes()).hexdigest() != sha:
                    return None
        if options.report and not (folder / f"{spec.name}_report.pdf").is_file():
            return None
        if options.html and not (folder / f"{spec.name}_view.html").is_file():
            return None
        return record
    except (OSError, ValueError, KeyError, TypeError, InsolegenError):
        return None


def write_case(out: Path, outcome: CaseOutcome) -> list[Path]:
    """The case's files as one unit (``outputs.export.write_case``): all from this run or none."""
    # a case's folder holds one design: what an earlier run left there and this one does not
    # write (its report, say) goes
    return export.write_case(case_dir(out, outcome.name), outcome.name, outcome.files, force=True, option="case folder")


def manifest_rows(spec: CaseSpec, outcome: CaseOutcome, outputs: list[str]) -> list[dict]:
    """One row per side of the case."""
    record = outcome.record
    sides = list(record["devices"]) if record else list(spec.sides)
    rows = []
    for side in sides:
        row = {"case": spec.name, "side": side, "status": outcome.status, "message": outcome.message,
               "folder": spec.folder.name, "inputs": ";".join(p.name for _, p in spec.foot_files),
               "outputs": ";".join(o for o in outputs if _belongs_to(o, spec.name, side)), "seconds": round(outcome.seconds, 3)}
        if record:
            row.update(_key_measurements(record, side))
        rows.append(row)
    return rows


def _belongs_to(output: str, case: str, side: str) -> bool:
    """Every output of the case but the other side's own files (CASE_OTHER.stl, its plate)."""
    other = "right" if side == "left" else "left"
    return Path(output).name not in (f"{case}_{other}.stl", f"{case}_{other}.3mf")


def _key_measurements(record: dict, side: str) -> dict:
    device = record["devices"][side]
    verified = verification_of(record, side)
    measured = {c["quantity"]: c["measured"] for c in verified["checks"]}
    return {**device_size(record, side),
            "min_thickness_mm": device["checks"]["min_thickness_mm"],
            "volume_cm3": round(device["checks"]["volume_mm3"] / 1000.0, 3),
            "arch_apex_height_mm": measured.get("arch_apex_height_mm"),
            "checks_passed": device["checks"]["passed"] and all(c["ok"] for c in verified["checks"])}


def write_manifest(out: Path, rows: list[dict], meta: dict) -> None:
    """OUT/manifest.csv and OUT/manifest.json, each written atomically."""
    ordered = sorted(rows, key=lambda r: (r["case"], r["side"]))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=MANIFEST_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in ordered:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in MANIFEST_FIELDS})
    write_atomic(out / "manifest.csv", text.getvalue().encode())
    doc = {**meta, "rows": [{k: row.get(k) for k in MANIFEST_FIELDS} for row in ordered]}
    write_atomic(out / "manifest.json", (json.dumps(doc, indent=1) + "\n").encode())


def relative_outputs(out: Path, written: list[Path]) -> list[str]:
    return [os.path.relpath(p, out) for p in written]

"""The batch review page, OUT/index.html: one row per case with its picture, status, foot side
and length, profile, the prescribed-vs-measured checks (failures in red), the printability
verdict and links to the case's 3D view, meshes, record and report. Every link is relative, so
the folder can be moved or opened from a file share. ``write_index`` rebuilds it from what is
on disk (the manifest and each case's record), which is what `insolegen review OUT` runs."""
from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.limits import limit
from insolegen.measure.printing import DEFAULT_PRINTER, WALL_ROUNDING_MM, fits_on_bed, printer
from insolegen.outputs.export import write_atomic
from insolegen.outputs.numbers import fixed
from insolegen.outputs.readings import human_name, shoe_lines
from insolegen.record import read_record

STATUS_ORDER = {"failed": 0, "ok": 1, "skipped": 2}
LINKS = (("view", "_view.html"), ("left STL", "_left.stl"), ("right STL", "_right.stl"), ("3MF", ".3mf"),
         ("left 3MF", "_left.3mf"), ("right 3MF", "_right.3mf"), ("record", ".json"), ("report", "_report.pdf"))


def write_index(out: str | Path, printer_name: str | None = None) -> Path:
    """OUT/index.html from OUT/manifest.json and the cases' records; thumbnails missing beside
    a case's meshes (a batch from before they were made) are drawn first."""
    out = Path(out)
    manifest = _manifest(out)
    printer_name = printer_name or manifest.get("options", {}).get("printer") or DEFAULT_PRINTER
    printer(printer_name)                                    # a bad name is refused before anything is read
    cases = [_case_row(out, case, rows, printer_name) for case, rows in _by_case(manifest["rows"]).items()]
    page = index_html(cases, manifest, printer_name)
    path = out / "index.html"
    write_atomic(path, page.encode("utf-8"))
    return path


def _manifest(out: Path) -> dict:
    path = out / "manifest.json"
    if not path.is_file():
        raise InvalidInput(f"{out}: no manifest.json here; is it the --out folder of `insolegen batch`?")
    if path.stat().st_size > limit("RECORD_MB") * (1 << 20) * 20:
        raise InvalidInput(f"{path}: too large to be a batch manifest")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
            raise ValueError("no rows")
        return doc
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{path}: not a batch manifest ({exc})") from None


def _by_case(rows: list) -> dict[str, list[dict]]:
    cases: dict[str, list[dict]] = {}
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("case"), str):
            cases.setdefault(row["case"], []).append(row)
    return dict(sorted(cases.items()))


def _case_row(out: Path, case: str, rows: list[dict], printer_name: str) -> dict:
    """What the page shows of one case, read from its folder (never outside OUT)."""
    status = rows[0].get("status", "failed")
    row = {"case": case, "status": status, "message": rows[0].get("message") or "", "sides": [r.get("side") for r in rows],
           "links": [], "thumbnail": None, "checks": [], "failing": [], "printable": None, "reasons": []}
    folder = out / case
    if folder.is_symlink() or not folder.is_dir() or folder.resolve().parent != out.resolve():
        return row
    record = _record(folder / f"{case}.json")
    row["links"] = [(label, f"{quote(case)}/{quote(case + suffix)}") for label, suffix in LINKS if (folder / (case + suffix)).is_file()]
    if record is None:
        return row
    thumb = folder / f"{case}_thumb.png"
    if not thumb.is_file():
        _draw_thumbnail(folder, case, record, thumb)
    if thumb.is_file():
        row["thumbnail"] = f"{quote(case)}/{quote(thumb.name)}"
    foot = record.get("foot", {})
    row.update(foot_side=foot.get("side"), foot_length_mm=foot.get("measures", {}).get("length", {}).get("value_mm"),
               profile=record.get("inputs", {}).get("profile") or "—", devices=list(record.get("devices", {})))
    checks = record.get("prescribed_vs_measured", {}).get("checks", [])
    row["checks"] = [c for c in checks if c.get("compared")]
    row["failing"] = [c for c in row["checks"] if not c.get("ok")]
    row["printable"], row["reasons"] = record_printability(record, printer_name)
    row["shoe"] = shoe_lines(record)
    flagged = record.get("feet_compared", {}).get("flagged", [])
    row["feet_disagree"] = [str(f) for f in flagged] if isinstance(flagged, list) else []
    return row


def _record(path: Path) -> dict | None:
    """The case's record when it is one insolegen reads (its schema), else None: the row then
    shows the case without its checks."""
    try:
        if path.stat().st_size > limit("RECORD_MB") * (1 << 20):
            return None
        return read_record(path)
    except (OSError, InvalidInput):
        return None


def _draw_thumbnail(folder: Path, case: str, record: dict, path: Path) -> None:
    from insolegen.measure.load import load_mesh_file
    from insolegen.outputs.scene import Shown
    from insolegen.outputs.thumbnail import thumbnail_png

    devices = []
    for side in record["devices"]:
        stl = folder / f"{case}_{side}.stl"
        if stl.is_file():
            part = load_mesh_file(stl).parts[0]
            devices.append(Shown(side, side, part.vertices, part.faces))
    if devices:
        write_atomic(path, thumbnail_png(devices))


def record_printability(record: dict, printer_name: str) -> tuple[bool, list[str]]:
    """Whether every device of a design record prints on the printer, from the record alone:
    its mesh checks, its thinnest point against the printer's minimum wall, and its outline and
    height against the build volume at some turn (the record's own bed plan says so when it was
    made for a bed of this size; another bed's is worked out here)."""
    prn = printer(printer_name)
    reasons = []
    per_side = record.get("per_side_feet") or {}
    plan = record.get("printing") if isinstance(record.get("printing"), dict) else {}
    # the fit depends on the build volume alone, so a plan for any printer with this bed holds
    planned_here = plan.get("bed_mm") == list(prn.build_mm) and isinstance(plan.get("not_on_bed"), list)
    for side, device in record["devices"].items():
        checks = device.get("checks", {})
        if not checks.get("passed"):
            reasons.append(f"{side}: the mesh checks failed")
        thinnest = checks.get("min_thickness_mm")
        if thinnest is not None and thinnest < prn.min_wall_mm - WALL_ROUNDING_MM:
            reasons.append(f"{side}: thinnest point {thinnest:.2f} mm is below the printer's {prn.min_wall_mm:g} mm wall")
        if planned_here:
            fits = side not in plan["not_on_bed"]
        else:
            derived = per_side.get(side, {}).get("derived") or record.get("derived", {})
            outline = np.asarray(derived.get("device_outline_mm") or [], float)
            fits = True
            if outline.ndim == 2 and len(outline) >= 3:
                fits, _ = fits_on_bed(outline, float(device.get("height_mm", 0.0)), prn.build_mm)
        if not fits:
            reasons.append(f"{side}: does not fit the {' x '.join(f'{v:g}' for v in prn.build_mm)} mm build volume at any turn")
    return not reasons, reasons


# ---- the page -----------------------------------------------------------------------------------

def index_html(cases: list[dict], manifest: dict, printer_name: str) -> str:
    template = (files("insolegen") / "outputs" / "web" / "review.html").read_text(encoding="utf-8")
    counts = {s: sum(c["status"] == s for c in cases) for s in ("ok", "failed", "skipped")}
    attention = sum(_needs_a_look(c) for c in cases)
    summary = (f"{len(cases)} cases: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped; "
               f"{attention} need a look (failed, a check outside its tolerance, not printable on {printer_name}, "
               "or the two feet's landmarks disagree)")
    tool = manifest.get("tool", {}).get("version", "")
    parts = {"@ROWS@": "\n".join(_row_html(c) for c in cases), "@SUMMARY@": _e(summary),
             "@PRINTER@": _e(printer_name), "@TOOL@": _e(str(tool))}
    # one pass, so a case's text holding a placeholder's name is never filled in
    return re.sub(r"@[A-Z]+@", lambda m: parts.get(m.group(0), m.group(0)), template)


def _needs_a_look(case: dict) -> bool:
    return case["status"] == "failed" or bool(case["failing"]) or case["printable"] is False or bool(case.get("feet_disagree"))


def _row_html(c: dict) -> str:
    look = _needs_a_look(c)
    view = dict(c["links"]).get("view")
    picture = f'<img src="{_e(c["thumbnail"])}" alt="{_e(c["case"])} from above" loading="lazy">' if c["thumbnail"] else ""
    if picture and view:
        picture = f'<a href="{_e(view)}">{picture}</a>'
    status = f'<span class="status {c["status"]}">{c["status"]}</span>'
    if c["message"]:
        status += f'<div class="message">{_e(c["message"])}</div>'
    length = c.get("foot_length_mm")
    checks = _checks_html(c)
    if c["printable"] is None:
        printable, printable_key = "—", 1
    elif c["printable"]:
        printable, printable_key = '<span class="good">printable</span>', 2
    else:
        printable = '<span class="bad">not printable</span><div class="message">' + _e("; ".join(c["reasons"])) + "</div>"
        printable_key = 0
    links = " · ".join(f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in c["links"]) or "—"
    foot = f'{_e(c["foot_side"])} foot' if c.get("foot_side") else "—"
    for flag in c.get("feet_disagree", []):
        foot += f'<div class="bad">the feet disagree: {_e(flag)}</div>'
    if c.get("devices"):
        foot += f'<div class="message">{_e(" and ".join(c["devices"]))} device{"s" if len(c["devices"]) > 1 else ""}</div>'
    for line in c.get("shoe", []):              # the shoe, and what was made beyond its style (a warning)
        foot += f'<div class="{"bad" if line.startswith("Accepted beyond") else "message"}">{_e(line)}</div>'
    attrs = {"data-status": c["status"], "data-look": "1" if look else "0", "data-case": c["case"].lower(),
             "data-key-case": c["case"].lower(), "data-key-status": str(STATUS_ORDER.get(c["status"], 0)),
             "data-key-length": f"{length:.3f}" if length is not None else "",
             "data-key-profile": (c.get("profile") or "").lower(), "data-key-checks": str(len(c["failing"])),
             "data-key-printable": str(printable_key)}
    attr_text = " ".join(f'{k}="{_e(v)}"' for k, v in attrs.items())
    return (f'<tr {attr_text}{" class=look" if look else ""}><td class="pic">{picture}</td>'
            f'<td class="case">{_e(c["case"])}</td><td>{status}</td>'
            f'<td>{foot}</td>'
            f'<td class="num">{f"{length:.1f}" if length is not None else "—"}</td>'
            f'<td>{_e(c.get("profile") or "—")}</td><td>{checks}</td><td>{printable}</td><td class="links">{links}</td></tr>')


def _checks_html(c: dict) -> str:
    if not c["checks"]:
        return "—"
    passed = len(c["checks"]) - len(c["failing"])
    text = f'<span class="{"good" if not c["failing"] else "bad"}">{passed}/{len(c["checks"])} within tolerance</span>'
    for f in c["failing"]:
        text += (f'<div class="bad">{_e(human_name(f["quantity"]))}: {_e(fixed(f["measured"]))}, prescribed '
                 f'{_e(fixed(f["prescribed"]))} ± {f["tolerance"]:g}</div>')
    return text


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)

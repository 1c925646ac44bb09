"""Read foot outlines from CSV, JSON, SVG and DXF into mm (the I/O edge of outline.py).

* CSV: one ``x, y`` pair per row (comma, semicolon or tab), an optional header row.
* JSON: ``{"points": [[x, y], ...], "units": "mm", "side": "right",
  "landmarks": {"heel_center": [x, y], "mth1": [...], "mth5": [...], "navicular": [...],
  "second_toe": [...]}, "arch": {"height_mm": 18, "apex_mm": 110, "start_mm": .., "end_mm": ..,
  "navicular_height_mm": ..}}``; only ``points`` is required.
* SVG: the largest closed path (or polygon, polyline, ellipse); the document's width/height
  units and viewBox are honoured; SVG's y-down axis is flipped to y-up.
* DXF: the largest closed LWPOLYLINE, POLYLINE or SPLINE in model space; ``$INSUNITS`` is honoured.

Outlines are seen from above (a tracing on the floor, sole down).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.feet.foot import UNIT_TO_MM, ArchMeasurements, Foot, SourceFrame, foot_from_points, to_mm
from insolegen.geometry.polygon import signed_area
from insolegen.limits import check_file_size, refuse_over

FORMATS = ("csv", "json", "svg", "dxf")
_DXF_UNITS = {0: None, 1: "in", 4: "mm", 5: "cm", 6: "m"}
_SVG_PX_MM = 25.4 / 96.0


@dataclass(frozen=True)
class OutlineFile:
    points_mm: np.ndarray
    format: str
    units: str
    units_how: str
    side: str | None = None
    landmarks: dict = field(default_factory=dict)   # in mm, in the file's frame
    arch: ArchMeasurements | None = None


def read_outline(path: str | Path, units: str | None = None) -> OutlineFile:
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidInput(f"{path}: unknown outline format {path.suffix!r}; use one of {', '.join('.' + f for f in FORMATS)}")
    check_file_size(path, "OUTLINE_MB")
    reader = {"csv": _read_csv, "json": _read_json, "svg": _read_svg, "dxf": _read_dxf}[fmt]
    points, file_units, extra = reader(path)
    refuse_over("the number of outline points", len(points), "OUTLINE_POINTS", path)
    chosen, how = (units, "--units") if units else (file_units, "file") if file_units else ("mm", "default")
    if chosen not in UNIT_TO_MM:
        raise InvalidInput(f"{path}: unknown units {chosen!r}; use one of {', '.join(UNIT_TO_MM)}")
    scaled, chosen = to_mm(points, chosen, str(path))
    k = UNIT_TO_MM[chosen]
    landmarks = {name: np.asarray(xy, dtype=float) * k for name, xy in extra.get("landmarks", {}).items()}
    return OutlineFile(scaled, fmt, chosen, how, extra.get("side"), landmarks, extra.get("arch"))


def foot_from_outline_file(path: str | Path, units: str | None = None, side: str | None = None,
                           arch: ArchMeasurements | None = None) -> Foot:
    """Read and canonicalise an outline file. ``side`` (if given) wins over the file's; ``arch``
    fields given here win over the file's. Any foot file: ``insolegen.feet.read.read_foot``."""
    f = read_outline(path, units)
    if f.format == "svg":       # the reader turned SVG user units (y down) into mm, y up
        frame = SourceFrame("SVG user units", np.diag([1.0, -1.0]) / (_SVG_PX_MM * UNIT_TO_MM[f.units]), np.zeros(2),
                            "the SVG's own coordinates after its viewBox: x right, y down")
    else:
        frame = SourceFrame(f.units, np.eye(2) / UNIT_TO_MM[f.units], np.zeros(2), "the file's own coordinates")
    merged = (f.arch or ArchMeasurements()).updated(arch)
    foot = foot_from_points(f.points_mm, side=side or f.side, given_landmarks=f.landmarks or None,
                            source=f"outline {path.name}", arch=None if merged.is_empty() else merged)
    return replace(foot, source_frame=frame)


def _read_csv(path: Path):
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    for line_no, row in enumerate(csv.reader(text.splitlines(), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        try:
            values = [float(c) for c in cells[:2]]
        except ValueError:
            if not rows and line_no == 1:
                continue  # a header
            raise InvalidInput(f"{path}:{line_no}: expected two numbers (x, y), got {_shown(','.join(cells))}") from None
        if len(values) != 2:
            raise InvalidInput(f"{path}:{line_no}: expected two numbers (x, y), got {len(values)}")
        rows.append(values)
    if not rows:
        raise InvalidInput(f"{path}: no points found")
    return np.array(rows), None, {}


def read_json_document(path: Path):
    """A JSON file's content; every way it can fail to be JSON is an InvalidInput naming the file."""
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InvalidInput(f"{path}: nested too deeply to be an insolegen file") from None
    except ValueError as exc:        # e.g. an integer of thousands of digits
        raise InvalidInput(f"{path}: not usable JSON: {exc}") from None


def _pair(value, what: str, path: Path) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise InvalidInput(f"{path}: {what} must be an [x, y] pair of numbers, got {json.dumps(value)[:60]}")
    return [float(value[0]), float(value[1])]


def _shown(text: str) -> str:
    """A cell of the file in a message: short, so a message never carries a file's content."""
    return repr(text if len(text) <= 24 else text[:20] + "…")


def _read_json(path: Path):
    doc = read_json_document(path)
    if not isinstance(doc, dict) or "points" not in doc:
        raise InvalidInput(f"{path}: expected an object with a 'points' list of [x, y] pairs")
    known = {"points", "units", "side", "landmarks", "arch", "name", "description"}
    unknown = set(doc) - known
    if unknown:
        raise InvalidInput(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    if not isinstance(doc["points"], list):
        raise InvalidInput(f"{path}: 'points' must be a list of [x, y] pairs")
    refuse_over("the number of outline points", len(doc["points"]), "OUTLINE_POINTS", path)
    points = np.array([_pair(p, "each of 'points'", path) for p in doc["points"]]).reshape(-1, 2)
    landmarks = doc.get("landmarks") or {}
    if not isinstance(landmarks, dict):
        raise InvalidInput(f"{path}: 'landmarks' must be an object of name: [x, y], for example "
                           '{"heel_center": [40, 0]}')
    landmarks = {str(k): _pair(v, f"landmark {k}", path) for k, v in landmarks.items()}
    units = doc.get("units")
    if units is not None and not isinstance(units, str):
        raise InvalidInput(f"{path}: 'units' must be text (mm, cm, m or in), got {json.dumps(units)[:40]}")
    arch = None
    if doc.get("arch") is not None:
        if not isinstance(doc["arch"], dict):
            raise InvalidInput(f"{path}: 'arch' must be an object of measurements in mm, for example " '{"height_mm": 18}')
        fields = set(ArchMeasurements.__dataclass_fields__)
        bad = set(doc["arch"]) - fields
        if bad:
            raise InvalidInput(f"{path}: unknown arch measurement(s) {', '.join(sorted(bad))}; known: {', '.join(sorted(fields))}")
        for k, v in doc["arch"].items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v):
                raise InvalidInput(f"{path}: arch.{k} must be a number in mm, got {json.dumps(v)[:40]}")
        arch = ArchMeasurements(**{k: float(v) for k, v in doc["arch"].items()})
    side = doc.get("side")
    if side is not None and side not in ("left", "right"):
        raise InvalidInput(f"{path}: side {side!r} is not left or right")
    return points, units, {"landmarks": landmarks, "side": side, "arch": arch}


def _read_svg(path: Path):
    try:
        import svgelements as se

        svg = se.SVG.parse(str(path), ppi=96.0)
    except Exception as exc:  # svgelements raises many kinds on malformed files
        raise InvalidInput(f"{path}: not a readable SVG ({exc})") from None
    best, best_area = None, 0.0
    for element in svg.elements():
        if not isinstance(element, (se.Path, se.Shape)) or isinstance(element, se.Group):
            continue
        path_obj = se.Path(element) if not isinstance(element, se.Path) else element
        try:
            path_obj = path_obj * path_obj.transform if not path_obj.transform.is_identity() else path_obj
            length = path_obj.length(error=1e-3)
        except Exception:
            continue
        if not length:
            continue
        x0, y0, x1, y1 = path_obj.bbox()
        extent_mm = max(x1 - x0, y1 - y0) * _SVG_PX_MM
        refuse_over("the drawing's largest extent", extent_mm, "EXTENT_MM", path, " mm")
        n = int(min(max(200, length / (0.5 / _SVG_PX_MM)), 20_000))
        pts = np.array([(p.x, p.y) for p in (path_obj.point(t) for t in np.linspace(0, 1, n, endpoint=False))], float)
        closed = np.linalg.norm(np.array(path_obj.point(1.0)) - np.array(path_obj.point(0.0))) < 1e-3 * length
        area = abs(signed_area(pts)) if len(pts) > 2 else 0.0
        if closed and area > best_area:
            best, best_area = pts, area
    if best is None:
        raise InvalidInput(f"{path}: no closed path found in the SVG")
    # svgelements gives CSS px at 96 ppi after the viewBox and width/height units are applied
    return best * [_SVG_PX_MM, -_SVG_PX_MM], "mm", {}


def _read_dxf(path: Path):
    import ezdxf
    from ezdxf import path as ezpath

    try:
        doc = ezdxf.readfile(str(path))
    except (OSError, ezdxf.DXFStructureError) as exc:
        raise InvalidInput(f"{path}: not a readable DXF ({exc})") from None
    insunits = doc.header.get("$INSUNITS", 0)
    if insunits not in _DXF_UNITS:
        raise InvalidInput(f"{path}: $INSUNITS = {insunits} is not supported (use mm, cm, m or inches)")
    best, best_area = None, 0.0
    for entity in doc.modelspace().query("LWPOLYLINE POLYLINE SPLINE"):
        closed = entity.closed if entity.dxftype() != "SPLINE" else entity.closed
        try:
            pts = np.array([(v.x, v.y) for v in ezpath.make_path(entity).flattening(0.01)], float)
        except Exception:
            continue
        if len(pts) > 2 and np.linalg.norm(pts[0] - pts[-1]) < 1e-6:
            pts, closed = pts[:-1], True
        area = abs(signed_area(pts)) if len(pts) > 2 else 0.0
        if closed and area > best_area:
            best, best_area = pts, area
    if best is None:
        raise InvalidInput(f"{path}: no closed polyline or spline found in the DXF model space")
    return best, _DXF_UNITS[insunits], {}

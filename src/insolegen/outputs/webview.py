"""The interactive 3D view as one self-contained HTML file: both devices (and the scan, drawn
translucent), coloured by height or thickness, the landmarks and prescribed features labelled, a
section slider with the profile's heights, the record's prescribed-vs-measured table, and the
technician's standard views. It opens from disk with no server and makes no network request:
three.js (MIT, vendored in ``web/``), the viewer's own script and the geometry are all inside.

Geometry is quantised (int16: 0.005 mm on a 300 mm device) and gzip-compressed; the browser inflates it
with its own DecompressionStream. Everything here is pure: a PreviewInput in, the page's text out.
"""
from __future__ import annotations

import base64
import gzip
import json
import re
from functools import lru_cache
from importlib.resources import files

import numpy as np

from insolegen.measure.state import face_areas
from insolegen.outputs.deflate import gzip_bytes
from insolegen.outputs.scene import HEIGHTS_GRID_MM, PreviewInput, Shown, section_positions, vertex_thickness

SCAN_MAX_FACES = 60_000       # a scan is context, drawn translucent: clustered down to this
_WEB = files("insolegen") / "outputs" / "web"


def view_html(inp: PreviewInput) -> str:
    """The page for ``inp``: deterministic, so two runs on one input give identical bytes."""
    template = (_WEB / "viewer.html").read_text(encoding="utf-8")
    scene = json.dumps(scene_data(inp), separators=(",", ":"), sort_keys=True)
    parts = {
        "/*@TITLE@*/": _html_text(f"{inp.name}: insolegen 3D view"),
        "/*@SCENE@*/": scene.replace("</", "<\\/"),
        "/*@THREE@*/": _packed_three(),
        "/*@VIEWER@*/": (_WEB / "viewer.js").read_text(encoding="utf-8"),
        "/*@THREE_VERSION@*/": (_WEB / "three.VERSION").read_text(encoding="utf-8").strip(),
    }
    # one pass, so a value holding a placeholder's text (a file name, say) is never filled in
    return re.sub(r"/\*@[A-Z_]+@\*/", lambda m: parts[m.group(0)], template)


def scene_data(inp: PreviewInput) -> dict:
    """What the page draws, as plain JSON with the arrays packed."""
    record = inp.record
    return {
        "name": inp.name,
        "devices": [_device(d, inp) for d in inp.devices],
        "checks": _checks(record),
        "prescription": _prescription_lines(record),
        "source": (record or {}).get("foot", {}).get("source", ""),
        "tool": (record or {}).get("tool", {}).get("version", ""),
    }


# ---- one device ----------------------------------------------------------------------------------

def _device(d: Shown, inp: PreviewInput) -> dict:
    hm = d.heights
    out = {
        "label": d.label,
        "side": d.side,
        "mesh": _packed_mesh(d.vertices, d.faces),
        "thickness": _packed_array(np.rint(vertex_thickness(d.vertices, d.faces, hm) * 100), np.uint16),
        "grid": {"x0": float(hm.xs[0]), "y0": float(hm.ys[0]), "step": HEIGHTS_GRID_MM, "nx": len(hm.xs), "ny": len(hm.ys),
                 "top": _packed_heights(hm.top), "bottom": _packed_heights(hm.bottom)},
        "labels": _labels(d, hm, inp.record),
        "sections": [{"what": what, "x": round(float(x), 2)} for what, x in section_positions(d, inp.record)],
    }
    if d.side in inp.scans:
        out["scan"] = _packed_mesh(*_clustered(*inp.scans[d.side], SCAN_MAX_FACES))
    return out


def _labels(d: Shown, hm, record: dict | None) -> list[dict]:
    """The landmarks and prescribed features, each where the device's top is, with what the
    record measured there. Without a record: the highest points of the heel and the arch."""
    mirror = -1.0 if d.side == "left" else 1.0       # the record's frame is a right foot's
    labels = []

    def at(text: str, x: float, y: float | None = None, kind: str = "feature", sd: list | None = None) -> None:
        j = None if y is None else int(np.clip(round((mirror * y - hm.ys[0]) / HEIGHTS_GRID_MM), 0, len(hm.ys) - 1))
        i = int(np.clip(round((x - hm.xs[0]) / HEIGHTS_GRID_MM), 0, len(hm.xs) - 1))
        column = hm.top[:, i]
        if not np.isfinite(column).any():
            return
        if j is None or not np.isfinite(column[j]):
            j = int(np.nanargmax(column))
        labels.append({"text": text, "kind": kind, "at": [round(float(hm.xs[i]), 2), round(float(hm.ys[j]), 2),
                                                          round(float(column[j]), 2)], **({"sd": sd} if sd else {})})

    length = float(np.ptp(d.vertices[:, 0]))
    x0 = float(d.vertices[:, 0].min())
    if not record:
        at("arch (highest across)", x0 + 0.42 * length)
        at("heel rim (highest)", x0 + 0.08 * length)
        return labels
    measured = _measured(record)
    rx = record["prescription"]
    marks = record["foot"]["landmarks"]
    apex = record["derived"]["arch"]["apex_x"]
    at(f"arch apex {_mm(measured.get('arch_apex_height_mm'))}", apex)
    heel = marks["heel_center"]
    at(f"heel cup rim, {_mm(measured.get('heel_cup_depth_mm'))} deep", x0 + 0.06 * length)
    at(f"rearfoot post {_deg(measured.get('rearfoot_post_deg'))}", heel["x_mm"], heel["y_mm"])
    if "mth2_head" in marks and measured.get("forefoot_post_deg") is not None:
        at(f"forefoot post {_deg(measured.get('forefoot_post_deg'))}", marks["mth2_head"]["x_mm"] + 12.0,
           marks["mth2_head"]["y_mm"])
    if rx["met_pad"]["height_mm"] > 0 and "met_pad_center" in marks:
        pad = marks["met_pad_center"]
        at(f"met pad {rx['met_pad']['height_mm']:g} mm", pad["x_mm"], pad["y_mm"])
    if rx["met_bar"]["height_mm"] > 0 and "mth1_head" in marks and "mth5_head" in marks:
        ball_x = 0.5 * (marks["mth1_head"]["x_mm"] + marks["mth5_head"]["x_mm"])
        at(f"met bar {rx['met_bar']['height_mm']:g} mm", ball_x - rx["met_bar"]["offset_mm"], 0.0)
    if measured.get("heel_pocket_x_mm") is not None:
        at(f"heel pocket {_mm(measured.get('heel_pocket_depth_mm'))} deep", measured["heel_pocket_x_mm"],
           measured["heel_pocket_y_mm"])
    for name, mark in marks.items():
        if name.startswith("mth") or name in ("navicular", "heel_center"):
            title = name.replace("_head", "").upper() if name.startswith("mth") else name.replace("_center", " centre").replace("_", " ")
            sd = [mark.get("sd_along_mm"), mark.get("sd_across_mm")]
            how = f" · {mark['how']} ±{mark['sd_mm']:.1f}" if mark.get("sd_mm") is not None else ""
            at(title + how, mark["x_mm"], mark["y_mm"], kind="landmark", sd=sd if None not in sd else None)
    return labels


def _measured(record: dict) -> dict:
    return record.get("prescribed_vs_measured", {}).get("measurement", {}) or {}


def _checks(record: dict | None) -> list[dict]:
    if not record:
        return []
    rows = []
    for c in record.get("prescribed_vs_measured", {}).get("checks", []):
        rows.append({k: c.get(k) for k in ("quantity", "prescribed", "measured", "tolerance", "compared", "ok", "note")})
    return rows


def _prescription_lines(record: dict | None) -> list[str]:
    """The prescription's set fields, one "section.field = value" line each; a feature whose
    height or depth is 0 is left out whole (its place and size do not matter then)."""
    if not record:
        return []
    lines = []
    for section, fields in record["prescription"].items():
        if not isinstance(fields, dict) or any(fields.get(k) == 0 for k in ("height_mm", "depth_mm")):
            continue
        for key, value in fields.items():
            unused = key.endswith("_diameter_mm") and fields.get(key.replace("_diameter_mm", "_mm")) == 0   # a pocket of 0 mm
            if value not in (None, 0, 0.0, False, "") and not unused:
                lines.append(f"{section}.{key} = {value}")
    return lines


def _mm(value) -> str:
    return "?" if value is None else f"{value:.1f} mm"


def _deg(value) -> str:
    return "?" if value is None else f"{value + 0.0:+.1f}°".replace("-0.0°", "0.0°").replace("+0.0°", "0.0°")


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- packing ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _packed_three() -> str:
    """three.js as the page carries it: the same for every page, so packed once a process, and
    as small as gzip makes it."""
    return base64.b64encode(gzip.compress((_WEB / "three.min.js").read_bytes(), compresslevel=9, mtime=0)).decode("ascii")


def _packed_bytes(data: bytes) -> str:
    return base64.b64encode(gzip_bytes(data)).decode("ascii")


def _packed_array(values: np.ndarray, dtype) -> dict:
    values = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": np.dtype(dtype).name, "n": int(values.size), "data": _packed_bytes(values.tobytes())}


def _packed_mesh(vertices: np.ndarray, faces: np.ndarray) -> dict:
    """Vertices as int16 steps from their box's centre (the box's size over 65,000: 0.005 mm
    for a 300 mm device); faces as uint16 or uint32 indices."""
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    centre = 0.5 * (lo + hi)
    step = max(float(np.max(hi - lo)) / 65000.0, 1e-9)
    q = np.rint((vertices - centre) / step)
    index_type = np.uint16 if len(vertices) <= 65535 else np.uint32
    return {"centre": [float(c) for c in centre], "step": step,
            "positions": _packed_array(q, np.int16), "faces": _packed_array(faces, index_type)}


def _packed_heights(grid: np.ndarray) -> dict:
    """A height map at 0.01 mm; -32768 where the device is not."""
    q = np.where(np.isfinite(grid), np.rint(np.nan_to_num(grid) * 100), -32768)
    return _packed_array(np.clip(q, -32768, 32767), np.int16)


def _clustered(vertices: np.ndarray, faces: np.ndarray, max_faces: int) -> tuple[np.ndarray, np.ndarray]:
    """Fewer triangles by merging the vertices in each cell of a grid (enough for a translucent
    backdrop), coarsening the cell until at most ``max_faces`` remain."""
    if len(faces) <= max_faces:
        return vertices, faces
    area = float(face_areas(vertices, faces).sum())
    cell = max(float(np.sqrt(2.0 * area / max_faces)), 1e-6)
    while True:
        keys = np.floor((vertices - vertices.min(axis=0)) / cell).astype(np.int64)
        _, cluster, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        cluster = cluster.ravel()
        merged = np.zeros((len(counts), 3))
        np.add.at(merged, cluster, vertices)
        merged /= counts[:, None]
        f = cluster[faces]
        f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2])]
        f = np.unique(f, axis=0)
        if len(f) <= max_faces:
            return merged, f
        cell *= 1.25

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

from insolegen.device.features import FEATURES
from insolegen.geometry.topology import face_areas
from insolegen.outputs.deflate import gzip_bytes
from insolegen.outputs.numbers import fixed
from insolegen.outputs.prescription_text import prescription_lines
from insolegen.outputs.readings import check_table, feature_reading, part_of, shoe_lines, total_contact_rule, verification_of
from insolegen.outputs.scene import (
    EXAGGERATION,
    HEIGHTS_GRID_MM,
    PreviewInput,
    Shown,
    colour_values,
    legend_ticks,
    section_positions,
)

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
    """What the page draws, as plain JSON with the arrays packed. Every number the page writes is
    here, written by the same formatter as the console, the PDF and the picture (the page's
    script only places them)."""
    record = inp.record
    return {
        "name": inp.name,
        "devices": [_device(d, inp) for d in inp.devices],
        "prescription": _prescription_lines(record),
        "shoe": shoe_lines(record) if record else [],
        "legend": {mode: {"max": clim[1], "ticks": legend_ticks(clim[1])}
                   for mode in ("height", "thickness") for _, clim in [colour_values(inp.devices, mode)]},
        "exaggeration": EXAGGERATION,
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
        "thickness": _packed_array(np.rint(d.thickness * 100), np.uint16),
        "grid": {"x0": float(hm.xs[0]), "y0": float(hm.ys[0]), "step": HEIGHTS_GRID_MM, "nx": len(hm.xs), "ny": len(hm.ys),
                 "top": _packed_heights(hm.top), "bottom": _packed_heights(hm.bottom)},
        "labels": _labels(d, hm, inp.record),
        "sections": [{"what": what, "x": round(float(x), 2)} for what, x in section_positions(d, inp.record)],
        "checks": _checks(inp.record, d.side),
    }
    if d.side in inp.scans:
        out["scan"] = _packed_mesh(*_clustered(*inp.scans[d.side], SCAN_MAX_FACES))
    shoe = (inp.record or {}).get("shoe")
    if shoe and d.side in ("left", "right"):
        # the sock-liner under the device, from the record (the right foot's frame; a left device is its mirror)
        out["liner"] = np.round(np.asarray(shoe["liner_mm"]) * [1.0, -1.0 if d.side == "left" else 1.0], 1).tolist()
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
    # this device's own foot and measurement (two feet in one image: each its own)
    measured = verification_of(record, d.side)["measurement"] if d.side else {}
    part = part_of(record, d.side)
    marks = part["foot"]["landmarks"]
    at(f"arch apex {fixed(measured.get('arch_apex_height_mm'), 1, ' mm')}", part["derived"]["arch"]["apex_x"])
    heel = marks["heel_center"]
    at(f"heel cup rim, {fixed(measured.get('heel_cup_depth_mm'), 1, ' mm')} deep", x0 + 0.06 * length)
    at(f"rearfoot post {fixed(measured.get('rearfoot_post_deg'), 1, '°', sign=True)}", heel["x_mm"], heel["y_mm"])
    if "mth2_head" in marks and measured.get("forefoot_post_deg") is not None:
        at(f"forefoot post {fixed(measured.get('forefoot_post_deg'), 1, '°', sign=True)}", marks["mth2_head"]["x_mm"] + 12.0,
           marks["mth2_head"]["y_mm"])
    made = part["derived"].get("features", {})          # where the design put each feature
    for feature in FEATURES:
        if feature.marker is not None and feature.name in made:
            shown = feature_reading(record, d.side, feature.name)
            at(f"{feature.label.lower()} {fixed(shown, 1, ' mm')}", *made[feature.name][feature.marker.at])
    if measured.get("heel_pocket_x_mm") is not None:
        at(f"heel pocket {fixed(measured.get('heel_pocket_depth_mm'), 1, ' mm')} deep", measured["heel_pocket_x_mm"],
           measured["heel_pocket_y_mm"])
    for name, mark in marks.items():
        if name.startswith("mth") or name in ("navicular", "heel_center"):
            title = name.replace("_head", "").upper() if name.startswith("mth") else name.replace("_center", " centre").replace("_", " ")
            sd = [mark.get("sd_along_mm"), mark.get("sd_across_mm")]
            how = f" · {mark['how']} ±{fixed(mark['sd_mm'], 1)}" if mark.get("sd_mm") is not None else ""
            at(title + how, mark["x_mm"], mark["y_mm"], kind="landmark", sd=sd if None not in sd else None)
    return labels


def _checks(record: dict | None, side: str | None) -> dict | None:
    """This device's prescribed-vs-measured table, written as every output writes it."""
    if not record or not side:
        return None
    verified = verification_of(record, side)
    headers, rows = check_table(verified, with_uncompared=True)
    return {"device": verified["device"], "headers": headers, "rows": rows, "rule": total_contact_rule(verified)}


def _prescription_lines(record: dict | None) -> list[str]:
    """The prescription in a clinician's words: what is prescribed, then what is not."""
    if not record:
        return []
    lines, absent = prescription_lines(record["prescription"], with_zones="zones" in record)
    return [f"{what}: {text}" for what, text in lines] + ([f"Not prescribed: {', '.join(absent)}"] if absent else [])


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

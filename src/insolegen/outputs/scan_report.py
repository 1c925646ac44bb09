"""What a scan read gives, as a record (for `insolegen scan --json`), and any read foot as
outline files a podiatrist can check, edit and design from (JSON and SVG, in the foot's own
orientation: a left foot is written as a left foot)."""
from __future__ import annotations

import json

import numpy as np

from insolegen.feet.foot import Foot
from insolegen.feet.scan3d import Scan


def _as_seen(foot: Foot, xy: np.ndarray) -> np.ndarray:
    """Canonical (every foot right-like, medial +y) -> the foot as it is (left feet mirrored back)."""
    return xy * [1.0, -1.0] if foot.side == "left" else xy


def scan_record(scan: Scan) -> dict:
    foot = scan.foot
    return {
        **scan.info,
        "side": foot.side, "side_how": foot.side_how, "side_confidence": foot.side_confidence,
        "measures": {k: m.as_dict() for k, m in foot.measures.items()},
        "arch_measurements": foot.arch.as_dict(),
        "landmarks": foot.landmarks_dict(),
        "medial_arch_profile": [[round(float(x), 1), round(float(h), 2)] for x, h in scan.arch_profile[::4]],
        "footprint_area_mm2": None if scan.footprint is None else round(float(scan.footprint.area), 1),
        "indices": foot.indices,
        "warnings": list(foot.warnings),
        "notes": list(foot.notes),
        "implausible": list(foot.implausible),
        "frame": "mm; heel at x = 0, toes toward +x, ground z = 0, medial +y (left feet mirrored to match)",
    }


def outline_json(foot: Foot, name: str, description: str, with_landmarks: bool = True) -> bytes:
    """The outline as an outline file `insolegen design` reads; with its landmarks and arch
    measurements when ``with_landmarks`` (they then count as given)."""
    doc = {"name": name, "description": description, "units": "mm", "side": foot.side,
           "points": np.round(_as_seen(foot, foot.outline), 2).tolist()}
    if with_landmarks:
        doc["landmarks"] = {k: [round(float(v), 2) for v in _as_seen(foot, np.array([[lm.x, lm.y]]))[0]]
                            for k, lm in foot.landmarks.items() if lm.how in ("given", "clinician pin", "relief")
                            or k in ("heel_center", "ball_medial", "ball_lateral", "second_toe")}
        doc["arch"] = foot.arch.as_dict()
    return (json.dumps(doc, indent=1) + "\n").encode()


def outline_svg(foot: Foot, name: str) -> bytes:
    pts = _as_seen(foot, foot.outline) * [1.0, -1.0]       # SVG's y points down
    lo, hi = pts.min(axis=0) - 5.0, pts.max(axis=0) + 5.0
    w, h = hi - lo
    path = "M " + " L ".join(f"{x - lo[0]:.2f},{y - lo[1]:.2f}" for x, y in pts) + " Z"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.2f}mm" height="{h:.2f}mm" viewBox="0 0 {w:.2f} {h:.2f}">\n'
           f'  <title>{name}: {foot.side} foot plantar outline (mm)</title>\n'
           f'  <path d="{path}" fill="none" stroke="black" stroke-width="0.3"/>\n</svg>\n')
    return svg.encode()

"""The case's name and side, debossed into the device's underside.

The underside is a height field like the top: the letters raise the bottom surface by
``DEPTH_MM`` inside their strokes, so the mesh stays one watertight body by construction (no
boolean). The strokes are a single-line font drawn on a 4 x 6 grid (a unit is a sixth of the
letter height), each stroke ``STROKE_OF_HEIGHT`` of the height wide with a smooth edge
``2 EDGE_MM`` wide; strokes that meet are joined by a smooth union, so the field has no crease.
The mesh is given its finest lattice along the strokes (``Label.needs_detail``).

The text runs from heel to toe and reads from below. The left device is the right one mirrored,
so its label is drawn mirrored in the right frame: after the mirror it reads true.

Placement: the label's box (plus ``CLEARANCE_MM``) must lie inside the device's outline, where
the bottom is the ground (not a shell's lifted midfoot, an extrinsic post's motion grind or past
a trim), clear of every offload site, and where the device stays at least the printable minimum
thick over the letters. Of the boxes that fit, the one nearest the middle of the device is taken,
with the largest letters that fit (7, 6, then 5 mm); none fitting is an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from insolegen.device.prescription import LABEL_CHARACTERS, LABEL_MAX_CHARS

DEPTH_MM = 0.6
LETTER_HEIGHTS_MM = (7.0, 6.0, 5.0)
STROKE_OF_HEIGHT = 0.16
EDGE_MM = 0.3                 # half the width of a stroke's smooth edge
ADVANCE = 5.5                 # grid units from one letter to the next (a letter is 4 wide)
CLEARANCE_MM = 3.0

# strokes per character: polylines of (x, y) on a 4 x 6 grid, separated by "|"
_FONT = {
    "A": "0,0 0,4 2,6 4,4 4,0|0,3 4,3", "B": "0,0 0,6 3,6 4,5 4,4 3,3 0,3|3,3 4,2 4,1 3,0 0,0",
    "C": "4,5 3,6 1,6 0,5 0,1 1,0 3,0 4,1", "D": "0,0 0,6 2,6 4,4 4,2 2,0 0,0", "E": "4,6 0,6 0,0 4,0|0,3 3,3",
    "F": "4,6 0,6 0,0|0,3 3,3", "G": "4,5 3,6 1,6 0,5 0,1 1,0 3,0 4,1 4,3 2,3", "H": "0,0 0,6|4,0 4,6|0,3 4,3",
    "I": "1,6 3,6|2,6 2,0|1,0 3,0", "J": "4,6 4,1 3,0 1,0 0,1", "K": "0,0 0,6|4,6 0,2|1,3 4,0", "L": "0,6 0,0 4,0",
    "M": "0,0 0,6 2,3 4,6 4,0", "N": "0,0 0,6 4,0 4,6", "O": "1,0 0,1 0,5 1,6 3,6 4,5 4,1 3,0 1,0",
    "P": "0,0 0,6 3,6 4,5 4,4 3,3 0,3", "Q": "1,0 0,1 0,5 1,6 3,6 4,5 4,1 3,0 1,0|2,2 4,0",
    "R": "0,0 0,6 3,6 4,5 4,4 3,3 0,3|2,3 4,0", "S": "4,5 3,6 1,6 0,5 0,4 1,3 3,3 4,2 4,1 3,0 1,0 0,1",
    "T": "0,6 4,6|2,6 2,0", "U": "0,6 0,1 1,0 3,0 4,1 4,6", "V": "0,6 2,0 4,6", "W": "0,6 1,0 2,3 3,0 4,6",
    "X": "0,0 4,6|0,6 4,0", "Y": "0,6 2,3 4,6|2,3 2,0", "Z": "0,6 4,6 0,0 4,0",
    "0": "1,0 0,1 0,5 1,6 3,6 4,5 4,1 3,0 1,0|0,1 4,5", "1": "1,5 2,6 2,0|1,0 3,0", "2": "0,5 1,6 3,6 4,5 4,4 0,0 4,0",
    "3": "0,5 1,6 3,6 4,5 4,4 3,3 1,3|3,3 4,2 4,1 3,0 1,0 0,1", "4": "3,0 3,6 0,2 4,2",
    "5": "4,6 0,6 0,3 3,3 4,2 4,1 3,0 0,0", "6": "4,5 3,6 1,6 0,5 0,1 1,0 3,0 4,1 4,2 3,3 0,3",
    "7": "0,6 4,6 1,0", "8": "1,3 0,4 0,5 1,6 3,6 4,5 4,4 3,3 1,3 0,2 0,1 1,0 3,0 4,1 4,2 3,3",
    "9": "4,3 1,3 0,4 0,5 1,6 3,6 4,5 4,1 3,0 1,0", "-": "1,3 3,3", "_": "0,0 4,0", ".": "1.6,0 2.4,0", " ": "",
}


def label_text(base: str, side: str) -> str:
    """The text engraved on ``side``'s device: ``base`` (made engravable) and L or R."""
    base = re.sub("[^" + LABEL_CHARACTERS[1:], "-", base.upper())[:LABEL_MAX_CHARS - 2]
    return f"{base} {'L' if side == 'left' else 'R'}"


def _segments(text: str) -> np.ndarray:
    """(n, 2, 2) the text's stroke segments in grid units, the first letter's origin at 0."""
    segs = []
    for k, ch in enumerate(text):
        for stroke in filter(None, _FONT[ch].split("|")):
            pts = np.array([[float(v) for v in p.split(",")] for p in stroke.split()]) + [k * ADVANCE, 0.0]
            segs += [pts[i:i + 2] for i in range(len(pts) - 1)]
    return np.array(segs).reshape(-1, 2, 2)


def text_size(text: str, height: float) -> tuple[float, float]:
    """The label's length and height (mm), strokes included."""
    stroke = STROKE_OF_HEIGHT * height + 2 * EDGE_MM
    return ((len(text) - 1) * ADVANCE + 4.0) * height / 6.0 + stroke, height + stroke


@dataclass(frozen=True)
class Label:
    """A label placed in the right (canonical) frame: ``segments`` (n, 2, 2) in mm."""
    text: str
    side: str
    height_mm: float
    box: tuple[float, float, float, float]     # x0, y0, x1, y1 (mm, canonical): every stroke inside
    segments: np.ndarray

    @property
    def half_width(self) -> float:
        return 0.5 * STROKE_OF_HEIGHT * self.height_mm

    def _distances(self, xy: np.ndarray):
        """(which points lie in the box, (in-box points, segments) distances to each stroke)."""
        x0, y0, x1, y1 = self.box
        near = (xy[:, 0] > x0) & (xy[:, 0] < x1) & (xy[:, 1] > y0) & (xy[:, 1] < y1)
        p = xy[near]
        a, b = self.segments[:, 0], self.segments[:, 1]
        # points x segments, in blocks (a few thousand points at a time)
        out = []
        for start in range(0, len(p), 4096):
            q = p[start:start + 4096, None, :]
            ab = (b - a)[None]
            t = np.clip(((q - a[None]) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
            out.append(np.hypot(*np.moveaxis(q - (a[None] + t[..., None] * ab), -1, 0)))
        return near, (np.vstack(out) if out else np.zeros((0, len(a))))

    def depth(self, xy: np.ndarray) -> np.ndarray:
        """How far the underside is raised at each point (mm): DEPTH_MM in the strokes."""
        from insolegen.geometry.ramps import ramp_down

        out = np.zeros(len(xy))
        near, d = self._distances(xy)
        if len(d):
            # strokes joined by a smooth union (1 - the product of what each leaves), not the
            # nearest stroke's distance, whose creases where strokes meet no mesh could follow
            left = np.prod(1.0 - ramp_down(d, self.half_width - EDGE_MM, self.half_width + EDGE_MM), axis=1)
            out[near] = DEPTH_MM * (1.0 - left)
        return out

    def stroke_distance(self, xy: np.ndarray) -> np.ndarray:
        """Each point's distance to the nearest stroke's centre line (mm; inf outside the box)."""
        out = np.full(len(xy), np.inf)
        near, d = self._distances(xy)
        if len(d):
            out[near] = d.min(axis=1)
        return out

    def needs_detail(self, xy: np.ndarray) -> np.ndarray:
        """Where the mesh needs its finest lattice: on and around the strokes."""
        return self.stroke_distance(xy) < self.half_width + EDGE_MM + 0.5

    def as_dict(self) -> dict:
        return {"text": self.text, "side": self.side, "letter_height_mm": round(self.height_mm, 2), "depth_mm": DEPTH_MM,
                "box_mm": [round(v, 2) for v in self.box], "reads": "from below, heel to toe"}


def place_label(text: str, side: str, start: np.ndarray, height: float) -> Label:
    """The label whose box starts at ``start`` (its heel end, on its centre line; canonical mm),
    reading from below on ``side``'s device (the left's is drawn mirrored in the right frame)."""
    unit = height / 6.0
    pad = 0.5 * STROKE_OF_HEIGHT * height + EDGE_MM
    segs = _segments(text) * unit
    # seen from below, a letter's up is -y on the right device, and +y in the right frame of the left one
    up = -1.0 if side == "right" else 1.0
    pts = np.stack([start[0] + pad + segs[..., 0], start[1] + up * (segs[..., 1] - 3 * unit)], axis=-1)
    length, tall = text_size(text, height)
    box = (start[0], start[1] - tall / 2, start[0] + length, start[1] + tall / 2)
    return Label(text, side, height, box, pts)


def find_label_start(texts: list[str], plan, ctx, min_thickness: float):
    """(the labels' box start (heel end, on its centre line), letter height) of the best place
    for the labels (one per side, drawn in one place), or None when no box fits. The device
    stays ``min_thickness`` thick over the letters."""
    import shapely

    from insolegen.device.surface import thickness_at

    outline = shapely.Polygon(plan.outline)
    blocked = [shapely.Point(s.xy).buffer(s.radius_mm + CLEARANCE_MM) for s in ctx.offload]
    mid_x = ctx.back_x + 0.45 * ctx.length
    for height in LETTER_HEIGHTS_MM:
        length = max(text_size(t, height)[0] for t in texts)
        tall = text_size(texts[0], height)[1]
        candidates = []
        starts = np.concatenate([np.arange(a + CLEARANCE_MM, b - length - CLEARANCE_MM, 2.0) for a, b in _ground_spans(ctx)])
        for x0 in starts:
            xc = x0 + length / 2
            yc = 0.5 * (plan.medial_border(np.array([xc]))[0] + plan.lateral_border(np.array([xc]))[0])
            box = shapely.box(x0 - CLEARANCE_MM, yc - tall / 2 - CLEARANCE_MM, x0 + length + CLEARANCE_MM, yc + tall / 2 + CLEARANCE_MM)
            if not outline.contains(box) or any(box.intersects(b) for b in blocked):
                continue
            gx, gy = np.meshgrid(np.linspace(x0, x0 + length, 16), np.linspace(yc - tall / 2, yc + tall / 2, 5))
            if thickness_at(np.column_stack([gx.ravel(), gy.ravel()]), plan, ctx).min() < min_thickness + DEPTH_MM + 0.2:
                continue
            candidates.append((abs(xc - mid_x), x0, yc))
        if candidates:
            _, x0, yc = min(candidates)
            return np.array([x0, yc]), height
    return None


def _ground_spans(ctx) -> list[tuple[float, float]]:
    """The stretches (x, mm) where the underside is the ground: a shell's lifts off it between
    the rear- and the forefoot; an extrinsic post's motion grind bevels the heel's end; a trimmed
    device ends before its forefoot."""
    start, end = ctx.back_x + 0.10 * ctx.length, ctx.back_x + 0.80 * ctx.length
    if ctx.rx.device.length != "full":
        end = min(end, float(ctx.mth5[0]) - 0.06 * ctx.length)
    if ctx.rx.device.mode == "shell":
        return [(start, ctx.rear_end[0]), (ctx.fore_start[1], end)]
    return [(start, end)]

"""Looking up materials and printers (``measure.catalogue``) and what a printer's bed takes:
whether a part fits at some turn, and plates for a case's parts."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import hull_2d
from insolegen.measure.catalogue import (  # noqa: F401  (the catalogue's names, here as before)
    DEFAULT_MATERIAL,
    DEFAULT_PRINTER,
    MATERIALS,
    PRINTERS,
    Material,
    Printer,
)


def material(name: str) -> Material:
    key = name.lower().replace(" ", "").replace("_", "-")
    if key not in MATERIALS:
        raise InvalidInput(f"material {name!r} is not one of {', '.join(MATERIALS)}")
    return MATERIALS[key]


def printer(name: str) -> Printer:
    key = name.lower()
    if key not in PRINTERS:
        raise InvalidInput(f"printer {name!r} is not one of {', '.join(PRINTERS)}")
    return PRINTERS[key]


FINE_STEP_DEG = 0.05         # turns tried where no whole degree fits (a divisor of a quarter degree)
WALL_ROUNDING_MM = 0.005     # a wall this much under the minimum is the minimum, rounded (a float32 STL)
BED_MARGIN_MM = 5.0           # kept clear around the bed's edge
PART_GAP_MM = 10.0            # between two parts on one plate
ROOM_MM = 10.0                # free room a turn should leave beyond the margin, where there is that much


@dataclass(frozen=True)
class Placed:
    """One part on a bed: turned ``turn_deg`` about the vertical through the origin of its own
    frame, then moved by (x_mm, y_mm); the bed's corner is (0, 0)."""
    index: int
    turn_deg: float
    x_mm: float
    y_mm: float


def fits_on_bed(footprint: np.ndarray, height: float, build: tuple[float, float, float]) -> tuple[bool, float]:
    """Whether the part, lying on its ground, fits the build volume at some turn about the
    vertical (1 degree steps, a margin kept at the edge); and the turn a plate would give it."""
    plates, unplaced = plan_plates([footprint], [height], build)
    return (not unplaced), (plates[0][0].turn_deg if plates else 0.0)


def plan_plates(footprints: list[np.ndarray], heights: list[float], build: tuple[float, float, float],
                margin: float = BED_MARGIN_MM, gap: float = PART_GAP_MM) -> tuple[list[list[Placed]], list[int]]:
    """Plates for the parts (footprints: (n, 2) points in mm): all on one plate where they fit
    side by side at one turn (a mirrored pair at mirrored turns), else one plate each, each part
    turned for the most room. Returns the plates and the parts that fit no bed at any turn."""
    footprints = [_hull(np.asarray(f, float)) for f in footprints]
    room = np.array(build[:2], float) - 2 * margin
    tall = [k for k, h in enumerate(heights) if h > build[2]]
    parts = [k for k in range(len(footprints)) if k not in tall]
    if len(parts) > 1:
        together = _one_plate([footprints[k] for k in parts], room, gap)
        if together is not None:
            return [[_moved(parts[i], t, lo, margin) for i, (t, lo) in enumerate(together)]], tall
    plates, unplaced = [], list(tall)
    for k in parts:
        alone = _one_plate([footprints[k]], room, gap)
        if alone is None:
            unplaced.append(k)
        else:
            plates.append([_moved(k, *alone[0], margin)])
    return plates, sorted(unplaced)


def _hull(points: np.ndarray) -> np.ndarray:
    """The box of a turned part is its hull's: a few dozen points instead of every vertex (all
    of them where there is no hull, as for points on a line)."""
    from scipy.spatial import QhullError

    try:
        return hull_2d(points)
    except (QhullError, ValueError):
        return points


def _one_plate(footprints: list[np.ndarray], room: np.ndarray, gap: float, step_deg: float = 1.0):
    """[(turn, shift)] for parts in a row along the bed's y (or x), or None: the smallest turn
    that leaves ROOM_MM free beyond the margin (or the most room there is, when less). The
    second of two parts turns the other way (a mirrored pair needs the same room at mirrored
    turns). Turns are tried in whole degrees, then, where none fits, in FINE_STEP_DEG (a long
    part on a tight bed may fit only within a fraction of a degree)."""
    degrees = np.arange(-90.0 + step_deg, 90.0 + step_deg / 2, step_deg)     # a half turn more gives the same box
    angles = np.radians(degrees)
    best = None
    for sign_flip in (True, False):
        signs = [(-1.0 if (sign_flip and k % 2) else 1.0) for k in range(len(footprints))]
        lows, spans = [], []
        for sign, pts in zip(signs, footprints):
            c, s = np.cos(sign * angles), np.sin(sign * angles)
            u = np.outer(pts[:, 0], c) - np.outer(pts[:, 1], s)          # turned x, one column per angle
            w = np.outer(pts[:, 0], s) + np.outer(pts[:, 1], c)
            lows.append(np.stack([u.min(axis=0), w.min(axis=0)], axis=1))
            spans.append(np.stack([np.ptp(u, axis=0), np.ptp(w, axis=0)], axis=1))
        spans = np.array(spans)                                           # (parts, angles, 2)
        for axis in (1, 0):                                               # a row along y, then along x
            along = spans[:, :, axis].sum(axis=0) + gap * (len(footprints) - 1)
            across = spans[:, :, 1 - axis].max(axis=0)
            slack = np.minimum(room[axis] - along, room[1 - axis] - across)
            if slack.max() < 0:
                continue
            # a part turns only as far as it must to leave ROOM_MM free (or the most there is)
            near = np.nonzero(slack >= min(ROOM_MM, slack.max()) - 1e-9)[0]
            k = int(near[np.argmin(np.abs(degrees[near]))])
            key = (abs(degrees[k]), -slack[k])
            if best is None or key < best[0]:
                best = (key, k, axis, signs, [lo[k] for lo in lows], spans[:, k])
    if best is None:
        return _one_plate(footprints, room, gap, FINE_STEP_DEG) if step_deg > FINE_STEP_DEG else None
    _, k, axis, signs, lows, spans = best
    turn = np.degrees(angles[k])
    total = spans[:, axis].sum() + gap * (len(spans) - 1)
    start = 0.5 * (room[axis] - total)
    out = []
    for sign, lo, span in zip(signs, lows, spans):
        corner = np.empty(2)
        corner[axis] = start
        corner[1 - axis] = 0.5 * (room[1 - axis] - span[1 - axis])
        out.append((float(sign * turn) % 360.0, corner - lo))
        start += span[axis] + gap
    return out


def _moved(index: int, turn: float, shift: np.ndarray, margin: float) -> Placed:
    return Placed(index, round(turn, 3), round(float(shift[0] + margin), 3), round(float(shift[1] + margin), 3))


def placed_points(points: np.ndarray, placed: Placed) -> np.ndarray:
    """Points (n, 2 or 3) where the placement puts them on the bed."""
    t = np.radians(placed.turn_deg)
    c, s = np.cos(t), np.sin(t)
    out = np.array(points, float, copy=True)
    x, y = out[:, 0].copy(), out[:, 1].copy()
    out[:, 0], out[:, 1] = c * x - s * y + placed.x_mm, s * x + c * y + placed.y_mm
    return out


def unplaced_points(points: np.ndarray, placed: Placed) -> np.ndarray:
    """Where ``placed_points`` took them from: points on the bed back in the part's own frame."""
    t = np.radians(placed.turn_deg)
    c, s = np.cos(t), np.sin(t)
    out = np.array(points, float, copy=True)
    x, y = out[:, 0] - placed.x_mm, out[:, 1] - placed.y_mm
    out[:, 0], out[:, 1] = c * x + s * y, -s * x + c * y
    return out


def describe_placement(turn_deg: float, build: tuple[float, float, float], axis: str = "long axis") -> str:
    """Where a verdict assumed the part lies, in words: "on the 250 x 210 mm bed, its long axis
    turned +31° from the bed's x axis"."""
    turn = turn_deg if turn_deg <= 180 else turn_deg - 360
    how = f"its {axis} along the bed's x axis" if abs(turn) < 0.5 else f"its {axis} turned {turn:+.0f}° from the bed's x axis"
    return f"on the {build[0]:g} x {build[1]:g} mm bed, {how}"

"""A shoe's sock-liner on the foot: registered heel to heel and axis to axis, and inset by the lab's
allowances into the outline the device is cut to (pure; the liner is read by ``shoe.read``).

Registration. Both outlines are in their own canonical frame (heel at x = 0, the long axis
along x, a left one mirrored), so the heels already meet and the axes already lie along x. What
is left is how the foot sits across the liner: the liner's midline (halfway between its medial
and lateral edges) is brought onto the foot's by a turn about the heel and a shift across,
fitted by least squares over the heel and the ball (``REGISTRATION_SPAN``, shares of the
foot's length); the residual is what that line leaves, the RMS of the midlines' distance over
the span. A foot whose ball lies off-centre in its shoe shows as a larger residual, not a worse
fit.

Allowances. Each point of the registered liner moves inwards, square to the liner's edge, by
its allowance: the heel's medial and lateral ones up to HEEL_END of the foot's length, the
ball's from BALL_START, blended in between; beyond the liner's widest point the ball's
allowance blends into the toe's at the liner's tip.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.geometry.polygon import as_ccw, border_profiles, resample

REGISTRATION_SPAN = ((0.05, 0.25), (0.55, 0.75))    # heel and ball stations (x L of the foot) the midlines are fitted over
HEEL_END = 0.30          # x L: the heel's allowances apply up to here
BALL_START = 0.55        # x L: the ball's from here
LINER_SPACING_MM = 1.0
SMOOTH_MM = 0.5           # the inset outline's cusps and slivers smaller than this are smoothed away
WIDTH_STATIONS = (0.15, 0.68)   # x L: across the heel seat and the ball, where the device is compared with the foot
NARROWER_MM = 3.0               # the device may be this much narrower than the loaded foot (its soft tissue rides the shoe's wall)


@dataclass(frozen=True)
class Allowances:
    toe_mm: float
    ball_medial_mm: float
    ball_lateral_mm: float
    heel_medial_mm: float
    heel_lateral_mm: float

    @classmethod
    def of(cls, rx) -> "Allowances":
        s = rx.shoe
        return cls(s.allowance_toe_mm, s.allowance_ball_medial_mm, s.allowance_ball_lateral_mm, s.allowance_heel_medial_mm,
                   s.allowance_heel_lateral_mm)


@dataclass(frozen=True)
class ShoeFit:
    liner: np.ndarray            # (n, 2) the sock-liner's outline on the foot (the foot's canonical frame), CCW
    inside: np.ndarray           # (m, 2) the liner less its allowances: the device's outline before its trim
    turn_deg: float              # the registration: the liner turned about the heel, then shifted across
    shift_mm: float
    residual_mm: float           # RMS of the midlines' distance over the registration span
    length_mm: float             # the liner's length along the foot
    allowances: Allowances


def _midline(outline: np.ndarray, xs: np.ndarray) -> np.ndarray:
    y_max, y_min = border_profiles(outline, xs)
    return 0.5 * (y_max + y_min)


def _stations(length: float) -> np.ndarray:
    return np.concatenate([np.arange(lo * length, hi * length, 2.0) for lo, hi in REGISTRATION_SPAN])


def fit_liner(liner, foot, allowances: Allowances, sides: tuple[str, ...]) -> ShoeFit:
    """The liner (``shoe.read.Liner``) registered on ``foot`` and inset by ``allowances``, for the
    devices of ``sides`` (a pair is mirrored from one: either liner serves); refused (InvalidInput,
    naming the file and the numbers) for a liner of the other side, one the foot does not fit in,
    or allowances that leave nothing."""
    liner_canonical, source = liner.outline, liner.file
    if len(sides) == 1 and liner.side != sides[0]:
        raise InvalidInput(f"{source}: the sock-liner is a {liner.side} one ({liner.side_how}) and the device is the "
                           f"{sides[0]} one: give the {sides[0]} shoe's liner (or its side in the file)")
    length = foot.length_mm
    liner_length = float(np.ptp(liner_canonical[:, 0]))
    if length + allowances.toe_mm > liner_length:
        raise InvalidInput(f"{source}: the foot is {length:.1f} mm long and the sock-liner {liner_length:.1f} mm: with "
                           f"shoe.allowance_toe_mm = {allowances.toe_mm:g} the device would stand {length + allowances.toe_mm - liner_length:.1f} mm "
                           "past the shoe's toe; a longer shoe, or a smaller allowance")
    try:
        liner, turn, shift, residual = register(liner_canonical, foot.outline, length)
    except ValueError:
        raise InvalidInput(f"{source}: the sock-liner does not reach across the foot's heel and ball: not this foot's shoe") from None
    inside = _inset(liner, length, allowances, source)
    _refuse_narrower_than_the_foot(inside, foot, source)
    return ShoeFit(liner, inside, turn, shift, residual, float(np.ptp(liner[:, 0])), allowances)


def register(liner: np.ndarray, outline: np.ndarray, length: float) -> tuple[np.ndarray, float, float, float]:
    """The liner (its own canonical frame) put on ``outline`` (a foot's or a device's, heel at x = 0):
    (the liner there, CCW; its turn about the heel in degrees; its shift across in mm; the midlines'
    RMS distance after the fit). ValueError when the liner does not reach across the heel and the ball."""
    xs = _stations(length)
    offset = _midline(outline, xs) - _midline(liner, xs)
    seen = np.isfinite(offset)
    if seen.sum() < 10:
        raise ValueError("the liner does not reach across the heel and the ball")
    slope, shift = np.polyfit(xs[seen], offset[seen], 1)
    residual = float(np.sqrt(np.mean((offset[seen] - (shift + slope * xs[seen])) ** 2)))
    turn = float(np.arctan(slope))
    c, s = np.cos(turn), np.sin(turn)
    on = as_ccw(resample(liner @ np.array([[c, s], [-s, c]]) + [0.0, shift], LINER_SPACING_MM))
    return on, float(np.degrees(turn)), float(shift), residual


def _width_at(outline: np.ndarray, x: float) -> float:
    y_max, y_min = border_profiles(outline, np.array([x]))
    return float(y_max[0] - y_min[0])


def _refuse_narrower_than_the_foot(inside: np.ndarray, foot, source: str) -> None:
    """A device narrower than the foot across its heel or its ball by more than NARROWER_MM would
    cut through the heel cup, the posts and the arch that are placed from the foot: refused, with
    the widths (a shoe too narrow for this foot, or allowances too large)."""
    length = foot.length_mm
    for where, x in (("heel", WIDTH_STATIONS[0] * length), ("ball", WIDTH_STATIONS[1] * length)):
        foot_w, device_w = _width_at(foot.outline, x), _width_at(inside, x)
        if not np.isfinite(device_w) or device_w < foot_w - NARROWER_MM:
            raise InvalidInput(f"{source}: across the {where} ({x:.0f} mm from the heel) the foot is {foot_w:.1f} mm wide and the "
                               f"sock-liner less its shoe.allowance_{where}_medial_mm and _lateral_mm {device_w:.1f} mm: the device "
                               f"would be {foot_w - device_w:.1f} mm narrower than the foot (at most {NARROWER_MM:g}); a wider shoe, "
                               "or smaller allowances")


def medial_of_midline(points: np.ndarray, outline: np.ndarray) -> np.ndarray:
    """Which points lie medial (+y) of the outline's midline at their own x (the midline taken
    half a millimetre inside the outline's ends, where a line across still meets both borders)."""
    x = np.clip(points[:, 0], outline[:, 0].min() + 0.5, outline[:, 0].max() - 0.5)
    return points[:, 1] >= np.nan_to_num(_midline(outline, x))


def allowance_at(points: np.ndarray, liner: np.ndarray, foot_length: float, a: Allowances) -> np.ndarray:
    """Each liner point's allowance (mm): by side (medial: +y of the liner's midline there) and
    along the foot, heel to ball, then ball to toe beyond the liner's widest point."""
    x = points[:, 0]
    medial = medial_of_midline(points, liner)
    t = np.clip((x / foot_length - HEEL_END) / (BALL_START - HEEL_END), 0.0, 1.0)
    side = np.where(medial, a.heel_medial_mm + t * (a.ball_medial_mm - a.heel_medial_mm),
                    a.heel_lateral_mm + t * (a.ball_lateral_mm - a.heel_lateral_mm))
    xs = np.arange(liner[:, 0].min() + 0.5, liner[:, 0].max() - 0.5, 1.0)
    y_max, y_min = border_profiles(liner, xs)
    widest = xs[np.nanargmax(y_max - y_min)]
    tip = liner[:, 0].max()
    toward_toe = np.clip((x - widest) / max(tip - widest, 1e-6), 0.0, 1.0)
    return side + toward_toe * (a.toe_mm - side)


def _inset(liner: np.ndarray, foot_length: float, a: Allowances, source: str) -> np.ndarray:
    """The liner with every point moved inwards, square to its edge, by its allowance."""
    tangent = np.roll(liner, -1, axis=0) - np.roll(liner, 1, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-12)
    inward = np.column_stack([-tangent[:, 1], tangent[:, 0]])          # CCW: the interior is on the left
    moved = liner + inward * allowance_at(liner, liner, foot_length, a)[:, None]
    poly = shapely.make_valid(shapely.Polygon(moved))
    if poly.geom_type != "Polygon":
        parts = [g for g in getattr(poly, "geoms", []) if g.geom_type == "Polygon"]
        poly = max(parts, key=lambda g: g.area) if parts else shapely.Polygon()
    # a liner read from a raster (a photo, a scan, a last) wiggles by tenths of a millimetre: moved
    # inwards by more than its wiggles' radius, they fold into cusps and slivers no mesher takes.
    # Closed, then opened, by SMOOTH_MM: those go; a foot-shaped curve moves by under 0.01 mm
    poly = poly.buffer(SMOOTH_MM, quad_segs=8).buffer(-2 * SMOOTH_MM, quad_segs=8).buffer(SMOOTH_MM, quad_segs=8)
    if poly.geom_type != "Polygon":
        poly = max(poly.geoms, key=lambda g: g.area) if not poly.is_empty else shapely.Polygon()
    if poly.is_empty or poly.area < 0.25 * shapely.Polygon(liner).area:
        raise InvalidInput(f"{source}: shoe.allowance_* ({a.heel_medial_mm:g}, {a.heel_lateral_mm:g}, {a.ball_medial_mm:g}, "
                           f"{a.ball_lateral_mm:g}, toe {a.toe_mm:g} mm) leave too little of the sock-liner to stand on")
    return as_ccw(np.asarray(poly.exterior.coords)[:-1])

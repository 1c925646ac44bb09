"""A lab's widths on the device's outline: the heel expansion (the heel widened on its lateral
and medial sides, full over the heel and gone by the midfoot) and the shell width (the midfoot
and ball widened or narrowed, half on each side, the heel and the length left). Pure: an outline
in, an outline out, in the foot's canonical frame (heel at x = 0, +y medial).

Each point moves across the foot by its share of the move: 1 at the border's extreme at its x,
falling to 0 at the midline, so the heel's round back and the toe stay smooth and nothing folds."""
from __future__ import annotations

import numpy as np

from insolegen.geometry.polygon import border_profiles, resample
from insolegen.geometry.ramps import ramp_down, ramp_up

HEEL_FULL_TO = 0.20        # x L from the outline's back: the heel expansion is whole up to here
HEEL_GONE_BY = 0.40        # ... and gone by here
SHELL_FROM = (0.25, 0.40)  # x L: the shell width fades in over this
SHELL_BEYOND_BALL = (0.05, 0.15)   # x L beyond the ball line's x: and out over this
SEAT_STATION = 0.145       # x L from the back: where the heel's width is read (`measure` reads the seat there)
SPACING_MM = 1.0


def lateral_expansion(rx, heel_width: float) -> float:
    """The lateral expansion in mm: as prescribed, or its share of the heel's width."""
    he = rx.heel_expansion
    return he.lateral_mm if he.lateral_pct is None else he.lateral_pct / 100.0 * heel_width


def wanted(rx) -> bool:
    he = rx.heel_expansion
    return bool(he.lateral_mm or he.lateral_pct or he.medial_mm or rx.device.shell_width_mm)


def shell_station(back_x: float, length: float, ball_x: float) -> float:
    """Where the shell width is read: the middle of its whole stretch."""
    return 0.5 * (back_x + SHELL_FROM[1] * length + ball_x + SHELL_BEYOND_BALL[0] * length)


def widen(outline: np.ndarray, rx, length: float, ball_x: float) -> np.ndarray:
    """``outline`` (CCW, the foot's frame) with the heel expansion and the shell width applied."""
    pts = resample(outline, SPACING_MM)
    x, y = pts[:, 0], pts[:, 1]
    back = float(x.min())
    y_max, y_min = border_profiles(pts, np.clip(x, back + 1e-6, x.max() - 1e-6))
    mid, half = 0.5 * (y_max + y_min), np.maximum(0.5 * (y_max - y_min), 1e-6)
    medial_share = np.clip((y - mid) / half, 0.0, 1.0)
    lateral_share = np.clip((mid - y) / half, 0.0, 1.0)
    seat_y = border_profiles(pts, np.array([back + SEAT_STATION * length]))     # where the checks read it
    heel_width = float(seat_y[0][0] - seat_y[1][0])
    heel = ramp_down(x, back + HEEL_FULL_TO * length, back + HEEL_GONE_BY * length)
    shell = (ramp_up(x, back + SHELL_FROM[0] * length, back + SHELL_FROM[1] * length)
             * ramp_down(x, ball_x + SHELL_BEYOND_BALL[0] * length, ball_x + SHELL_BEYOND_BALL[1] * length))
    half_shell = 0.5 * rx.device.shell_width_mm
    move = (heel * (rx.heel_expansion.medial_mm * medial_share - lateral_expansion(rx, heel_width) * lateral_share)
            + half_shell * shell * (medial_share - lateral_share))
    return np.column_stack([x, y + move])

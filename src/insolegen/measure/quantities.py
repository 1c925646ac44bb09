"""What is measured, in the measuring frame (x from the heel end along the long axis, z up from
the ground, medial side +y on a right insole). Regions are fractions of the device's length L
and of its local width w, so the same definitions serve any insole; DEFINITIONS says each in
one line (it is what `insolegen measure --help` and docs/measurement.md print)."""
from __future__ import annotations

import numpy as np

from insolegen.geometry.raster import HeightMap, columns, erode
from insolegen.measure.definitions import DEFINITIONS  # noqa: F401  (kept importable from here)
from insolegen.measure.forefoot import measure_forefoot
from insolegen.measure.pockets import find_pockets
from insolegen.measure.rearfoot import measure_rearfoot

HEEL_WIDTH_OF_FOOT_LENGTH = 0.27     # ANSUR II median: heel breadth / foot length
FULL_LENGTH_TOES = 0.22              # an insole reaching this far (x L) beyond its ball is full length
THREE_QUARTER_OF_FOOT = 0.665        # a three-quarter insole's length / F (it ends just behind the metatarsal heads)
SULCUS_OF_FOOT = 0.84                # a sulcus-length insole's (it ends at the sulcus, behind the toes)
SULCUS_BEYOND_BALL = 0.11            # an insole reaching this far (x L) beyond its widest column is sulcus length
ARCH_WINDOW = (0.30, 0.58)           # of F: where the arch apex is looked for (behind the met pad)



def insole_kind(hm: HeightMap, length: float) -> tuple[str, float]:
    """Whether the insole is full length (its toes are there: it reaches well beyond its widest
    column), sulcus length (it ends beyond its widest column, at the sulcus) or three-quarter
    (it ends close to its widest column: its trim, just behind the metatarsal heads); and that
    column's x, the ball's. Over EU36-47 with offsets of -4 to 10 mm, the front end lies 0.06-0.10
    L beyond the widest column on a three-quarter insole and 0.12-0.20 L on a sulcus one."""
    _, width = columns(hm)
    front = hm.xs > 0.5 * length
    # the middle of the widest columns: a wide forefoot runs at its full width for 15 mm or more,
    # and the first of them would put the ball at that stretch's back
    step = float(hm.xs[1] - hm.xs[0]) if len(hm.xs) > 1 else 1.0
    widest = front & (width >= np.nanmax(width[front]) - 0.25 * step)
    ball_x = float(np.median(hm.xs[widest]))
    if length - ball_x > FULL_LENGTH_TOES * length:
        return "full", ball_x
    return ("three_quarter" if length - ball_x < SULCUS_BEYOND_BALL * length else "sulcus"), ball_x


def ball_and_foot_length(hm: HeightMap, length: float) -> tuple[float, float]:
    """The ball's x (the widest part of the front half) and the foot length F that regions
    scale with. An outline offset lengthens an insole (at both ends if it is full length, at the
    heel if it is three-quarter, ending just behind the metatarsal heads at about 0.665 F, or
    sulcus length, about 0.84 F) and widens it twice, so F is solved from its length and its
    heel's width together, which cancels the offset: length = k F + (2) offset, heel width =
    0.27 F + 2 offset (ANSUR II). Widths alone would take a 10 mm offset for 50 mm of foot."""
    _, width = columns(hm)
    kind, ball_x = insole_kind(hm, length)
    heel = (hm.xs > 0.1 * length) & (hm.xs < 0.35 * length)
    if not heel.any():
        return ball_x, length
    heel_width = float(width[heel].max())
    if kind == "full":                                   # the offset is at both ends
        return ball_x, (length - heel_width) / (1.0 - HEEL_WIDTH_OF_FOOT_LENGTH)
    share = THREE_QUARTER_OF_FOOT if kind == "three_quarter" else SULCUS_OF_FOOT
    return ball_x, (length - heel_width / 2) / (share - HEEL_WIDTH_OF_FOOT_LENGTH / 2)


def measure_quantities(vertices: np.ndarray, hm: HeightMap, medial_sign: float,
                       foot_length_mm: float | None = None, pockets_at=()) -> tuple[dict, list[str]]:
    """``vertices`` in the measuring frame. Returns the quantities (None where the insole has no
    such region) and notes on what could not be measured."""
    notes = []
    x, y, z = vertices.T
    length = float(x.max() - x.min())
    q = {"length_mm": length, "width_mm": float(np.ptp(y)), "height_mm": float(z.max())}
    centre, width = columns(hm)
    ball_x, foot = ball_and_foot_length(hm, length)
    if foot_length_mm is not None:
        foot = float(foot_length_mm)
    q["foot_length_est_mm"] = foot

    q["pockets"] = find_pockets(hm, medial_sign)
    rear, rear_notes = measure_rearfoot(hm, x, y, z, medial_sign, foot, centre, width, pockets_at)
    q.update(rear)
    notes += rear_notes

    # the medial arch
    medial = medial_sign * (y - np.interp(x, hm.xs, np.nan_to_num(centre))) > 0
    arch = medial & (x > ARCH_WINDOW[0] * foot) & (x < min(ARCH_WINDOW[1] * foot, ball_x - 0.03 * foot))
    if arch.any():
        k = np.flatnonzero(arch)[np.argmax(z[arch])]
        q["arch_apex_height_mm"], q["arch_apex_frac"] = float(z[k]), float(x[k] / length)
    else:
        q["arch_apex_height_mm"] = q["arch_apex_frac"] = None
        notes.append("no midfoot between 30 and 58 % of the foot length")

    fore, fore_notes = measure_forefoot(hm, x, y, medial_sign, foot, length, insole_kind(hm, length)[0], centre, width, pockets_at)
    q.update(fore)
    notes += fore_notes

    inner = erode(hm.inside, 2)
    thickness = (hm.top - hm.bottom)[inner]
    q["min_thickness_mm"] = float(thickness.min()) if thickness.size else None
    return q, notes

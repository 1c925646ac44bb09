"""What is measured, in the measuring frame (x from the heel end along the long axis, z up from
the ground, medial side +y on a right insole). Regions are fractions of the device's length L
and of its local width w, so the same definitions serve any insole; DEFINITIONS says each in
one line (it is what `insolegen measure --help` and the README print)."""
from __future__ import annotations

import numpy as np

from insolegen.measure.forefoot import measure_forefoot
from insolegen.measure.pockets import find_pockets
from insolegen.measure.raster import HeightMap, columns, erode
from insolegen.measure.rearfoot import measure_rearfoot

HEEL_WIDTH_OF_FOOT_LENGTH = 0.27     # ANSUR II median: heel breadth / foot length
FULL_LENGTH_TOES = 0.22              # an insole reaching this far (x L) beyond its ball is full length
THREE_QUARTER_OF_FOOT = 0.665        # a three-quarter insole's length / F (it ends just behind the metatarsal heads)
SULCUS_OF_FOOT = 0.84                # a sulcus-length insole's (it ends at the sulcus, behind the toes)
SULCUS_BEYOND_BALL = 0.11            # an insole reaching this far (x L) beyond its widest column is sulcus length

DEFINITIONS = {
    "side": "which foot the insole is for: the medial arch side and the hallux side",
    "length_mm": "extent along the long axis (the long side of the footprint's minimum-area rectangle)",
    "width_mm": "extent across the long axis, on the ground",
    "height_mm": "highest point above the ground plane",
    "foot_length_est_mm": "F, the foot length the regions below are scaled by: as given (--foot-length); else solved from L and the heel's width together, so an outline offset cancels (L = F + 2 offset, or 0.665 F or 0.84 F + offset for a three-quarter or sulcus insole; heel width = 0.27 F + 2 offset; ANSUR II)",
    "heel_seat_height_mm": "height of the heel seat's post plane at the post's pivot (the heel's low edge, lateral for varus, medial for valgus) at 14.5 % of F: base plus heel lift",
    "heel_cup_depth_mm": "highest rim point in the rear 15 % of F above the heel seat (its post plane, and a skive's wedge on the medial side)",
    "rearfoot_post_deg": "tilt about the long axis of the heel seat (the middle of the heel at 9-16 % of F, fitted with a skive's crease and a pocket's floor as levels of their own); + = medial side up",
    "medial_skive_deg": "how much more steeply the heel seat rises medial of a crease near its centre line than lateral of it (a Kirby skive's own varus)",
    "medial_skive_depth_mm": "that extra wedge's height at the heel's medial edge (at 14.5 % of F)",
    "heel_pocket_depth_mm": "depth of a heel pocket's floor below the heel seat (a closed depression with a floor of its own; 0 where there is none)",
    "heel_pocket_x_mm": "the pocket's centre (the circle through its half-depth line), from the heel end",
    "heel_pocket_y_mm": "... and across the long axis, + medial",
    "heel_pocket_diameter_mm": "the pocket's diameter at half its depth",
    "pockets": "every relief pocket in the top (closed depressions below the surface around them): centre x, y (+ medial), depth and diameter at half depth, mm",
    "arch_apex_height_mm": "highest point of the medial half from 30 to 58 % of F (behind the met pad), above the ground",
    "arch_apex_frac": "where that point is, as a fraction of L from the heel end",
    "forefoot_post_deg": "tilt of the forefoot plate (3-13 % of F beyond the ball, the widest part, fitted with a first-ray step where there is one) about the long axis; + = medial side up",
    "forefoot_thickness_mm": "thickness (top minus bottom) of the lesser rays' forefoot plate at the post's pivot (the forefoot's low-side prominence: the 5th head's for varus, the 1st's for valgus)",
    "first_ray_step_mm": "how much higher the forefoot plate stands medial of a line between the first and the lesser rays (+: a Morton's extension; -: a first-ray cut-out or a reverse Morton's), 0 where the plate has no step",
    "met_pad_height_mm": "highest dome (a cell above all within 9 mm) of the central and lateral forefoot (18 % of F behind the ball line, from the forefoot's medial to its lateral prominence, to 3 % beyond it) above the forefoot plate's plane",
    "met_bar_height_mm": "a met bar's rise across the foot: at each mm of distance from the ball line, the 10th percentile of the top's height over the middle 80 % of the width; its highest rise above the chord 20 mm either side, up to 18 % of F behind the ball line (0 where none rises 0.3 mm). Read from the mesh alone, and so disturbed by a heel lift or a forefoot post fading in under it; the design record compares the bar's rise over the same device made without it",
    "met_bar_offset_mm": "how far that crest stands behind the ball line",
    "min_thickness_mm": "smallest thickness (top minus bottom, vertically) at least 1 mm inside the edge",
    "volume_mm3": "volume of the main body",
    "mass_g": "volume x the material's density (printed solid)",
}


def insole_kind(hm: HeightMap, length: float) -> tuple[str, float]:
    """Whether the insole is full length (its toes are there: it reaches well beyond its widest
    column), sulcus length (it ends beyond its widest column, at the sulcus) or three-quarter
    (it ends close to its widest column: its trim, just behind the metatarsal heads); and that
    column's x, the ball's. Over EU36-47 with offsets of -4 to 10 mm, the front end lies 0.06-0.10
    L beyond the widest column on a three-quarter insole and 0.12-0.20 L on a sulcus one."""
    _, width = columns(hm)
    front = hm.xs > 0.5 * length
    ball_x = float(hm.xs[front][np.argmax(width[front])])
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
    arch = medial & (x > 0.30 * foot) & (x < min(0.58 * foot, ball_x - 0.03 * foot))
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

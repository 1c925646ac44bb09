"""Both feet of one person: their landmarks compared as shares of each foot's length, and one
foot's evidence lent to the other where that foot's own is weak.

Left and right feet of one person differ little: in healthy adults the two feet's lengths differ by
a few millimetres and their proportions by less (bilateral asymmetry is small next to the spread
between people), so a landmark more than ``FLAG_MM`` apart along the foot, at the same share of the
length, is more likely a misreading than anatomy: it is flagged for a person to look at.
Where a foot's own evidence for a landmark is weak (its estimate leans on the population prior),
the other foot's evidence, without its prior (counted once), is added as a cue whose SD is that
evidence's own widened by ``BILATERAL_SD_MM``.
"""
from __future__ import annotations

import numpy as np

from insolegen.feet.estimate import Cue, fuse
from insolegen.feet.foot import Foot, reread_landmarks

COMPARED = ("heel_center", "ball_medial", "ball_lateral", "mth1_head", "mth5_head", "met_pad_center", "navicular")
FLAG_MM = 8.0
BILATERAL_SD_MM = 3.0
INFORMED = ("heel_center", "ball_medial", "ball_lateral", "navicular")   # the landmarks read by fusion along the foot


def compare_feet(left: Foot, right: Foot) -> dict:
    """Each compared landmark's distance from the heel as a share of its foot's length on both
    feet, and the difference in mm at their mean length; ``flagged`` names those over FLAG_MM."""
    length = 0.5 * (left.length_mm + right.length_mm)
    rows, flagged = {}, []
    for name in COMPARED:
        a, b = left.landmarks[name].x / left.length_mm, right.landmarks[name].x / right.length_mm
        diff = (a - b) * length
        rows[name] = {"left_share": round(a, 4), "right_share": round(b, 4), "difference_mm": round(float(diff), 2)}
        if abs(diff) > FLAG_MM:
            flagged.append(f"{name} differs by {abs(diff):.1f} mm along the foot between the left ({a:.3f} L) and the right "
                           f"({b:.3f} L) foot")
    return {"landmarks": rows, "flag_over_mm": FLAG_MM, "flagged": flagged,
            "lengths_mm": {"left": round(left.length_mm, 2), "right": round(right.length_mm, 2)}}


def _evidence(foot: Foot, name: str) -> tuple[float, float] | None:
    """The foot's own evidence for a landmark's distance from the heel, as a share of its length
    (mean, SD), without the population prior or another foot's cue; None when it has none."""
    cues = [c for c in foot.landmarks[name].cues if c.get("axis") == "x" and c["what"] not in ("proportion", "other foot")]
    if not cues:
        return None
    est = fuse(None, [Cue(c["what"], c["value_mm"], c["sd_mm"]) for c in cues], name)
    return est.value / foot.length_mm, est.sd / foot.length_mm


def informed_by(foot: Foot, other: Foot) -> Foot:
    """``foot`` with the other foot's evidence added as a cue to each landmark of INFORMED whose own
    estimate leans on the prior more than on its evidence (the landmarks re-read from its marks)."""
    extra = {}
    for name in INFORMED:
        own = foot.landmarks[name]
        prior_weight = sum(c["weight"] for c in own.cues if c.get("axis") == "x" and c["what"] == "proportion")
        theirs = _evidence(other, name)
        if theirs is None or prior_weight <= 0.5:
            continue
        share, sd_share = theirs
        sd = float(np.hypot(sd_share * foot.length_mm, BILATERAL_SD_MM))
        extra[name] = Cue("other foot", share * foot.length_mm, sd, f"the {other.side} foot's evidence at {share:.3f} L")
    if not extra:
        return foot
    return reread_landmarks(foot, foot.marks, extra, f"{', '.join(sorted(extra))} informed by the {other.side} foot's "
                            "evidence (its own leans on the population)")


def inform_each_other(left: Foot, right: Foot) -> tuple[Foot, Foot]:
    """Both feet, each informed by the other's evidence as it was read (so nothing is counted twice)."""
    return informed_by(left, right), informed_by(right, left)

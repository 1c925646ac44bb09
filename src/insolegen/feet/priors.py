"""Where a foot's landmarks lie in the population, and how far a foot may stray from it.

Each landmark has a prior: its distance from the heel as a share of the foot's length L, with
the spread of that share over people. Where a table of real feet gives the share, the numbers
are recomputed from it by ``tests/test_priors.py`` (a planted change to one fails there):

- ball_medial, the 1st MTP joint's medial protrusion: ANSUR II ``balloffootlength`` /
  ``footlength`` over 6,068 US Army adults (Gordon et al. 2014, ANSUR II methods and summary
  statistics, NATICK/TR-15/007; ``shared/data/measurements``): 0.740, SD 0.0143.
- the population band below (length, ball-of-foot share, breadth / L, heel breadth / L): the same
  table.

Where no table is at hand the prior is published anatomy, its spread set wide on purpose:

- ball_lateral, the 5th MTP joint's lateral protrusion: about 0.635 L, the proportion shoe-last
  makers use for the outside ball joint (the 1st at about 0.725-0.74 L); SD 0.025 L assumed.
- navicular tuberosity: about 0.43 L (0.58 of the ball-of-foot length: the tuberosity stands
  just ahead of the ankle's front, midway along the medial longitudinal arch); SD 0.025 L assumed.
- heel_center, the heel's load centre under the calcaneal tuberosity: 0.153 L, SD 0.012 L, and
  0.049 of the heel's breadth medial of its midline. No population table gives it; four real
  readings in ``shared/data`` do, and the prior is their mean, recomputed by
  ``tests/test_priors.py``: a clinician's heel pins in the foam print (0.149 and 0.145 L; 0.080
  and 0.031 of the breadth medial) and the plantar relief's lowest heel in the Techmed3D and FIND
  scans (0.167 L, 0.014; 0.150 L, 0.072). The foam print's pins are therefore not an independent
  check of it. The pressure recording's heel load centre is left out: it moves from 0.139 to
  0.107 L with which of the recording's frames are kept (every 2nd, 4th, 8th, 16th). The heel
  bears on the medial calcaneal tubercle, the larger of its two plantar processes. The largest
  inscribed circle of the heel outline sits further back (0.10-0.13 L): it is the heel *seat* the
  device's rearfoot is laid out from, not where the heel bears.

The heads' row (``HEAD_*``): the joint centres lie inside the border's protrusions by about a
sixth of the ball width (the head's half-width and its fat pad); the 2nd metatarsal is the longest
(the "index minus" formula most feet have: Hardy & Clapham 1951, J Bone Joint Surg 33B:376), its
head about 0.015 L ahead of the 1st, the 3rd and 4th on a smooth curve to the 5th. Across the foot the 1st head, about twice
as wide as a lesser head (it carries the sesamoids), stands 1.5 times as far from the 2nd as the
lesser heads stand from each other. A met pad's
dome sits proximal to the heads, its distal edge clear of them (Hsi, Kang & Lee 2005, Am J Phys
Med Rehabil 84:514, found the best relief with the pad 6-11 mm proximal to the heads): with the
default 35 mm dome its centre stands about 20 mm behind the 2nd-3rd heads, along their shafts
(the foot axis runs along the 2nd metatarsal).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prior:
    """A landmark's distance from the heel as a share of foot length: mean and SD over people."""
    share: float
    sd_share: float
    source: str

    def of(self, length_mm: float) -> tuple[float, float]:
        """(mean, SD) in mm for a foot of this length."""
        return self.share * length_mm, self.sd_share * length_mm


ANSUR = "ANSUR II (6,068 adults)"
PRIORS = {
    "heel_center": Prior(0.153, 0.012, "heel load centre: the mean of the pins and scan reliefs in shared/data"),
    "ball_medial": Prior(0.740, 0.0143, f"{ANSUR} ball-of-foot length / foot length"),
    "ball_lateral": Prior(0.635, 0.025, "shoe-last proportion of the 5th MTP joint (SD assumed)"),
    "navicular": Prior(0.430, 0.025, "navicular tuberosity, 0.58 of ball-of-foot length (SD assumed)"),
}

HEEL_LOAD_MEDIAL_OF_BREADTH = 0.049  # the heel's load centre stands this share of its breadth medial of its midline
HEAD_GAPS = (1.5, 1.0, 1.0, 1.0)     # the heads' spacing across the foot, 1st-2nd to 4th-5th, in proportion
HEAD_INSET_OF_BALL = 0.16       # a head's joint centre lies this share of the ball width inside its border point
SECOND_HEAD_AHEAD_OF_FIRST = 0.015   # of L: MT2 is the longest (index minus)
MET_PAD_BEHIND_HEADS_MM = 20.0  # a met pad's dome centre behind the 2nd-3rd heads (its distal edge clear of them)
SECOND_TOE_FROM_MEDIAL = 0.44   # the foot axis crosses the ball line this far from its medial end

# The population band every foot is checked against before design: (mean, SD, smallest, largest) of each
# measure over ANSUR II's adults (tests/test_priors.py recomputes them). A foot is beyond the band where it
# is more than BAND_SD from the mean AND beyond every adult in the table (their extremes widened by half an
# SD): the shares' tails are long, and no real adult of the table may be refused.
POPULATION = {
    "length_mm": (263.0, 17.4, 198.0, 323.0),
    "ball_share": (0.740, 0.0143, 0.6877, 0.7979),      # ball-of-foot length / L (heel to ball_medial)
    "breadth_share": (0.376, 0.0175, 0.3125, 0.4558),   # ball width / L
    "heel_share": (0.269, 0.0182, 0.1993, 0.3536),      # heel breadth / L
}
BAND_SD = 3.5
# foot length is refused beyond the adults' band above and below a small child's foot: children's
# feet are shorter than any adult's, and their proportions are checked by the shares alone
CHILD_MIN_LENGTH_MM = 110.0

# cue uncertainties (mm, 1 SD), by how a cue was read; a border's flat stretch adds its own spread
CUE_SD_MM = {"given": 1.0, "clinician": 1.0, "clinician pin": 0.5, "relief": 2.0, "outline": 2.0}
OUTLIER_SD = 3.0                # a cue further than this from the prior (in combined SDs) is down-weighted
AUTHORITATIVE = ("given", "clinician", "clinician pin")   # never down-weighted: a person said so

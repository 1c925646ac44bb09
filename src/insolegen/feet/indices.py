"""Clinical footprint indices, from a footprint in the canonical frame (heel at x = 0, toes
toward +x along the foot axis, medial +y) and the foot's landmarks.

Widths are chord lengths across the foot axis; the toeless footprint ends at the toe line,
TOE_LINE_BEYOND_MTH1 x L distal to the 1st metatarsal head (an approximation of the line that
Cavanagh & Rodgers draw tangent to the toes' proximal edge). Only reference ranges we can cite
are used to classify; an index without one is reported as a value.
"""
from __future__ import annotations

import numpy as np
import shapely

from insolegen.feet.foot import Foot

TOE_LINE_BEYOND_MTH1 = 0.06


def _chord(footprint, x: float) -> float:
    return footprint.intersection(shapely.LineString([(x, -1e4), (x, 1e4)])).length


def footprint_indices(footprint, foot: Foot, dorsal_height_at_half_mm: float | None = None) -> dict:
    length = foot.length_mm
    x0 = footprint.bounds[0]
    toe_line = foot.landmarks["ball_medial"].x + TOE_LINE_BEYOND_MTH1 * length
    toeless = footprint.intersection(shapely.box(x0 - 1.0, -1e4, toe_line, 1e4))
    third = (toe_line - x0) / 3.0
    middle = toeless.intersection(shapely.box(x0 + third, -1e4, x0 + 2 * third, 1e4)).area
    arch_index = middle / toeless.area if toeless.area else None

    stations = lambda a, b: np.linspace(x0 + a * (toe_line - x0), x0 + b * (toe_line - x0), 41)  # noqa: E731
    midfoot = min(_chord(footprint, x) for x in stations(0.35, 0.65))
    forefoot = max(_chord(footprint, x) for x in stations(0.7, 1.0))
    heel = max(_chord(footprint, x) for x in stations(0.0, 0.3))

    out = {
        "arch_index": {
            "value": None if arch_index is None else round(arch_index, 3),
            "definition": "area of the middle third of the toeless footprint / its whole area (thirds along the foot axis)",
            "source": "Cavanagh PR, Rodgers MM. The arch index: a useful measure from footprints. J Biomech 1987;20:547-51",
            "reference": "adults: high arch <= 0.21, normal 0.21-0.26, flat >= 0.26 (Cavanagh & Rodgers 1987); no child cut-offs applied",
            "class": None if arch_index is None else ("high arch" if arch_index <= 0.21 else "flat" if arch_index >= 0.26 else "normal"),
        },
        "chippaux_smirak_index": {
            "value": round(100.0 * midfoot / forefoot, 1) if forefoot else None,
            "definition": "narrowest width of the midfoot / widest width of the forefoot x 100 %",
            "source": "Chippaux 1957, Smirak 1960 (as used in footprint studies, e.g. Forriol & Pascual 1990)",
            "reference": "reported as a value: no cut-off used here",
        },
        "staheli_index": {
            "value": round(midfoot / heel, 3) if heel else None,
            "definition": "narrowest width of the midfoot / widest width of the heel",
            "source": "Staheli LT, Chew DE, Corbett M. The longitudinal arch. J Bone Joint Surg Am 1987;69:426-8",
            "reference": "children 5-9 years: mean 0.61-0.67, flat above 1.15 (Hernandez et al., Acta Ortop Bras 2007); "
                         "no adult cut-off used here",
        },
    }
    if dorsal_height_at_half_mm is not None:
        truncated = foot.landmarks["ball_medial"].x
        out["arch_height_index"] = {
            "value": round(dorsal_height_at_half_mm / truncated, 3),
            "definition": "height of the dorsum at 50 % of foot length / truncated foot length (heel to the 1st metatarsal head)",
            "source": "Williams DS, McClay IS. Measurements used to characterize the foot and the medial longitudinal arch. "
                      "Phys Ther 2000;80:864-71; normative values in McPoil et al., The Foot 2008;18:220-7",
            "reference": "reported as a value: no cut-off used here",
        }
    return out

"""A landmark's coordinate as an estimate: the population prior and every cue fused by precision.

Each cue (the outline's border, the sole's relief, a clinician's pin, a value given in the file,
a clinician's correction) carries its own SD. The estimate is the precision-weighted mean of
the prior and the cues, its SD the combined one. A cue that is not a person's word (an outline,
a relief) lying more than ``OUTLIER_SD`` combined SDs from the prior is down-weighted (its
variance grows with the fourth power of how far beyond: continuous at the threshold, negligible
far out) and named in the foot's notes. A person's word (given, clinician) is never
down-weighted; being far from the prior it is still named.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.feet.priors import AUTHORITATIVE, OUTLIER_SD


@dataclass(frozen=True)
class Cue:
    """One reading of a coordinate (mm) and its SD (mm); ``what``: prior, outline, relief, given, ..."""
    what: str
    value: float
    sd: float
    note: str = ""


@dataclass(frozen=True)
class Estimate:
    value: float
    sd: float
    weighted: tuple[tuple[Cue, float], ...]   # each cue (the prior first) with its share of the weight
    notes: tuple[str, ...] = ()

    @property
    def leading(self) -> str:
        """What decided the estimate: the cue with the largest weight."""
        return max(self.weighted, key=lambda cw: cw[1])[0].what

    def cues_dict(self, axis: str) -> list[dict]:
        return [{"what": c.what, "axis": axis, "value_mm": round(c.value, 2), "sd_mm": round(c.sd, 2),
                 "weight": round(w, 3), **({"note": c.note} if c.note else {})} for c, w in self.weighted]


def fuse(prior: Cue | None, cues: list[Cue], label: str, length_mm: float | None = None) -> Estimate:
    """The precision-weighted estimate from ``prior`` (may be None) and ``cues`` (at least one of
    either). ``label`` names the landmark and coordinate in notes; with ``length_mm`` the notes
    give positions as shares of the foot's length too."""
    items = ([prior] if prior is not None else []) + list(cues)
    if not items:
        raise ValueError(f"{label}: nothing to estimate from")
    notes = []
    variances = []
    for cue in items:
        var = max(cue.sd, 1e-6) ** 2
        if prior is not None and cue is not prior:
            z = abs(cue.value - prior.value) / np.sqrt(var + prior.sd ** 2)
            if z > OUTLIER_SD:
                where = f" ({cue.value / length_mm:.3f} L; the population's {prior.value / length_mm:.3f} L)" if length_mm else ""
                if cue.what in AUTHORITATIVE:
                    notes.append(f"{label}: the {cue.what} value lies {z:.1f} SD from the population prior{where}; kept")
                else:
                    var *= (z / OUTLIER_SD) ** 4
                    notes.append(f"{label}: the {cue.what} reading lies {z:.1f} SD from the population prior{where}; "
                                 "down-weighted")
        variances.append(var)
    precision = 1.0 / np.asarray(variances)
    if any(c.what in AUTHORITATIVE for c in items):
        precision = precision * np.array([c.what in AUTHORITATIVE for c in items])
    weights = precision / precision.sum()
    value = float(weights @ np.array([c.value for c in items]))
    return Estimate(value, float(np.sqrt(1.0 / precision.sum())), tuple(zip(items, weights.tolist())), tuple(notes))

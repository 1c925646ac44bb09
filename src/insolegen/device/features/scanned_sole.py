"""Total contact: the smoothed scanned sole, seated on the base, under heel and forefoot (the
midfoot's share is the medial arch's: the sole's own midfoot, scaled to the prescribed arch).
Present only with ``--contour scan``; what the prescription adds to it is checked against the
same device without those features (``Feature.on_sole``)."""
from __future__ import annotations

import numpy as np

from insolegen.device.context import Context, Points
from insolegen.device.features.medial_arch import sole_arch_window
from insolegen.device.features.spec import Feature, no_checks


def field(p: Points, c: Context):
    if c.sole is None:
        return np.zeros_like(p.x)
    return c.sole.height(p.x, p.y) * (1.0 - sole_arch_window(p, c))


def place(c: Context) -> dict:
    return {}


FEATURE = Feature(name="scanned_sole", label="Scanned sole", field=field, amount=None, place=place, words=None,
                  checks=no_checks)

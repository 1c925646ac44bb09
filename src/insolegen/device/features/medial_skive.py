"""A Kirby medial heel skive: an extra varus wedge medial of a crease at the heel's centre line,
its prescribed depth higher at the heel's medial edge."""
from __future__ import annotations

import numpy as np

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.ramps import ramp_down

SKIVE_SMOOTHING = 0.1


def _fades(c: Context) -> tuple[float, float]:
    return c.heel[0] + 0.08 * c.length, c.heel[0] + 0.2 * c.length


def field(p: Points, c: Context):
    if not c.rx.medial_skive.depth_mm:
        return absent(p)
    t = (p.y - c.heel[1]) / (c.rear_y[1] - c.heel[1])
    e = SKIVE_SMOOTHING
    wedge = np.where(t < e, np.clip(t, 0, None) ** 2 / (2 * e), t - e / 2) / (1 - e / 2)
    along = ramp_down(p.x, *_fades(c))
    return c.rx.medial_skive.depth_mm * wedge * along


def place(c: Context) -> dict:
    if not c.rx.medial_skive.depth_mm:
        return {}
    full_to, gone_by = _fades(c)
    return {"medial_skive": {"depth_mm": c.rx.medial_skive.depth_mm, "crease_y": round(float(c.heel[1]), 2),
                             "full_to_x": round(float(full_to), 2), "gone_by_x": round(float(gone_by), 2)}}


def words(rx) -> str | None:
    depth = rx["medial_skive"]["depth_mm"]
    return f"{mm(depth)} (Kirby)" if depth else None


def checks(r: Reading):
    depth = r.rx.medial_skive.depth_mm
    return [r.check("medial_skive_depth_mm", r.added("medial_skive_depth_mm", depth), amount=depth)]


FEATURE = Feature(
    name="medial_skive", label="Medial heel skive", field=field, amount="medial_skive.depth_mm", place=place, words=words,
    checks=checks, tolerances={"medial_skive_depth_mm": 0.5}, on_sole=True,
)

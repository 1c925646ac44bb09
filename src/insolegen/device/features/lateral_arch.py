"""The lateral arch (cuboid / lateral column support): a rise along the lateral border of the
midfoot, read on the mesh as what it adds to the same device without it."""
from __future__ import annotations

import numpy as np

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.medial_arch import ARCH_PLATEAU_MM
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.ramps import ramp_down, smoothstep


def field(p: Points, c: Context):
    if not c.rx.lateral_arch.height_mm:
        return absent(p)
    centre, half = c.lateral_arch_span
    along = smoothstep(1.0 - np.abs(p.x - centre) / half)
    return c.rx.lateral_arch.height_mm * along * ramp_down(p.d_lateral, ARCH_PLATEAU_MM, 0.25 * c.ball_width)


def place(c: Context) -> dict:
    if not c.rx.lateral_arch.height_mm:
        return {}
    centre, half = c.lateral_arch_span
    return {"lateral_arch": {"centre_x": round(float(centre), 2), "half_length_mm": round(half, 2),
                             "height_mm": c.rx.lateral_arch.height_mm}}


def words(rx) -> str | None:
    height = rx["lateral_arch"]["height_mm"]
    return f"{mm(height)} above the base" if height else None


def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
    return {"lateral_arch_rise_mm": rises.along_a_border(probe, "lateral_arch.height_mm", lateral=True)}


def checks(r: Reading):
    height = r.rx.lateral_arch.height_mm
    return [r.compare("lateral_arch_rise_mm", height, r.rises.get("lateral_arch_rise_mm"))] if height else []


FEATURE = Feature(
    name="lateral_arch", label="Lateral arch", field=field, amount="lateral_arch.height_mm", place=place, words=words,
    checks=checks, tolerances={"lateral_arch_rise_mm": 0.5}, names={"lateral_arch_rise_mm": "lateral arch rise"}, rise=rise,
)

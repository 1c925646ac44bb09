"""The forefoot post: the forefoot plate tilted about the foot's axis, rising from its low side,
fading in ahead of the midfoot."""
from __future__ import annotations

import numpy as np

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, tilt
from insolegen.geometry.ramps import ramp_up


def _pivot(c: Context, angle: float) -> float:
    return c.fore_y[0] if angle > 0 else c.fore_y[1]


def field(p: Points, c: Context):
    if not c.rx.forefoot_post.angle_deg:
        return absent(p)
    angle = c.rx.forefoot_post.angle_deg
    return np.tan(np.radians(angle)) * (p.y - _pivot(c, angle)) * ramp_up(p.x, *c.fore_start)


def place(c: Context) -> dict:
    angle = c.rx.forefoot_post.angle_deg
    if not angle:
        return {}
    starts, full_by = c.fore_start
    return {"forefoot_post": {"angle_deg": angle, "pivot_y": round(float(_pivot(c, angle)), 2),
                              "from_x": round(float(starts), 2), "full_by_x": round(float(full_by), 2)}}


def words(rx) -> str | None:
    angle = rx["forefoot_post"]["angle_deg"]
    return tilt(angle) if angle else None


def checks(r: Reading):
    angle = r.rx.forefoot_post.angle_deg
    return [r.check("forefoot_post_deg", r.tilted("forefoot_post_deg", angle), r.plate_note, amount=angle)]


FEATURE = Feature(
    name="forefoot_post", label="Forefoot post", field=field, amount="forefoot_post.angle_deg", place=place, words=words,
    checks=checks, tolerances={"forefoot_post_deg": 0.5}, on_sole=True,
)

"""The rearfoot post: the heel seat tilted about the foot's axis, rising from its low side (the
lateral edge for varus), holding through the rearfoot and fading out by the midfoot."""
from __future__ import annotations

import numpy as np

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, tilt
from insolegen.geometry.ramps import ramp_down


def _pivot(c: Context, angle: float) -> float:
    return c.rear_y[0] if angle > 0 else c.rear_y[1]   # the wedge rises from the low side


def field(p: Points, c: Context):
    if not c.rx.rearfoot_post.angle_deg:
        return absent(p)
    angle = c.rx.rearfoot_post.angle_deg
    return np.tan(np.radians(angle)) * (p.y - _pivot(c, angle)) * ramp_down(p.x, *c.rear_end)


def place(c: Context) -> dict:
    angle = c.rx.rearfoot_post.angle_deg
    if not angle:
        return {}
    full_to, gone_by = c.rear_end
    return {"rearfoot_post": {"angle_deg": angle, "pivot_y": round(float(_pivot(c, angle)), 2),
                              "full_to_x": round(float(full_to), 2), "gone_by_x": round(float(gone_by), 2)}}


def words(rx) -> str:
    post = rx["rearfoot_post"]
    text = f"{tilt(post['angle_deg'])}, {post['kind']}"
    if post.get("motion_grind_deg"):
        text += f", motion grind {post['motion_grind_deg']:g}°"
    return text


def checks(r: Reading):
    angle = r.rx.rearfoot_post.angle_deg
    if r.lateral_skive:
        # the seat lateral of the crease carries the skive: the post is the tilt medial of it
        return [r.check("rearfoot_post_deg", r.tilted("rearfoot_post_deg", angle), "not compared: under a lateral skive "
                        "the post is the heel seat's tilt medial of the crease"),
                r.check("rearfoot_post_medial_deg", r.tilted("rearfoot_post_medial_deg", angle), amount=angle)]
    return [r.check("rearfoot_post_deg", r.tilted("rearfoot_post_deg", angle), amount=angle)]


FEATURE = Feature(
    name="rearfoot_post", label="Rearfoot post", field=field, amount="rearfoot_post.angle_deg", place=place, words=words,
    checks=checks, tolerances={"rearfoot_post_deg": 0.5, "rearfoot_post_medial_deg": 0.5}, on_sole=True,
)

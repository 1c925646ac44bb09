"""The heel spur pocket: a round pocket under the plantar fascia's origin, ahead of and medial to
the heel's centre. ``measure`` reads the heel's pocket (this one, or an offload pocket under the
heel) in the heel seat's own model: its depth, its diameter at half depth and its centre."""
from __future__ import annotations

import numpy as np

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm, xy
from insolegen.device.offload import under_heel
from insolegen.geometry.ramps import ramp_down

POCKET_WALL_MM = 4.0


def pocket_wall_mm(diameter: float) -> float:
    """How wide a pocket's wall is: it slopes from the rim to the floor over this."""
    return min(POCKET_WALL_MM, diameter / 4)


def field(p: Points, c: Context):
    if not c.rx.accommodations.heel_spur_pocket_mm:
        return absent(p)
    acc = c.rx.accommodations
    radius = acc.heel_spur_pocket_diameter_mm / 2
    centre = c.pocket_centre
    r = np.hypot(p.x - centre[0], p.y - centre[1])
    wall = pocket_wall_mm(acc.heel_spur_pocket_diameter_mm)
    return -acc.heel_spur_pocket_mm * ramp_down(r, radius - wall, radius)


def place(c: Context) -> dict:
    acc = c.rx.accommodations
    if not acc.heel_spur_pocket_mm:
        return {}
    return {"heel_spur_pocket": {"centre_mm": xy(c.pocket_centre), "diameter_mm": acc.heel_spur_pocket_diameter_mm,
                                 "depth_mm": acc.heel_spur_pocket_mm}}


def words(rx) -> str | None:
    acc = rx["accommodations"]
    if not acc["heel_spur_pocket_mm"]:
        return None
    return f"{mm(acc['heel_spur_pocket_mm'])} deep, {mm(acc['heel_spur_pocket_diameter_mm'])} across"


def _heel_offload_depth(c: Context) -> float:
    """An offload pocket in the heel is the heel pocket the rearfoot measure reads."""
    return c.rx.offload.depth_mm if any(under_heel(s, c) for s in c.offload) else 0.0


def _off_place(r: Reading) -> float | None:
    """How far the pocket found on the mesh lies from where the design put it (mm)."""
    if r.measured.get("heel_pocket_x_mm") is None:
        return None
    px, py = r.ctx.pocket_centre
    ex, ey, _ = r.frame.to_frame(np.array([px, -py if r.side == "left" else py, 0.0]))
    return float(np.hypot(r.measured["heel_pocket_x_mm"] - ex, r.measured["heel_pocket_y_mm"] - r.frame.medial_sign * ey))


def checks(r: Reading):
    acc = r.rx.accommodations
    depth = acc.heel_spur_pocket_mm or _heel_offload_depth(r.ctx)
    found = [r.check("heel_pocket_depth_mm", r.added("heel_pocket_depth_mm", depth), amount=depth)]
    if acc.heel_spur_pocket_mm:
        # the rim is a smooth shoulder; half-way down, the wall is sharp (the rim's diameter less one wall)
        rim = acc.heel_spur_pocket_diameter_mm
        found += [r.compare("heel_pocket_half_depth_diameter_mm", rim - pocket_wall_mm(rim), r.measured.get("heel_pocket_diameter_mm")),
                  r.compare("heel_pocket_off_place_mm", 0.0, _off_place(r))]
    return found


FEATURE = Feature(
    name="heel_spur_pocket", label="Heel spur pocket", field=field, amount="accommodations.heel_spur_pocket_mm", place=place,
    words=words, checks=checks,
    tolerances={"heel_pocket_depth_mm": 0.2, "heel_pocket_half_depth_diameter_mm": 1.5, "heel_pocket_off_place_mm": 2.0},
    names={"heel_pocket_half_depth_diameter_mm": "heel pocket diameter", "heel_pocket_off_place_mm": "heel pocket off its place"},
    on_sole=True,
)

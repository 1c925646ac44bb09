"""The heel cup: a wall rising around the heel to the prescribed depth above the heel seat."""
from __future__ import annotations

from insolegen.device.checks import Reading
from insolegen.device.context import CUP_WALL_OF_HEEL, Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.ramps import ramp_down, smoothstep


def field(p: Points, c: Context):
    if not c.rx.heel_cup.depth_mm:
        return absent(p)
    wall = CUP_WALL_OF_HEEL * c.heel_width
    along = ramp_down(p.x, c.heel[0] + 0.03 * c.length, c.edge_x_max - 1.0)
    return c.rx.heel_cup.depth_mm * along * smoothstep(1.0 - p.d_edge / wall)


def place(c: Context) -> dict:
    if not c.rx.heel_cup.depth_mm:
        return {}
    return {"heel_cup": {"depth_mm": c.rx.heel_cup.depth_mm, "wall_mm": CUP_WALL_OF_HEEL * c.heel_width,
                         "gone_by_x": round(float(c.edge_x_max - 1.0), 2)}}


def words(rx) -> str | None:
    depth = rx["heel_cup"]["depth_mm"]
    return f"{mm(depth)} deep" if depth else None


def checks(r: Reading):
    depth = r.rx.heel_cup.depth_mm
    return [r.check("heel_cup_depth_mm", r.added("heel_cup_depth_mm", depth), amount=depth)]


FEATURE = Feature(
    name="heel_cup", label="Heel cup", field=field, amount="heel_cup.depth_mm", place=place, words=words, checks=checks,
    tolerances={"heel_cup_depth_mm": 1.0}, on_sole=True,
)

"""A heel lift: the heel raised (limb length, heel raise), tapering out through the midfoot.
Checked as the heel seat's height: the base plus the lift."""
from __future__ import annotations

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.ramps import ramp_down


def _fades(c: Context) -> tuple[float, float]:
    return c.heel[0] + 0.1 * c.length, 0.8 * c.mth5[0]


def field(p: Points, c: Context):
    if not c.rx.heel_lift.height_mm:
        return absent(p)
    return c.rx.heel_lift.height_mm * ramp_down(p.x, *_fades(c))


def place(c: Context) -> dict:
    if not c.rx.heel_lift.height_mm:
        return {}
    full_to, gone_by = _fades(c)
    return {"heel_lift": {"height_mm": c.rx.heel_lift.height_mm, "full_to_x": round(float(full_to), 2),
                          "gone_by_x": round(float(gone_by), 2)}}


def words(rx) -> str | None:
    height = rx["heel_lift"]["height_mm"]
    return mm(height) if height else None


def checks(r: Reading):
    lift = r.rx.heel_lift.height_mm
    # under a lateral skive the seat's low side, where it stands at base plus lift, is the medial edge
    quantity = "heel_seat_medial_edge_mm" if r.lateral_skive else "heel_seat_height_mm"
    seat = r.scanned(quantity)
    base = r.rx.device.base_thickness_mm if seat is None else seat
    return [r.check(quantity, base + lift, amount=lift)]


FEATURE = Feature(
    name="heel_lift", label="Heel lift", field=field, amount="heel_lift.height_mm", place=place, words=words,
    checks=checks, tolerances={"heel_seat_height_mm": 0.2, "heel_seat_medial_edge_mm": 0.2}, on_sole=True,
)

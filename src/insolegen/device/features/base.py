"""The base: the device's thickness, tapering from the heel's to the forefoot's. Every device has
it; its checks are the lesser rays' forefoot plate (a reverse Morton's raises it)."""
from __future__ import annotations

from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, xy
from insolegen.geometry.ramps import ramp_up


def field(p: Points, c: Context):
    heel, fore = c.rx.device.base_thickness_mm, c.rx.forefoot_thickness
    return heel + (fore - heel) * ramp_up(p.x, c.heel[0], c.mth5[0] - 0.08 * c.length)


def place(c: Context) -> dict:
    return {"heel_seat": {"centre_mm": xy(c.heel), "width_mm": c.heel_width}}


def checks(r: Reading):
    reverse = r.rx.accommodations.reverse_mortons_mm
    scanned = r.scanned("forefoot_thickness_mm")
    plate = r.rx.forefoot_thickness if scanned is None else scanned
    return [r.check("forefoot_thickness_mm", plate + reverse, r.plate_note, amount=reverse)]


FEATURE = Feature(
    name="base_thickness", label="Base", field=field, amount=None, place=place, words=None, checks=checks,
    tolerances={"forefoot_thickness_mm": 0.2},
)

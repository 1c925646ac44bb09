"""The flanges: raised walls along the medial or the lateral border of the midfoot, read on the
mesh as what each adds to the same device without it."""
from __future__ import annotations

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.geometry.ramps import ramp_down, ramp_up

FADE_MM = 15.0       # beyond the midfoot's span a flange fades out over this


def _midfoot_window(p: Points, c: Context):
    start, end = c.midfoot_span
    return ramp_up(p.x, start - FADE_MM, start) * ramp_down(p.x, end, end + FADE_MM)


def medial_flange(p: Points, c: Context):
    if not c.rx.accommodations.medial_flange_mm:
        return absent(p)
    return c.rx.accommodations.medial_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_medial, 2, 14)


def lateral_flange(p: Points, c: Context):
    if not c.rx.accommodations.lateral_flange_mm:
        return absent(p)
    return c.rx.accommodations.lateral_flange_mm * _midfoot_window(p, c) * ramp_down(p.d_lateral, 2, 14)


def _flange(side: str, field) -> Feature:
    name, amount = f"{side}_flange", f"{side}_flange_mm"
    quantity = f"{side}_flange_rise_mm"

    def place(c: Context) -> dict:
        height = getattr(c.rx.accommodations, amount)
        if not height:
            return {}
        start, end = c.midfoot_span
        return {name: {"from_x": round(float(start), 2), "to_x": round(float(end), 2), "height_mm": height}}

    def words(rx) -> str | None:
        height = rx["accommodations"][amount]
        return mm(height) if height else None

    def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
        return {quantity: rises.along_a_border(probe, f"accommodations.{amount}", lateral=side == "lateral")}

    def checks(r: Reading):
        height = getattr(r.rx.accommodations, amount)
        return [r.compare(quantity, height, r.rises.get(quantity))] if height else []

    return Feature(name=name, label=f"{side.capitalize()} flange", field=field, amount=f"accommodations.{amount}",
                   place=place, words=words, checks=checks, tolerances={quantity: 0.5},
                   names={quantity: f"{side} flange rise"}, rise=rise)


MEDIAL = _flange("medial", medial_flange)
LATERAL = _flange("lateral", lateral_flange)

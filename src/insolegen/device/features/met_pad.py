"""The met pad: a dome just behind the 2nd-3rd metatarsal heads, where a person put it (a
clinician's pin or correction), else ``met_pad.offset_mm`` behind the midpoint of those heads."""
from __future__ import annotations

import numpy as np

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, Marker, absent, mm, past_the_trim, xy
from insolegen.device.prescription import Prescription
from insolegen.feet.foot import Foot
from insolegen.feet.priors import AUTHORITATIVE
from insolegen.geometry.ramps import smoothstep


def met_pad_centre(foot: Foot, rx: Prescription) -> np.ndarray:
    """Where the met pad goes: where a person put it (a clinician's met-pad pin or correction, a
    met_pad_center given in the outline file), else met_pad.offset_mm behind the midpoint of the 2nd
    and 3rd metatarsal heads along the foot axis (their shafts run along it)."""
    pad = foot.landmarks["met_pad_center"]
    if pad.how in AUTHORITATIVE:
        return pad.xy
    lm = foot.landmarks
    return 0.5 * (lm["mth2_head"].xy + lm["mth3_head"].xy) - [rx.met_pad.offset_mm, 0.0]


def field(p: Points, c: Context):
    if not c.rx.met_pad.height_mm:
        return absent(p)
    mp = c.rx.met_pad
    centre = c.pad_centre
    r = np.hypot((p.x - centre[0]) / (mp.length_mm / 2), (p.y - centre[1]) / (mp.width_mm / 2))
    return mp.height_mm * smoothstep(1.0 - r)


def place(c: Context) -> dict:
    mp = c.rx.met_pad
    if not mp.height_mm:
        return {}
    return {"met_pad": {"centre_mm": xy(c.pad_centre), "length_mm": mp.length_mm, "width_mm": mp.width_mm, "height_mm": mp.height_mm}}


def words(rx) -> str | None:
    pad = rx["met_pad"]
    if not pad["height_mm"]:
        return None
    return f"{mm(pad['height_mm'])} high, {pad['length_mm']:g} x {pad['width_mm']:g} mm, {mm(pad['offset_mm'])} behind the 2nd-3rd heads"


def refuse(c: Context) -> list[str]:
    if not c.rx.met_pad.height_mm:
        return []
    return past_the_trim(c, c.behind_ball(c.pad_centre), "met pad", "met_pad.offset_mm", c.rx.met_pad.offset_mm)


def _on_the_plate(rx: Prescription, scanned_sole: bool) -> bool:
    """Whether the pad stands on a flat forefoot plate (its dome is read by ``measure``), not on a
    scanned sole, a bar, a first-ray or lesser-ray accommodation or a three-quarter device's end."""
    acc = rx.accommodations
    under = (rx.met_bar.height_mm, acc.mortons_extension_mm, acc.reverse_mortons_mm, acc.first_ray_cutout_mm,
             rx.device.length == "three_quarter")
    return not (scanned_sole or any(under))


def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
    if _on_the_plate(probe.context.rx, scanned_sole):
        return {}
    return {"met_pad_rise_mm": rises.under_the_forefoot(probe, "met_pad.height_mm")}


def checks(r: Reading):
    height = r.rx.met_pad.height_mm
    if not height:
        return []
    if "met_pad_rise_mm" not in r.rises:
        return [r.check("met_pad_height_mm", height, r.plate_note)]
    under = ("the scanned sole's own forefoot curve" if r.reference is not None
             else "a three-quarter device, which has no forefoot plate" if not r.has_plate
             else "the met bar or a first-ray or lesser-ray accommodation")
    return [r.check("met_pad_height_mm", height, f"not compared: the pad stands on {under} "
                    "(its rise over the same device without it is compared instead)"),
            r.compare("met_pad_rise_mm", height, r.rises["met_pad_rise_mm"])]


FEATURE = Feature(
    name="met_pad", label="Met pad", field=field, amount="met_pad.height_mm", place=place, words=words, checks=checks,
    tolerances={"met_pad_height_mm": 0.5, "met_pad_rise_mm": 0.5}, names={"met_pad_rise_mm": "met pad rise"},
    rise=rise, refuse=refuse, on_sole=True, marker=Marker("centre_mm", ("met_pad_rise_mm", "met_pad_height_mm")),
)

"""The met bar: a bar across the foot, its crest ``met_bar.offset_mm`` behind the ball line
(the line of the 1st and 5th metatarsal heads), read on the mesh as what it adds."""
from __future__ import annotations

import numpy as np

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, Marker, absent, mm, past_the_trim, xy
from insolegen.geometry.ramps import smoothstep


def field(p: Points, c: Context):
    if not c.rx.met_bar.height_mm:
        return absent(p)
    mb = c.rx.met_bar
    s = c.ball_distance(p) + mb.offset_mm
    return mb.height_mm * smoothstep(1.0 - np.abs(s) / (mb.width_mm / 2))


def place(c: Context) -> dict:
    mb = c.rx.met_bar
    if not mb.height_mm:
        return {}
    crest = c.ball_point - c.ball_normal * mb.offset_mm     # the crest runs along the ball line, offset_mm behind it
    return {"met_bar": {"crest_point_mm": xy(crest), "crest_direction": xy(c.ball_dir), "width_mm": mb.width_mm,
                        "height_mm": mb.height_mm}}


def words(rx) -> str | None:
    bar = rx["met_bar"]
    if not bar["height_mm"]:
        return None
    return f"{mm(bar['height_mm'])} high, {mm(bar['width_mm'])} wide, {mm(bar['offset_mm'])} behind the heads"


def refuse(c: Context) -> list[str]:
    if not c.rx.met_bar.height_mm:
        return []
    return past_the_trim(c, c.rx.met_bar.offset_mm, "met bar", "met_bar.offset_mm", c.rx.met_bar.offset_mm)


def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
    height, off_place = rises.across_the_foot(probe, "met_bar.height_mm", probe.context.rx.met_bar.offset_mm)
    return {"met_bar_rise_mm": height, "met_bar_off_place_mm": off_place}


def checks(r: Reading):
    height = r.rx.met_bar.height_mm
    if not height:
        return []
    return [r.compare("met_bar_rise_mm", height, r.rises.get("met_bar_rise_mm")),
            r.compare("met_bar_off_place_mm", 0.0, r.rises.get("met_bar_off_place_mm"))]


FEATURE = Feature(
    name="met_bar", label="Met bar", field=field, amount="met_bar.height_mm", place=place, words=words, checks=checks,
    tolerances={"met_bar_rise_mm": 0.5, "met_bar_off_place_mm": 2.0},
    names={"met_bar_rise_mm": "met bar rise", "met_bar_off_place_mm": "met bar off its place"},
    rise=rise, refuse=refuse, marker=Marker("crest_point_mm", ("met_bar_rise_mm",)),
)

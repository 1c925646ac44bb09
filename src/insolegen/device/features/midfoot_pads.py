"""The midfoot pads of a lab's order form: a navicular pad (a dome inside the medial border, under
the navicular, on top of the arch) and a cuboid pad (a dome inside the lateral border, beside the
navicular's level: the cuboid and the navicular both lie just ahead of the midtarsal joint).
Each is read on the mesh as what it adds to the same device without it, and where its top is."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.spec import Feature, Marker, absent, mm, xy
from insolegen.geometry.ramps import smoothstep

PLACED_FROM_MM = 1.0     # a lower pad's top is too flat to place: its height is still checked
EDGE_CLEAR_MM = 3.0      # a pad's side stands this far inside its border: the device's edge is not raised
ON_THE_ARCH = ("navicular_pad", "cuboid_pad")   # they add on top of the arch: it is solved to its height without them


def pad_centre(plan, navicular: np.ndarray, rx, which: str) -> np.ndarray:
    """Where a midfoot pad is centred: at the navicular's level (a cuboid pad offset along the foot),
    half its width and EDGE_CLEAR_MM inside its border of the device's outline (``plan``)."""
    pad = getattr(rx, f"{which}_pad")
    if which == "navicular":
        x = float(navicular[0])
        return np.array([x, float(plan.medial_border(np.array([x]))[0]) - pad.width_mm / 2 - EDGE_CLEAR_MM])
    x = float(navicular[0]) + pad.offset_mm
    return np.array([x, float(plan.lateral_border(np.array([x]))[0]) + pad.width_mm / 2 + EDGE_CLEAR_MM])


def _dome(which: str):
    def field(p: Points, c: Context):
        pad = getattr(c.rx, f"{which}_pad")
        if not pad.height_mm:
            return absent(p)
        centre = c.midfoot_pads[which]
        r = np.hypot((p.x - centre[0]) / (pad.length_mm / 2), (p.y - centre[1]) / (pad.width_mm / 2))
        return pad.height_mm * smoothstep(1.0 - r)
    return field


def _pad(which: str, label: str, where: str) -> Feature:
    section, quantity, off = f"{which}_pad", f"{which}_pad_rise_mm", f"{which}_pad_off_place_mm"

    def place(c: Context) -> dict:
        pad = getattr(c.rx, section)
        if not pad.height_mm:
            return {}
        return {section: {"centre_mm": xy(c.midfoot_pads[which]), "length_mm": pad.length_mm, "width_mm": pad.width_mm,
                          "height_mm": pad.height_mm}}

    def words(rx) -> str | None:
        pad = rx[section]
        if not pad["height_mm"]:
            return None
        ahead = f", {mm(pad['offset_mm'])} toward the toes from the navicular's level" if pad.get("offset_mm") else ""
        return f"{mm(pad['height_mm'])} high, {pad['length_mm']:g} x {pad['width_mm']:g} mm, {where}{ahead}"

    def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
        pad = getattr(probe.context.rx, section)
        height, off_place = rises.a_dome(probe, f"{section}.height_mm", probe.context.midfoot_pads[which],
                                         (pad.length_mm / 2, pad.width_mm / 2))
        return {quantity: height, off: off_place}

    def checks(r: Reading):
        height = getattr(r.rx, section).height_mm
        if not height:
            return []
        placed = r.compare(off, 0.0, r.rises.get(off))
        if height < PLACED_FROM_MM:
            placed = replace(placed, note=f"not compared: a pad under {PLACED_FROM_MM:g} mm has no top to find")
        return [r.compare(quantity, height, r.rises.get(quantity)), placed]

    return Feature(name=section, label=label, field=_dome(which), amount=f"{section}.height_mm", place=place, words=words,
                   checks=checks, tolerances={quantity: 0.5, off: 2.0},
                   names={quantity: f"{label.lower()} rise", off: f"{label.lower()} off its place"},
                   rise=rise, marker=Marker("centre_mm", (quantity,)))


NAVICULAR = _pad("navicular", "Navicular pad", "under the navicular")
CUBOID = _pad("cuboid", "Cuboid pad", "under the cuboid")
PADS = {f.name: f for f in (NAVICULAR, CUBOID)}

"""The medial arch: a rise along the medial border, whose amplitude is solved so that the
highest point of the medial midfoot stands at the prescribed height (``surface.solve_arch_amplitude``).
Every device has one. With a scanned sole, the sole's own midfoot is its shape."""
from __future__ import annotations

import numpy as np

from insolegen.device import rises
from insolegen.device.checks import Reading
from insolegen.device.context import Context, Points
from insolegen.device.features.midfoot_pads import ON_THE_ARCH, PADS
from insolegen.device.features.spec import Feature, absent, mm
from insolegen.device.features.top_cover import field as cover_recess
from insolegen.geometry.ramps import ramp_down, ramp_up
from insolegen.measure.quantities import ARCH_WINDOW

ARCH_PLATEAU_MM = 4.0        # the arch keeps its full height this far in from the medial border


def sole_arch_window(p: Points, c: Context):
    """1 over the midfoot (where the arch is solved and measured), 0 under heel and forefoot."""
    return ramp_up(p.x, 0.15 * c.length, 0.25 * c.length) * ramp_down(p.x, 0.62 * c.length, 0.72 * c.length)


def arch_shape(p: Points, c: Context):
    """The medial arch's shape, 1 at the apex plateau; scaled by the solved amplitude. With a
    scanned sole, the sole's own midfoot (an amplitude of 1 is the scanned arch)."""
    if c.sole is not None:
        return c.sole.height(p.x, p.y) * sole_arch_window(p, c)
    a = c.arch
    along = np.where(p.x <= a.apex_x, ramp_up(p.x, a.start_x, a.apex_x), ramp_down(p.x, a.apex_x, a.end_x))
    across = ramp_down(p.d_medial, ARCH_PLATEAU_MM, a.width)
    return along * across


def field(p: Points, c: Context):
    if not c.arch.amplitude:
        return absent(p)
    return c.arch.amplitude * arch_shape(p, c)


def place(c: Context) -> dict:
    a = c.arch
    return {"medial_arch": {"apex_x": a.apex_x, "start_x": a.start_x, "end_x": a.end_x, "width_mm": a.width, "height_mm": a.target}}


def words(rx) -> str:
    arch = rx["arch"]
    height = f"{arch['fill_frac']:g} of the foot's arch" if arch.get("fill_frac") is not None else f"{mm(arch['height_mm'])} high"
    apex = "at the navicular" if arch["apex_frac"] == "navicular" else f"apex at {arch['apex_frac']:g} of the foot's length"
    text = f"{height}, {apex}"
    if arch.get("length_mm") is not None:
        text += f", {mm(arch['length_mm'])} long"
    if arch.get("width_mm") is not None:
        text += f", {mm(arch['width_mm'])} wide"
    return text


def rise(probe: rises.Probe, scanned_sole: bool) -> dict:
    """Under a navicular pad: the arch's highest point on the mesh, with the pads' designed
    shape taken off it (their own rise is read apart), where ``measure`` looks for the apex. The
    mesh is the device's own: under a top cover its top stands the cover's thickness lower than
    the device with its cover on, which is what the arch's height is prescribed for."""
    c, plan = probe.context, probe.plan
    if not c.rx.navicular_pad.height_mm:
        return {}
    gx, gy, top = probe.grid()
    lo, hi = (c.back_x + f * c.length for f in ARCH_WINDOW)
    window = np.isfinite(top) & (gx > lo) & (gx < hi) & (gy > 0.5 * (plan.medial_border(gx) + plan.lateral_border(gx)))
    xy = np.column_stack([gx[window], gy[window]])
    at = Points.of(xy, plan, c)
    pads = sum(PADS[name].field(at, c) for name in ON_THE_ARCH)
    cover = cover_recess(at, c)            # 0, or the cover's thickness below (<= 0) where it lies
    return {"arch_under_pads_mm": float(np.max(top[window] - pads - cover))} if window.any() else {}


def checks(r: Reading):
    if "arch_under_pads_mm" in r.rises:
        return [r.check("arch_apex_height_mm", r.ctx.arch.target, "not compared: a navicular pad stands on the arch "
                        "(the arch under it is compared instead, and the pad's own rise)"),
                r.compare("arch_under_pads_mm", r.ctx.arch.target, r.rises["arch_under_pads_mm"])]
    return [r.check("arch_apex_height_mm", r.ctx.arch.target)]


FEATURE = Feature(
    name="medial_arch", label="Medial arch", field=field, amount=None, place=place, words=words, checks=checks,
    tolerances={"arch_apex_height_mm": 0.5, "arch_under_pads_mm": 0.5}, names={"arch_under_pads_mm": "arch under the pads"},
    rise=rise,
)

"""Every prescription feature, declared once (``spec.Feature``), in the order their fields are
summed into the device's top. Everything that makes, refuses, checks, records or shows a feature
loops over ``FEATURES``: adding a feature is its module, its line below, its test and its docs.

The independent checker (``insolegen.measure``) never reads these declarations: it measures the
mesh alone, and the design compares what it finds with what each feature declares."""
from __future__ import annotations

from insolegen.device.checks import Check, Reading
from insolegen.device.context import Context, Points
from insolegen.device.features import (
    base,
    flanges,
    forefoot_post,
    heel_cup,
    heel_lift,
    heel_spur_pocket,
    lateral_arch,
    medial_arch,
    met_bar,
    met_pad,
    midfoot_pads,
    offload_pockets,
    rays,
    rearfoot_post,
    scanned_sole,
    skives,
    top_cover,
    widths,
)
from insolegen.device.features.spec import Feature, Marker
from insolegen.device.prescription import Prescription

FEATURES: tuple[Feature, ...] = (
    base.FEATURE, scanned_sole.FEATURE, heel_lift.FEATURE, heel_cup.FEATURE, rearfoot_post.FEATURE, skives.MEDIAL, skives.LATERAL,
    forefoot_post.FEATURE, medial_arch.FEATURE, lateral_arch.FEATURE, met_pad.FEATURE, met_bar.FEATURE,
    midfoot_pads.NAVICULAR, midfoot_pads.CUBOID,
    rays.CUTOUT, rays.MORTONS, rays.REVERSE, heel_spur_pocket.FEATURE, flanges.MEDIAL, flanges.LATERAL,
    offload_pockets.FEATURE, widths.LATERAL_EXPANSION, widths.MEDIAL_EXPANSION, widths.SHELL_WIDTH,
    top_cover.FEATURE,
)

# the engraving on the underside is read back too (device.verify.label_checks); it is no part of the top
UNDERSIDE_TOLERANCES = {"label_depth_mm": 0.05, "label_clear_mm": 0.05}
UNDERSIDE_NAMES = {"label_depth_mm": "engraving depth", "label_clear_mm": "engraving clearance"}

TOLERANCES: dict[str, float] = {q: t for f in FEATURES for q, t in f.tolerances.items()} | {
    "length_mm": 0.5, "width_mm": 0.5, **UNDERSIDE_TOLERANCES}
CHECK_NAMES: dict[str, str] = {q: n for f in FEATURES for q, n in f.names.items()} | UNDERSIDE_NAMES


def by_name(name: str) -> Feature:
    return next(f for f in FEATURES if f.name == name)


def by_amount(amount: str) -> Feature:
    """The feature the prescription field ``section.field`` sizes."""
    return next(f for f in FEATURES if f.amount == amount)


def top_surface(p: Points, c: Context, leaving_out: tuple[str, ...] = ()):
    """The device's top: the sum of every feature's field (but those named in ``leaving_out``)."""
    return sum(f.field(p, c) for f in FEATURES if f.name not in leaving_out)


def places(c: Context) -> dict:
    """Where each prescribed feature was made and how big, in the right foot's frame (mm; heel at
    x = 0, +y medial): the record's ``derived.features``, which every picture and view reads
    instead of placing a feature again. Only the features the prescription has."""
    found = {}
    for f in FEATURES:
        found.update(f.place(c))
    return {name: ({k: (round(v, 3) if isinstance(v, float) else v) for k, v in place.items()} if isinstance(place, dict) else place)
            for name, place in found.items()}


def refusals(c: Context) -> list[str]:
    """Why the prescribed features cannot be made on this foot and device (empty: they can)."""
    return [reason for f in FEATURES if f.refuse is not None for reason in f.refuse(c)]


def rises(probe, scanned_sole: bool) -> dict:
    """What each prescribed feature that is read as a rise adds to the device (``device.rises``)."""
    return {q: v for f in FEATURES if f.rise is not None and f.prescribed(probe.context.rx) for q, v in f.rise(probe, scanned_sole).items()}


def checks(reading: Reading) -> list[Check]:
    return [check for f in FEATURES for check in f.checks(reading)]


def bare_on_sole(rx: Prescription) -> Prescription:
    """The prescription without the features a scanned sole has its own of (heel lift, cup, posts,
    skive, pocket, pad, the first-ray features): what a total-contact device's reference is made from."""
    for f in FEATURES:
        if f.on_sole:
            rx = f.without(rx)
    return rx


def prescribed_lines(rx: dict) -> tuple[list[tuple[str, str]], list[str]]:
    """Each feature in a clinician's words from the record's prescription: ([(label, words)] of
    those prescribed, [labels of those not]), in the features' order."""
    lines, absent = [], []
    for f in FEATURES:
        if f.words is None:
            continue
        text = f.words(rx)
        (lines.append((f.label, text)) if text else absent.append(f.label.lower()))
    return lines, absent


__all__ = ["CHECK_NAMES", "FEATURES", "TOLERANCES", "Feature", "Marker", "bare_on_sole", "by_amount", "by_name", "checks", "places",
           "prescribed_lines", "refusals", "rises", "top_surface"]

"""What a feature declares (``Feature``): one object per prescription feature holding every part
of it, so that nothing that makes, refuses, checks, records or shows a feature keeps a list of
its own. ``device.features`` collects them; ``tests/test_features.py`` fails when one lacks a part."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from insolegen.device.checks import Check, Reading
from insolegen.device.context import Context, Points
from insolegen.device.plan import THREE_QUARTER_BEHIND_BALL
from insolegen.device.prescription import Prescription
from insolegen.device.rises import Probe

Field = Callable[[Points, Context], np.ndarray]


@dataclass(frozen=True)
class Marker:
    """Where the 3D view labels a feature and the number it shows there: the first of
    ``quantities`` the record's checks hold, at ``at`` (an (x, y) key of the feature's
    ``derived.features`` entry)."""
    at: str
    quantities: tuple[str, ...]


@dataclass(frozen=True)
class Feature:
    """One prescription feature, declared once.

    name        the field's and the record's key (``met_bar``)
    label       what a person reads (``Met bar``)
    field       its share of the device's top: ``field(points, context) -> dz`` (mm)
    amount      the prescription field that sizes it, ``section.field`` (0 = not made); None for
                a feature no one field switches on (the base and the medial arch every device
                has; the scanned sole and the offload pockets, which the context decides)
    alternative another field that sizes it instead (a skive's angle for its depth; None = unset)
    place       where it was made and how big, for ``derived.features`` (None when absent)
    words       the prescription in a clinician's words, from the record's prescription (None
                when not prescribed)
    checks      its prescribed-vs-measured rows, from a ``Reading`` of the device's mesh
    tolerances  each of its checked quantities' tolerance
    names       human names of the quantities the design reads itself (a rise, an offset)
    rise        what it adds, read on the mesh against the same device without it
                (``device.rises``): ``rise(probe, scanned_sole) -> {quantity: mm}``
    refuse      what makes a design of it impossible: ``refuse(context) -> [reasons]``
    on_sole     on a scanned sole it is checked as what it adds to the sole's own shape (its
                amount is zeroed in the bare-sole reference device)
    marker      where the 3D view labels it, and with which number
    """
    name: str
    label: str
    field: Field
    amount: str | None
    place: Callable[[Context], dict | list | None]
    words: Callable[[Mapping], str | None]
    checks: Callable[[Reading], list[Check]]
    tolerances: Mapping[str, float] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    rise: Callable[[Probe, bool], dict] | None = None
    refuse: Callable[[Context], list[str]] | None = None
    on_sole: bool = False
    marker: Marker | None = None
    alternative: str | None = None

    def prescribed(self, rx: Prescription) -> float:
        """The amount prescribed, or its alternative (0.0 when the feature is not asked for)."""
        if self.amount is None:
            return 1.0
        return next((v for v in (_value(rx, f) for f in (self.amount, self.alternative) if f) if v), 0.0)

    def without(self, rx: Prescription) -> Prescription:
        """The prescription with this feature's amount at 0 (and its alternative unset)."""
        section, name = self.amount.split(".")
        update = {name: 0.0}
        if self.alternative:
            update[self.alternative.split(".")[1]] = None
        part = getattr(rx, section)
        return rx.model_copy(update={section: part.model_copy(update=update)})


def _value(rx: Prescription, field_name: str) -> float:
    section, name = field_name.split(".")
    return float(getattr(getattr(rx, section), name) or 0.0)


def absent(p: Points) -> np.ndarray:
    """A feature not prescribed adds nothing, and its field is not worked out (most of a
    prescription's features are absent, and the fields are evaluated at every point the mesher tries)."""
    return np.zeros_like(p.x)


def mm(value: float) -> str:
    return f"{value:g} mm"


def tilt(angle: float) -> str:
    """+ is varus (medial side up), as the prescription's fields say."""
    if angle == 0:
        return "0° (level)"
    return f"{abs(angle):g}° {'varus' if angle > 0 else 'valgus'}"


def xy(point) -> list[float]:
    return [round(float(v), 2) for v in point]


def no_checks(reading: Reading) -> list[Check]:
    return []


ON_DEVICE_MM = 5.0   # a pad's or a bar's top stands at least this far inside a three-quarter trim


def past_the_trim(c: Context, behind_ball_mm: float, what: str, offset_field: str, offset: float) -> list[str]:
    """A three-quarter device ends ``THREE_QUARTER_BEHIND_BALL`` of the foot length behind the ball
    line: a feature whose top lies ``behind_ball_mm`` behind it, past that line less a margin,
    would be cut through, neither felt nor measurable as prescribed. Refused, naming the offset
    (``offset_field``, now ``offset``) that would keep it on the device."""
    if c.rx.device.length != "three_quarter":
        return []
    trim = THREE_QUARTER_BEHIND_BALL * c.length                   # mm behind the ball line
    short = trim + ON_DEVICE_MM - behind_ball_mm
    if short <= 0:
        return []
    return [f"the three-quarter device would cut its {what}: {offset_field} = {offset:g} puts its top {behind_ball_mm:.0f} mm "
            f"behind the ball line, past the trim ({trim:.0f} mm behind it): give {offset_field} of at least "
            f"{offset + short:.0f}, or device.length = sulcus"]

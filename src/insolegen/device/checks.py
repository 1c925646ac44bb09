"""One prescribed quantity beside its measurement (``Check``), and what a feature's checks read
(``Reading``): plain data, shared by the feature declarations and the verification."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Check:
    quantity: str
    prescribed: float | None
    measured: float | None
    tolerance: float
    note: str = ""
    # on a total-contact device: the prescription's own amount and the scanned sole's value, which
    # together make ``prescribed`` (what the device must measure)
    rx_amount: float | None = None
    from_scan: float | None = None

    @property
    def compared(self) -> bool:
        return self.prescribed is not None and not self.note

    @property
    def ok(self) -> bool:
        return not self.compared or (self.measured is not None and abs(self.measured - self.prescribed) <= self.tolerance)

    def as_dict(self) -> dict:
        r = (lambda v: None if v is None else round(float(v), 3))
        return {"quantity": self.quantity, "prescribed": r(self.prescribed), "measured": r(self.measured),
                "tolerance": self.tolerance, "compared": self.compared, "ok": self.ok, **({"note": self.note} if self.note else {}),
                **({"rx_amount": r(self.rx_amount), "from_scan": r(self.from_scan)} if self.from_scan is not None else {})}


@dataclass(frozen=True)
class Reading:
    """What a feature's checks read: the design, the side whose device was measured, what
    ``insolegen measure`` found on its mesh (``measured``, ``frame``), the same device without the
    features a scanned sole has its own of (``reference``, total contact only) and what the
    rising features add, read on the mesh (``rises``)."""
    design: object                  # device.design.Design
    side: str
    measured: Mapping
    frame: object                   # measure.frame.Frame
    reference: Mapping | None
    rises: Mapping
    tolerances: Mapping[str, float]

    @property
    def rx(self):
        return self.design.prescription

    @property
    def ctx(self):
        return self.design.context

    @property
    def lateral_skive(self) -> bool:
        """A lateral skive is prescribed: the heel seat's crease is read the other way round (the
        post medial of it, the seat's low side at its medial edge)."""
        skive = self.rx.lateral_skive
        return bool(skive.depth_mm or skive.angle_deg)

    @property
    def has_plate(self) -> bool:
        """From the prescription, not the measurement: a plate the measure failed to find must refuse."""
        return self.rx.device.length != "three_quarter"

    @property
    def plate_note(self) -> str:
        return "" if self.has_plate else "not compared: the device has no forefoot plate (it ends at the ball)"

    def scanned(self, quantity: str) -> float | None:
        """The bare-sole device's own value of ``quantity`` (None without a scanned sole)."""
        return (self.reference or {}).get(quantity)

    def added(self, quantity: str, amount: float) -> float:
        """What the device must measure: the amount prescribed, on the scanned sole's own value."""
        scanned = self.scanned(quantity)
        return amount if scanned is None else amount + scanned

    def tilted(self, quantity: str, angle: float) -> float:
        """A post on a scanned sole adds as a slope to the sole's own tilt."""
        scanned = self.scanned(quantity)
        if scanned is None:
            return angle
        return float(np.degrees(np.arctan(np.tan(np.radians(scanned)) + np.tan(np.radians(angle)))))

    def check(self, quantity: str, prescribed: float | None, note: str = "", amount: float | None = None) -> Check:
        """``quantity`` as prescribed beside what ``measure`` found on the mesh. ``amount``: the
        prescription's share where a scanned sole has a value of its own (the record shows the two apart)."""
        scanned = self.scanned(quantity)
        split = {"rx_amount": amount, "from_scan": scanned} if amount is not None and scanned is not None else {}
        return Check(quantity, prescribed, self.measured.get(quantity), self.tolerances[quantity], note, **split)

    def compare(self, quantity: str, prescribed: float, measured: float | None) -> Check:
        """A quantity the design reads itself (a rise over the device without the feature, how far
        a feature found on the mesh lies from its place) beside its prescription."""
        return Check(quantity, prescribed, measured, self.tolerances[quantity])

"""Landmarks from the sole's relief: where the foot bears, not only where its outline runs.

A relief is a map over the plane the outline was read in, larger where the sole bears more: a
3D scan's plantar lows (minus the sole's height above the ground) or a pressure plate's peak
pressure. Two centres are read from it, each the weighted centre of the bearing region's top
(the cells within ``band`` of the region's highest value, weighted by how far within):

- the heel's: under the calcaneal tuberosity, the heel pad's load point (DESIGN's heel centre);
- the forefoot's: under the metatarsal heads, where the load centres under the 2nd-3rd heads
  (plantar pressure studies: peak forefoot pressure lies under MTH2-3, e.g. Hughes et al. 1991,
  Foot Ankle 12:216; Hennig & Milani 1993, Foot Ankle 14:213).

A region whose top covers most of it (a sole pressed flat on a scanner's glass) shows no low: the
relief is then silent there and the outline's reading stands (its ``how`` says so).

A foam print's shade is not used as relief: measured on the GreenAI print, the deepest part of
the impression (the heel) scans lighter than the ball, so darkness does not track depth.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from insolegen.feet.foot import Foot, foot_from_points

HEEL_REGION = (0.0, 0.35)       # of the foot length from the heel
FOREFOOT_REGION = (0.55, 0.84)  # the metatarsal heads, behind the toes
SCAN_BAND_MM = 2.0              # a scan's sole this close to its region's lowest bears
PRESSURE_BAND_SHARE = 0.5       # a sensor within this share of its region's peak bears
SILENT_TOP_SHARE = 0.6          # a region whose top covers more than this of it shows no distinct low
MIN_CELLS = 12


@dataclass(frozen=True)
class Relief:
    """``value`` (n,) at ``xy`` (n, 2) in the plane the outline was read in (mm); larger bears more.
    A cell bears when its value is within ``band`` (the value's own units) or ``band_share`` of
    its region's top (whichever is given)."""
    xy: np.ndarray
    value: np.ndarray
    what: str                    # "the scan's plantar lows", "peak pressure"
    band: float | None = None
    band_share: float | None = None

    def floor(self, top: float) -> float:
        return top - self.band if self.band is not None else top * (1.0 - self.band_share)


def relief_centres(relief: Relief, canonical_xy: np.ndarray, length_mm: float) -> dict[str, np.ndarray]:
    """The heel's and the forefoot's load centres (canonical mm) where the relief shows them;
    ``canonical_xy`` is ``relief.xy`` in the foot's canonical frame (heel at x = 0)."""
    found = {}
    for name, (lo, hi) in (("heel_center", HEEL_REGION), ("forefoot_load", FOREFOOT_REGION)):
        x = canonical_xy[:, 0]
        region = np.isfinite(relief.value) & (x >= lo * length_mm) & (x <= hi * length_mm)
        if region.sum() < MIN_CELLS:
            continue
        values = relief.value[region]
        weight = np.clip(values - relief.floor(float(values.max())), 0.0, None)
        top = weight > 0
        if top.sum() < 3 or top.mean() > SILENT_TOP_SHARE:
            continue
        found[name] = weight @ canonical_xy[region] / weight.sum()
    return found


def scan_relief(xs: np.ndarray, ys: np.ndarray, bottom: np.ndarray, sole: np.ndarray) -> Relief:
    """A scan's plantar lows from its height map (levelled, mm): the sole's cells, lower bears more."""
    gx, gy = np.meshgrid(xs, ys)
    keep = sole & np.isfinite(bottom)
    return Relief(np.column_stack([gx[keep], gy[keep]]), -bottom[keep], "the scan's plantar lows", band=SCAN_BAND_MM)


def pressure_relief(xy: np.ndarray, peak: np.ndarray) -> Relief:
    """Peak pressure per loaded sensor: the top half of each region's pressure bears."""
    loaded = peak > 0
    return Relief(xy[loaded], peak[loaded], "peak pressure", band_share=PRESSURE_BAND_SHARE)


def foot_with_relief(foot: Foot, outline_in: np.ndarray, relief: Relief, side: str | None, source: str) -> Foot:
    """The foot read again with the heel centre and the forefoot's load centre its relief shows
    (``outline_in``: the outline as ``foot_from_points`` was given it, in the relief's plane)."""
    centres = relief_centres(relief, foot.to_canonical(relief.xy), foot.length_mm)
    if not centres:
        return replace(foot, notes=foot.notes + (f"{relief.what} show no distinct low under heel or forefoot: "
                                                 "landmarks from the outline",))
    given = {name: foot.to_input(xy[None])[0] for name, xy in centres.items()}
    again = foot_from_points(outline_in, side=side or foot.side, given_landmarks=given, source=source,
                             given_how="relief", arch=None if foot.arch.is_empty() else foot.arch)
    said = ", ".join(n.replace("_", " ") for n in centres)
    return replace(again, side_how=foot.side_how, side_confidence=foot.side_confidence,
                   notes=foot.notes + (f"{said} from {relief.what}",))

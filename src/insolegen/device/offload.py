"""Offloading: where the prescription's ``[offload]`` sites lie on the device, and the relief
pockets cut there.

A site is a disc in the canonical frame (mm). Three kinds:

- named, from the foot's landmarks: ``mth1`` … ``mth5`` at the metatarsal heads, ``heel`` at the
  heel's centre, ``hallux`` two thirds of the way from the 1st metatarsal head to the toe end;
- a clinician's ``spots`` ``[x, y, r]`` (an ulcer, a callus), as given;
- from a pressure recording: every region of sensors above ``above_kpa`` or ``above_percentile``
  (connected sensors), centred on its pressure-weighted centre, as large as its area.

Under the heel a pocket is at most as large as the named heel site (``NAMED_RADIUS_MM``), so the
heel keeps a seat around it: a named or pressure site is cut to that, a spot refused.

A pocket lowers the top by ``depth_mm`` over the disc less its wall, and its wall rises to the
surface over ``wall_mm`` with the quintic smoothstep (C2, no edge a foot can feel). Overlapping
discs make one pocket (the deepest of them at each point, never the sum). A site must lie on
the device: a disc whose rim would cross the device's edge is refused for a clinician's spot
(its size is prescribed) and shrunk for a named or pressure site, down to ``MIN_RADIUS_MM``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import connected_labels

NAMED_RADIUS_MM = {"mth": 10.0, "hallux": 12.0, "heel": 12.0}
MIN_RADIUS_MM = 8.0          # a smaller pocket has no floor inside its wall to stand on (or to measure)
RIM_CLEARANCE_MM = 1.5       # a pocket's rim stays this far inside the device's edge (its wall needs a shoulder)
MAX_PRESSURE_SITES = 8
HALLUX_ALONG = 2.0 / 3.0
HEEL_REGION_OF_LENGTH = 0.35   # a site behind this share of the foot's length is under the heel


@dataclass(frozen=True)
class Site:
    name: str                 # "mth1", "spot 1", "pressure 1"
    xy: np.ndarray            # (2,) centre, canonical mm
    radius_mm: float
    how: str

    @property
    def field(self) -> str:
        """The prescription's field that asked for this site."""
        if self.name.startswith("spot"):
            return "offload.spots"
        return "offload.above_kpa or offload.above_percentile" if self.name.startswith("pressure") else "offload.sites"

    def as_dict(self) -> dict:
        return {"site": self.name, "x_mm": round(float(self.xy[0]), 2), "y_mm": round(float(self.xy[1]), 2),
                "radius_mm": round(self.radius_mm, 2), "how": self.how}


def named_site(foot, name: str, radius: float | None) -> Site:
    lm = foot.landmarks
    if name == "heel":
        return Site(name, lm["heel_center"].xy, radius or NAMED_RADIUS_MM["heel"], f"heel centre ({lm['heel_center'].how})")
    if name == "hallux":
        head = lm["mth1_head"].xy
        xy = head + HALLUX_ALONG * np.array([foot.length_mm - head[0], 0.0])
        return Site(name, xy, radius or NAMED_RADIUS_MM["hallux"],
                    f"two thirds of the way from the 1st metatarsal head ({lm['mth1_head'].how}) to the toe end")
    head = lm[f"{name}_head"]
    return Site(name, head.xy, radius or NAMED_RADIUS_MM["mth"], f"metatarsal head {name[3]} ({head.how})")


def pressure_sites(pressure, threshold_kpa: float | None, percentile: float | None) -> tuple[list[Site], dict]:
    """The regions of the recording above the threshold, largest first (at most MAX_PRESSURE_SITES),
    and how the threshold was read."""
    from scipy.spatial import cKDTree

    if threshold_kpa is not None:
        if pressure.kpa is None:
            raise InvalidInput(f"offload.above_kpa = {threshold_kpa:g} needs the recording's unit, which the file does not store: "
                               "give --pressure-unit (kPa, N/cm2 or psi), or use offload.above_percentile")
        values, level = pressure.kpa, threshold_kpa
        said = f"above {threshold_kpa:g} kPa ({pressure.statistic} pressure)"
    else:
        values = pressure.value
        level = float(np.percentile(values, percentile))
        said = f"above the {percentile:g}th percentile of the loaded sensors ({level:.3g} {pressure.unit or 'in the file unit'}, {pressure.statistic} pressure)"
    hot = np.flatnonzero(values > level)
    info = {"threshold": said, "sensors_above": int(len(hot))}
    if not len(hot):
        return [], info
    pitch = float(np.median(cKDTree(pressure.xy).query(pressure.xy, k=2)[0][:, 1]))   # the sensors' spacing on the foot
    pairs = cKDTree(pressure.xy[hot]).query_pairs(1.5 * pitch, output_type="ndarray")
    labels = connected_labels(pairs[:, 0], pairs[:, 1], len(hot))
    n = int(labels.max()) + 1
    regions = []
    for k in range(n):
        members = hot[labels == k]
        w = values[members] - level
        w = w if w.sum() > 0 else np.ones(len(members))
        centre = w @ pressure.xy[members] / w.sum()
        radius = float(np.sqrt(len(members) * pitch * pitch / np.pi) + pitch / 2)
        regions.append((float(values[members].max()), centre, radius, len(members)))
    regions.sort(key=lambda r: -r[0])
    if len(regions) > MAX_PRESSURE_SITES:
        info["left_out"] = f"{len(regions) - MAX_PRESSURE_SITES} smaller regions beyond the {MAX_PRESSURE_SITES} highest"
    sites = [Site(f"pressure {k + 1}", c, min(max(r, MIN_RADIUS_MM), 20.0), f"{m} sensors {said}, peak {top:.3g}")
             for k, (top, c, r, m) in enumerate(regions[:MAX_PRESSURE_SITES])]
    return sites, info


def _heel_sized(site: Site, foot, shrink: bool) -> Site:
    """A pocket under the heel wider than a named heel site's would take the whole seat inside
    the heel cup, leaving nothing for the heel to stand on around it: cut to that size (a
    clinician's spot: refused)."""
    largest = NAMED_RADIUS_MM["heel"]
    if site.xy[0] > HEEL_REGION_OF_LENGTH * foot.length_mm or site.radius_mm <= largest:
        return site
    if not shrink:
        raise InvalidInput(f"offload site {site.name} (radius {site.radius_mm:g} mm) under the heel: at most {largest:g} mm, "
                           "or the heel has no seat left around its pocket; give a smaller radius in offload.spots")
    return Site(site.name, site.xy, largest, site.how + f"; radius cut to {largest:g} mm to leave the heel a seat around it")


def _fit_on_device(site: Site, outline: shapely.Polygon, shrink: bool) -> Site:
    centre = shapely.Point(site.xy)
    if not outline.contains(centre):
        raise InvalidInput(f"offload site {site.name} ({site.field}) at ({site.xy[0]:.0f}, {site.xy[1]:.0f}) mm lies off the "
                           "device (past its trim or its edge)")
    room = outline.exterior.distance(centre) - RIM_CLEARANCE_MM
    if site.radius_mm <= room:
        return site
    if not shrink or room < MIN_RADIUS_MM:
        raise InvalidInput(f"offload site {site.name} ({site.field}; radius {site.radius_mm:g} mm at {site.xy[0]:.0f}, "
                           f"{site.xy[1]:.0f}) crosses the device's edge: at most {max(room, 0):.1f} mm fits there"
                           + ("" if shrink else "; give a smaller radius"))
    return Site(site.name, site.xy, float(room), site.how + f"; radius cut to {room:.1f} mm to stay on the device")


def offload_sites(foot, rx, outline: np.ndarray, pressure=None) -> tuple[tuple[Site, ...], dict]:
    """Every site the prescription asks for, on the device outline (canonical mm), and the
    record's account of how they were found."""
    off = rx.offload
    info: dict = {}
    sites = [named_site(foot, name, off.site_radius_mm) for name in off.sites]
    sites += [Site(f"spot {k + 1}", np.array([x, y], float), float(r), "a clinician's spot, as given")
              for k, (x, y, r) in enumerate(off.spots)]
    shrinkable = [True] * len(off.sites) + [False] * len(off.spots)
    if off.above_kpa is not None or off.above_percentile is not None:
        if pressure is None:
            which = "above_kpa" if off.above_kpa is not None else "above_percentile"
            raise InvalidInput(f"offload.{which} needs a pressure recording: give --pressure FILE (with --pitch-mm)")
        found, info = pressure_sites(pressure, off.above_kpa, off.above_percentile)
        sites += found
        shrinkable += [True] * len(found)
    sites = [_heel_sized(site, foot, ok) for site, ok in zip(sites, shrinkable)]
    polygon = shapely.Polygon(outline)
    placed = tuple(_fit_on_device(s, polygon, ok) for s, ok in zip(sites, shrinkable))
    return placed, info


def pocket_groups(sites) -> list[list[int]]:
    """Sites whose discs overlap make one pocket: the groups, as indices into ``sites`` (in the
    order of each group's first site)."""
    n = len(sites)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
             if np.hypot(*(sites[i].xy - sites[j].xy)) < sites[i].radius_mm + sites[j].radius_mm]
    a, b = (np.array(side, int) for side in zip(*pairs)) if pairs else (np.zeros(0, int), np.zeros(0, int))
    labels = connected_labels(a, b, n)
    return [np.flatnonzero(labels == k).tolist() for k in range(int(labels.max()) + 1)] if n else []


def under_heel(site: Site, ctx) -> bool:
    """Whether the site lies in the heel's region of the device (behind HEEL_REGION_OF_LENGTH
    of the foot from the device's back end): its pocket is then the heel's, read with the seat."""
    return bool(site.xy[0] < ctx.back_x + HEEL_REGION_OF_LENGTH * ctx.length)

"""The device's plan view: the foot outline offset and trimmed to the prescribed length, and
what the surface features need from it (borders, distance to the edge)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from insolegen.device import widening
from insolegen.device.prescription import Prescription
from insolegen.errors import DesignFailed, InvalidInput
from insolegen.feet.foot import Foot, heads_frame
from insolegen.geometry.polygon import as_ccw, border_profiles, dedupe, resample, smooth_1d

OUTLINE_SPACING_MM = 1.0
THREE_QUARTER_BEHIND_BALL = 0.05   # x L: the 3/4 trim line sits this far proximal to the ball line
SULCUS_BEYOND_BALL = 0.085         # x L: the sulcus trim line sits this far distal to the ball line
TRIM_CORNER_RADIUS_MM = 6.0
BORDER_STATION_MM = 0.5
BORDER_SMOOTHING_MM = 2.0
MIN_EDGE_MM = 0.2              # an outline edge shorter than this, nearly in line with the next, is merged
SLIVER_OFF_LINE_MM = 0.01
EDGE_SAMPLE_MM = 0.5           # the distance to the edge is to these samples of it: < 0.01 mm off where the heel cup uses it


@dataclass(frozen=True)
class Plan:
    outline: np.ndarray          # (n, 2) CCW, the device's edge, spacing <= OUTLINE_SPACING_MM
    stations: np.ndarray         # (m,) x stations of the border profiles
    y_medial: np.ndarray         # (m,) smoothed medial (max y) border
    y_lateral: np.ndarray        # (m,) smoothed lateral (min y) border
    edge_tree: cKDTree           # over a dense copy of the outline, for distance to the edge
    before_widening: np.ndarray | None = None   # the untrimmed outline before the lab's widths (None without them)

    def medial_border(self, x: np.ndarray) -> np.ndarray:
        return np.interp(x, self.stations, self.y_medial)

    def lateral_border(self, x: np.ndarray) -> np.ndarray:
        return np.interp(x, self.stations, self.y_lateral)

    def distance_to_edge(self, xy: np.ndarray, beyond: float = np.inf) -> np.ndarray:
        """Distance to the outline; ``inf`` where it is more than ``beyond`` (faster)."""
        return self.edge_tree.query(xy, distance_upper_bound=beyond)[0]

    def extreme_y(self, x_lo: float, x_hi: float) -> tuple[float, float]:
        """Smallest and largest y of the outline between two x."""
        sel = (self.outline[:, 0] >= x_lo) & (self.outline[:, 0] <= x_hi)
        ys = self.outline[sel, 1]
        return float(ys.min()), float(ys.max())


def ball_frame(foot: Foot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ball line: a point on it (the middle of the 1st and 5th metatarsal heads' joint
    centres), its unit direction (lateral -> medial) and its distal normal. It runs as the ball's
    border points do (the ball girth's line of last making), through the heads' middle: the line
    of the heads' centres themselves is steeper (the 5th joint centre lies further back than its
    protrusion), and a trim cut along it would leave a pointed medial tongue on a narrow foot."""
    lm = foot.landmarks
    u, n = heads_frame(lm["ball_medial"].xy, lm["ball_lateral"].xy)
    return 0.5 * (lm["mth1_head"].xy + lm["mth5_head"].xy), u, n


def _offset_outline(foot: Foot, rx: Prescription) -> shapely.Polygon:
    poly = shapely.Polygon(foot.outline)
    offset = rx.device.outline_offset_mm
    return poly.buffer(offset, quad_segs=32) if offset else poly


def _without_slivers(pts: np.ndarray) -> np.ndarray:
    """The outline less the vertices that end an edge shorter than MIN_EDGE_MM nearly in line
    with the next (within SLIVER_OFF_LINE_MM of the chord that replaces them): an offset's buffer
    leaves such slivers, and no Delaunay triangulation keeps an edge that short and that flat
    (the mesh could not conform to the outline). Any other vertex stays: the outline is exact."""
    prev, nxt = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
    chord = nxt - prev
    rel = pts - prev
    off_line = np.abs(chord[:, 0] * rel[:, 1] - chord[:, 1] * rel[:, 0]) / np.maximum(np.linalg.norm(chord, axis=1), 1e-12)
    short = np.linalg.norm(pts - prev, axis=1) < MIN_EDGE_MM
    drop = short & (off_line < SLIVER_OFF_LINE_MM)
    drop &= ~np.roll(drop, 1)                      # never two in a row: each chord replaces one vertex
    return pts[~drop]


def _as_outline(poly: shapely.Polygon) -> np.ndarray:
    pts = _without_slivers(as_ccw(dedupe(np.asarray(poly.exterior.coords)[:-1], tol=0.05)))
    return resample(pts, OUTLINE_SPACING_MM)


def _uncut(foot: Foot, rx: Prescription, shoe_outline: np.ndarray | None) -> shapely.Polygon:
    """The outline before its trim: the foot's (offset, then widened by the lab's widths), or a
    shoe's sock-liner less its allowances."""
    if shoe_outline is None:
        poly = _offset_outline(foot, rx)
        if not widening.wanted(rx):
            return poly
        widened = shapely.make_valid(shapely.Polygon(widened_outline(np.asarray(poly.exterior.coords)[:-1], foot, rx)))
        if widened.geom_type != "Polygon":
            raise InvalidInput(f"heel_expansion and device.shell_width_mm = {rx.device.shell_width_mm:g} leave the outline in pieces "
                               "on this foot: narrow it less")
        return widened
    if rx.device.outline_offset_mm:
        raise InvalidInput(f"device.outline_offset_mm = {rx.device.outline_offset_mm:g} does not apply with a shoe: the outline "
                           "is the sock-liner's less its shoe.allowance_* fields; leave it at 0")
    if widening.wanted(rx):
        raise InvalidInput("heel_expansion.* and device.shell_width_mm do not apply with a shoe: the outline is the sock-liner's "
                           "less its shoe.allowance_* fields (lower shoe.allowance_heel_lateral_mm to widen the heel)")
    return shapely.Polygon(shoe_outline)


def widened_outline(outline: np.ndarray, foot: Foot, rx: Prescription) -> np.ndarray:
    """``outline`` (the foot's frame) with the lab's widths (``device.widening``) applied on this foot."""
    return widening.widen(outline, rx, foot.length_mm, float(ball_frame(foot)[0][0]))


def behind_line(poly: shapely.Polygon, origin: np.ndarray, u: np.ndarray, n: np.ndarray, length: float) -> shapely.Polygon:
    """The part of ``poly`` behind the line through ``origin`` along ``u`` (``n``: its distal
    normal): a trim across the foot, as the ball line gives it."""
    big = 4 * length
    keep = shapely.Polygon([origin + big * u, origin + big * u - big * n, origin - big * u - big * n, origin - big * u])
    return poly.intersection(keep)


def device_outline(foot: Foot, rx: Prescription, shoe_outline: np.ndarray | None = None) -> np.ndarray:
    poly = _uncut(foot, rx, shoe_outline)
    length = foot.length_mm
    if rx.device.length != "full":
        shift = -THREE_QUARTER_BEHIND_BALL if rx.device.length == "three_quarter" else SULCUS_BEYOND_BALL
        point, u, n = ball_frame(foot)
        poly = behind_line(poly, point + shift * length * n, u, n, length)
        poly = poly.buffer(-TRIM_CORNER_RADIUS_MM, quad_segs=16).buffer(TRIM_CORNER_RADIUS_MM, quad_segs=16)
    if poly.geom_type != "Polygon" or poly.is_empty:
        raise DesignFailed("the trimmed, offset outline is not one piece; check device.outline_offset_mm and device.length")
    return _as_outline(poly)


def make_plan(foot: Foot, rx: Prescription, shoe_outline: np.ndarray | None = None) -> Plan:
    """The plan of the device: the foot's outline (offset), or with ``shoe_outline`` (a sock-liner
    less its allowances, on the foot) that one, trimmed to the prescribed length."""
    outline = device_outline(foot, rx, shoe_outline)
    # The medial and lateral borders are the untrimmed outline's, not the trimmed device's:
    # a trim cuts the features off; it must not bend a flange or the arch round the trim corner.
    untrimmed = _as_outline(_uncut(foot, rx, shoe_outline))
    x0, x1 = untrimmed[:, 0].min(), untrimmed[:, 0].max()
    stations = np.arange(x0 + 0.05, x1 - 0.05, BORDER_STATION_MM)
    y_max, y_min = border_profiles(untrimmed, stations)
    sigma = BORDER_SMOOTHING_MM / BORDER_STATION_MM
    dense = resample(outline, EDGE_SAMPLE_MM)
    return Plan(
        outline=outline,
        stations=stations,
        y_medial=smooth_1d(y_max, sigma),
        y_lateral=smooth_1d(y_min, sigma),
        # larger, unbalanced leaves: a quarter faster to search for this dense, ordered line of samples
        edge_tree=cKDTree(dense, leafsize=32, balanced_tree=False, compact_nodes=False),
        before_widening=_as_outline(_offset_outline(foot, rx)) if shoe_outline is None and widening.wanted(rx) else None,
    )

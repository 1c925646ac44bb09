"""Finding an insole's own frame from its mesh alone, in any placement: the ground plane it
stands on, its long axis, its heel end and its medial side, each with how sure we are.

Measuring frame: x along the long axis from the heel end (0) to the toe end, z up from the
ground, y = z x x (so the medial side is +y on a right insole and -y on a left one).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from insolegen.errors import InvalidInput
from insolegen.geometry.arrays import face_normals, hull_2d, row_norms
from insolegen.geometry.raster import HeightMap, height_maps
from insolegen.geometry.topology import face_areas
from insolegen.measure.quantities import ball_and_foot_length, columns

BOTTOM_NORMAL_MAX_DEG = 35.0     # the ground's normal is within this of the thinnest direction
CONTACT_MM = 0.25                # faces this close to the ground plane stand on it
HULL_POINTS = 3000


@dataclass(frozen=True)
class Frame:
    origin: np.ndarray       # (3,) the frame's origin in the file's coordinates (mm)
    axes: np.ndarray         # (3, 3) rows: x, y, z of the frame in the file's coordinates
    side: str                # "left" / "right"
    medial_sign: float       # +1: medial is +y; -1: medial is -y
    confidence: dict         # bottom, heel_end, side: 0 (a guess) ... 1 (certain)
    how: dict                # a sentence per decision

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        return (points - self.origin) @ self.axes.T

    def as_dict(self) -> dict:
        return {"origin_mm": np.round(self.origin, 3).tolist(), "x_axis": np.round(self.axes[0], 5).tolist(),
                "y_axis": np.round(self.axes[1], 5).tolist(), "up": np.round(self.axes[2], 5).tolist(),
                "confidence": {k: round(v, 3) for k, v in self.confidence.items()}, "how": dict(self.how)}


def principal_axes(vertices: np.ndarray, faces: np.ndarray, areas: np.ndarray | None = None) -> np.ndarray:
    """The surface's principal directions, weighted by face area (``areas``, when known):
    columns from the thinnest direction to the longest."""
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    areas = face_areas(vertices, faces) if areas is None else areas
    centroids = (a + b + c) / 3.0
    w = areas / areas.sum()
    d = centroids - w @ centroids
    return np.linalg.eigh((d * w[:, None]).T @ d)[1]


def _ground(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, float, float, str]:
    """The up direction, the ground height along it, the confidence and how it was found: of
    the convex hull's planes facing roughly along the thinnest direction, the one the most
    mesh area stands on."""
    from scipy.spatial import ConvexHull, QhullError

    face_n = face_normals(vertices, faces)
    face_area = 0.5 * row_norms(face_n)
    face_n = face_n / np.maximum(2 * face_area, 1e-12)[:, None]
    thin = principal_axes(vertices, faces, face_area)[:, 0]
    # the hull of a thinned set of vertices finds the planes as well; contact is then counted
    # on every face
    # (a fixed pseudo-random choice: a regular stride can alias with the vertex order)
    sample = vertices
    if len(vertices) > HULL_POINTS:
        sample = vertices[np.random.default_rng(0).choice(len(vertices), HULL_POINTS, replace=False)]
    try:
        hull = ConvexHull(sample)
    except (QhullError, ValueError):
        raise InvalidInput("the mesh is flat or degenerate: it has no volume to stand on a ground plane") from None
    normals, offsets = hull.equations[:, :3], hull.equations[:, 3]
    hv = sample[hull.simplices]
    hull_area = 0.5 * row_norms(np.cross(hv[:, 1] - hv[:, 0], hv[:, 2] - hv[:, 0]))
    best = []
    for sign in (1.0, -1.0):
        facing = normals @ (sign * thin) > np.cos(np.radians(BOTTOM_NORMAL_MAX_DEG))
        if not facing.any():
            best.append((0.0, None))
            continue
        keys = np.column_stack([np.round(normals[facing] * 100), np.round(offsets[facing] / 0.5)])
        _, group = np.unique(keys, axis=0, return_inverse=True)
        group = group.reshape(-1)
        area = np.bincount(group, weights=hull_area[facing])
        g = int(np.argmax(area))
        n = (normals[facing][group == g] * hull_area[facing][group == g, None]).sum(axis=0)
        n /= np.linalg.norm(n)
        height = vertices @ n
        support = height.max()
        near = support - height < CONTACT_MM
        on_plane = near[faces[:, 0]] & near[faces[:, 1]] & near[faces[:, 2]] & (face_n @ n > 0.9)
        best.append((float(face_area[on_plane].sum()), n))
    (area_a, n_a), (area_b, n_b) = best
    if n_a is None and n_b is None:
        raise InvalidInput("found no plane for the insole to stand on")
    tie = abs(area_a - area_b) <= 0.05 * max(area_a, area_b)
    if tie and n_a is not None and n_b is not None:
        # a flat slab stands equally well on either face: take the one facing the file's -z
        # (files are usually written as printed, standing on the bed)
        first = n_a[2] <= n_b[2]
    else:
        first = area_a >= area_b
    contact, n, other = (area_a, n_a, area_b) if first else (area_b, n_b, area_a)
    up = -n
    ground = float((vertices @ up).min())
    confidence = contact / (contact + other) if contact > 0 else 0.0
    how = (f"the convex hull's plane with the most mesh area on it ({contact:.0f} mm² of faces stand on it, "
           f"{other:.0f} mm² on the best plane of the other side)")
    if tie:
        how += "; both faces are flat alike, so the one facing the file's -z was taken as the bottom"
    return up, ground, confidence, how


def _long_axis(points_2d: np.ndarray) -> np.ndarray:
    """The long side of the footprint's minimum-area bounding rectangle (unit 2D vector)."""
    hull = hull_2d(points_2d)
    edges = np.roll(hull, -1, axis=0) - hull
    angles = np.unique(np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2))
    c, s = np.cos(angles), np.sin(angles)
    u = hull @ np.vstack([c, s])            # (k, angles) along each candidate direction
    w = hull @ np.vstack([-s, c])
    du, dw = np.ptp(u, axis=0), np.ptp(w, axis=0)
    k = int(np.argmin(du * dw))
    direction = np.array([c[k], s[k]])
    return direction if du[k] >= dw[k] else np.array([-s[k], c[k]])


def _cue(value: float, scale: float) -> float:
    if not scale > 0:          # nothing to compare with (a flat or empty shape): no evidence either way
        return 0.0
    return float(np.clip(value / scale, -1.0, 1.0))


def _heel_end_cues(hm: HeightMap, length: float) -> tuple[float, str]:
    """> 0: the heel is at low x. The heel end is the narrower one (the heel's widest against the
    ball's: every foot of ANSUR II is wider at the ball, up to a heel of 0.92 of it; the toes
    can be narrower than a wide heel) and, usually, the higher one (heel cup, heel lift)."""
    _, widths = columns(hm)
    x = hm.xs - hm.xs.min()
    near_low = (x > 0.05 * length) & (x < 0.35 * length)
    near_high = (x > 0.65 * length) & (x < 0.95 * length)
    width_cue = _cue(widths[near_high].max() - widths[near_low].max(), 0.1 * widths.max())
    rear, front = hm.top[:, x < 0.25 * length], hm.top[:, x > 0.75 * length]
    height_cue = _cue(np.nanmean(rear) - np.nanmean(front), 3.0)
    score = (2.0 * width_cue + height_cue) / 3.0
    return score, (f"the narrower end (width cue {width_cue:+.2f}) and the higher end (height cue "
                   f"{height_cue:+.2f}) is the heel")


def _medial_cues(hm: HeightMap, length: float) -> tuple[float, str]:
    """> 0: the medial side is +y. The medial arch is the higher side of the midfoot (on
    average: the arch support is broad, a flange along either border is narrow); and the ball
    line is oblique: the foot is widest medially at the 1st metatarsal head, further forward
    than laterally at the 5th (a trim parallel to the ball line keeps that)."""
    inside = hm.inside
    centre, width = columns(hm)
    ball_x, foot = ball_and_foot_length(hm, length)
    ys = hm.ys[:, None]
    mid = (hm.xs > 0.28 * foot) & (hm.xs < ball_x - 0.03 * foot)
    plus = np.where(inside & (ys > centre), hm.top, np.nan)[:, mid]
    minus = np.where(inside & (ys < centre), hm.top, np.nan)[:, mid]
    arch = float(np.nanmean(plus) - np.nanmean(minus)) if np.isfinite(plus).any() and np.isfinite(minus).any() else 0.0
    arch_cue = _cue(arch, 2.0) if abs(arch) > 0.3 else 0.0
    front = (hm.xs > 0.45 * length) & inside.any(axis=0)
    y_hi = np.where(inside, ys, -np.inf).max(axis=0)[front]
    y_lo = np.where(inside, ys, np.inf).min(axis=0)[front]
    xs = hm.xs[front]
    # where each border is furthest out: the mean x of the columns within 1 mm of its extreme
    x_plus = xs[y_hi >= y_hi.max() - 1.0].mean()
    x_minus = xs[y_lo <= y_lo.min() + 1.0].mean()
    ball_cue = _cue(x_plus - x_minus, 0.04 * foot)
    score = (arch_cue + ball_cue) / 2.0
    return score, (f"the higher midfoot side (on average) is the medial arch (arch cue {arch_cue:+.2f}, {abs(arch):.1f} mm); "
                   f"the side widest furthest forward is the 1st metatarsal head's (ball cue {ball_cue:+.2f}, "
                   f"{abs(x_plus - x_minus):.0f} mm)")


def find_frame(vertices: np.ndarray, faces: np.ndarray, side: str = "auto") -> tuple[Frame, HeightMap]:
    """The measuring frame and the height maps in it."""
    up, ground, bottom_conf, bottom_how = _ground(vertices, faces)
    e1 = np.cross(up, [1.0, 0.0, 0.0])
    if np.linalg.norm(e1) < 0.1:
        e1 = np.cross(up, [0.0, 1.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(up, e1)
    flat = np.column_stack([vertices @ e1, vertices @ e2])
    a = _long_axis(flat)
    x_axis = a[0] * e1 + a[1] * e2
    y_axis = np.cross(up, x_axis)
    axes = np.vstack([x_axis, y_axis, up])
    local = vertices @ axes.T
    origin_local = np.array([local[:, 0].min(), 0.5 * (local[:, 1].min() + local[:, 1].max()), ground])
    length = float(np.ptp(local[:, 0]))
    hm = height_maps(local - origin_local, faces)

    heel_score, heel_how = _heel_end_cues(hm, length)
    if heel_score < 0:                      # turn round (x -> L - x, y -> -y): the heel is at high x
        axes = axes * np.array([[-1.0], [-1.0], [1.0]])
        origin_local = origin_local * [-1.0, -1.0, 1.0] + [-length, 0.0, 0.0]
        hm = HeightMap(length - hm.xs[::-1], -hm.ys[::-1], hm.top[::-1, ::-1], hm.bottom[::-1, ::-1])
    medial_score, side_how = _medial_cues(hm, length)
    if side in ("left", "right"):
        found, side_conf, side_how = side, 1.0, "given (--foot-side)"
    elif side == "auto":
        found, side_conf = ("right" if medial_score >= 0 else "left"), abs(medial_score)
    else:
        raise InvalidInput(f"side {side!r} is not left, right or auto")
    origin = origin_local @ axes            # axes is orthonormal: back to file coordinates
    return Frame(
        origin=origin, axes=axes, side=found, medial_sign=1.0 if found == "right" else -1.0,
        confidence={"bottom": bottom_conf, "heel_end": abs(heel_score), "side": side_conf},
        how={"bottom": bottom_how, "long_axis": "the long side of the footprint's minimum-area bounding rectangle",
             "heel_end": heel_how, "side": side_how},
    ), hm

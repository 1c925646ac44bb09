"""Foot outlines: validation, the canonical frame, side detection and landmarks.

Canonical frame (DESIGN §2): a RIGHT foot seen from above; the heel's posterior-most point at
x = 0; +x along the foot axis (heel centre -> second toe) toward the toes; +y toward the
MEDIAL side; the ground is z = 0. A left foot is mirrored (y -> -y) on the way in.

Outlines arrive as seen from above, z up (a tracing on the floor). How each landmark is
found is recorded with it: ``given`` (in the input file), ``detected`` (from the shape) or
``estimated`` (from ANSUR II proportions).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.feet.polygon import as_ccw, border_profiles, dedupe, edge_lengths, signed_area

MIN_POINTS = 20
FOOT_LENGTH_RANGE_MM = (100.0, 400.0)
WIDTH_RATIO_RANGE = (0.22, 0.65)
SPIKE_TURN_DEG = 150.0          # a vertex that turns back more than this is a spike...
SPIKE_MIN_EDGE_MM = 3.0         # ...when its edges are long enough to matter
SIDE_MIN_CONFIDENCE = 0.3
UNIT_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}

# Proportions used where the shape does not show a landmark (ANSUR II medians, see footshape.py)
BALL_LENGTH_FRAC = 0.74         # heel -> 1st MTP joint / foot length
MTH5_LENGTH_FRAC = 0.64         # heel -> 5th MTP joint / foot length
NAVICULAR_OF_BALL_LENGTH = 0.58  # navicular tuberosity / ball-of-foot length (about 0.43 L)
ARCH_START_OF_BALL_LENGTH = 0.30
ARCH_END_OF_BALL_LENGTH = 0.88
SECOND_TOE_FROM_MEDIAL = 0.44   # the foot axis crosses the ball line this far from its medial end


@dataclass(frozen=True)
class Landmark:
    """A point in the canonical frame (mm) and how it was obtained."""
    x: float
    y: float
    how: str
    note: str = ""

    def as_dict(self) -> dict:
        return {"x_mm": round(self.x, 3), "y_mm": round(self.y, 3), "how": self.how, "note": self.note}


@dataclass(frozen=True)
class Measure:
    """A scalar measurement of the foot (mm) and how it was obtained."""
    value: float
    how: str
    note: str = ""

    def as_dict(self) -> dict:
        return {"value_mm": round(self.value, 3), "how": self.how, "note": self.note}


@dataclass(frozen=True)
class ArchMeasurements:
    """The podiatrist's measurements of the foot's medial arch (weight-bearing), in mm."""
    height_mm: float | None = None      # plantar surface at the medial arch apex above the floor
    apex_mm: float | None = None        # the apex's distance from the heel
    start_mm: float | None = None
    end_mm: float | None = None
    navicular_height_mm: float | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def is_empty(self) -> bool:
        return not self.as_dict()


@dataclass(frozen=True)
class Foot:
    """A foot outline in the canonical frame with its landmarks. ``outline`` is (n, 2), CCW."""
    outline: np.ndarray
    side: str
    side_how: str
    side_confidence: float
    landmarks: dict[str, Landmark]
    measures: dict[str, Measure]
    source: str
    arch: ArchMeasurements = field(default_factory=ArchMeasurements)
    warnings: tuple[str, ...] = ()       # what the user should check (a guess, a conflict)
    notes: tuple[str, ...] = ()          # how something was read, for the record (e.g. the image's scale)
    # input (x, y) -> canonical: A @ p + b (A mirrors for a left foot); None when not known
    frame: tuple[np.ndarray, np.ndarray] | None = None
    # clinical footprint indices (see insolegen.feet.indices) where the input shows the weight-bearing
    # contact area (scans standing on the ground, footprint images, pressure maps); None otherwise
    indices: dict | None = None

    def to_canonical(self, xy: np.ndarray) -> np.ndarray:
        a, b = self.frame
        return xy @ a.T + b

    @property
    def length_mm(self) -> float:
        return self.measures["length"].value

    def with_arch(self, arch: ArchMeasurements) -> "Foot":
        validate_arch_measurements(arch, self.length_mm)
        return replace(self, arch=arch)


def validate_arch_measurements(arch: ArchMeasurements, length_mm: float) -> None:
    checks = [("arch height", arch.height_mm, 0.0, 60.0), ("navicular height", arch.navicular_height_mm, 10.0, 80.0)]
    for name in ("apex", "start", "end"):
        checks.append((f"arch {name}", getattr(arch, f"{name}_mm"), 0.1 * length_mm, 0.8 * length_mm))
    for name, value, lo, hi in checks:
        if value is not None and not lo <= value <= hi:
            raise InvalidInput(f"{name} measurement {value:g} mm is out of range {lo:.0f} … {hi:.0f} mm for this foot")
    order = [v for v in (arch.start_mm, arch.apex_mm, arch.end_mm) if v is not None]
    if order != sorted(order) or len(set(order)) != len(order):
        raise InvalidInput(
            f"arch measurements must satisfy start < apex < end (got start={arch.start_mm}, "
            f"apex={arch.apex_mm}, end={arch.end_mm} mm)"
        )


def to_mm(points: np.ndarray, units: str | None, source: str) -> tuple[np.ndarray, str]:
    """Scale to mm and check the size is a foot's; suggest the likely unit when it is not."""
    units = (units or "mm").lower()
    if units not in UNIT_TO_MM:
        raise InvalidInput(f"{source}: unknown units {units!r}; use one of {', '.join(UNIT_TO_MM)}")
    scaled = points * UNIT_TO_MM[units]
    extent = float(np.ptp(scaled, axis=0).max())
    lo, hi = FOOT_LENGTH_RANGE_MM
    if not lo <= extent <= hi:
        guesses = [u for u, k in UNIT_TO_MM.items() if lo <= extent / UNIT_TO_MM[units] * k <= hi]
        hint = f"; it looks like {guesses[0]}: give --units {guesses[0]}" if guesses else ""
        raise InvalidInput(
            f"{source}: the outline measures {extent:g} mm long in {units}, implausible for a foot "
            f"({lo:.0f} … {hi:.0f} mm){hint}"
        )
    return scaled, units


def validate_outline(points: np.ndarray, source: str) -> np.ndarray:
    """Checks a raw outline in mm; returns it CCW with no repeated points."""
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or not np.isfinite(points).all():
        raise InvalidInput(f"{source}: the outline must be finite (x, y) pairs")
    points = dedupe(points)
    if len(points) < MIN_POINTS:
        raise InvalidInput(f"{source}: the outline has {len(points)} distinct points; at least {MIN_POINTS} are needed")
    if abs(signed_area(points)) < 1.0:
        raise InvalidInput(f"{source}: the outline encloses no area")
    ring = shapely.LinearRing(points)
    if not ring.is_simple:
        raise InvalidInput(f"{source}: the outline crosses itself; it must be one simple closed curve")
    points = as_ccw(points)
    _check_spikes(points, source)
    return points


def _check_spikes(points: np.ndarray, source: str) -> None:
    before = points - np.roll(points, 1, axis=0)
    after = np.roll(points, -1, axis=0) - points
    cos = np.einsum("ij,ij->i", before, after) / (np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1))
    turn = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    long_edges = np.minimum(edge_lengths(np.roll(points, 1, axis=0)), edge_lengths(points)) > SPIKE_MIN_EDGE_MM
    bad = np.flatnonzero((turn > SPIKE_TURN_DEG) & long_edges)
    if bad.size:
        x, y = points[bad[0]]
        raise InvalidInput(
            f"{source}: the outline has a spike at ({x:.1f}, {y:.1f}) mm (it turns back by "
            f"{turn[bad[0]]:.0f}°); fix or remove that point"
        )


def foot_from_points(
    points_mm: np.ndarray,
    *,
    side: str | None = None,
    given_landmarks: dict[str, tuple[float, float]] | None = None,
    source: str = "outline",
    arch: ArchMeasurements | None = None,
) -> Foot:
    """Validate an outline (mm, seen from above, any placement) and put it in the canonical
    frame with its side and landmarks. ``given_landmarks`` are in the same frame as the points."""
    points = validate_outline(points_mm, source)
    given = {k: np.asarray(v, dtype=float) for k, v in (given_landmarks or {}).items()}
    unknown = set(given) - set(GIVEN_LANDMARK_NAMES)
    if unknown:
        raise InvalidInput(
            f"{source}: unknown landmark(s) {', '.join(sorted(unknown))}; known: {', '.join(GIVEN_LANDMARK_NAMES)}"
        )

    rot, origin = _principal_frame(points)
    pts = (points - origin) @ rot.T
    a, b = rot, -rot @ origin          # the running input -> canonical transform
    lm = {k: (v - origin) @ rot.T for k, v in given.items()}

    detected_side, confidence = detect_side(pts)
    warnings: list[str] = []
    if side is None:
        if confidence < SIDE_MIN_CONFIDENCE:
            raise InvalidInput(
                f"{source}: cannot tell a left from a right foot in this outline (confidence "
                f"{confidence:.2f}); give --foot-side left or --foot-side right"
            )
        side, side_how = detected_side, "detected"
    else:
        side = side.lower()
        if side not in ("left", "right"):
            raise InvalidInput(f"side {side!r} is not left or right")
        side_how = "given"
        if side != detected_side and confidence >= 0.6:
            warnings.append(f"the outline looks like a {detected_side} foot (confidence {confidence:.2f}) but --foot-side says {side}")
    if side == "left":
        pts = pts * [1.0, -1.0]
        lm = {k: v * [1.0, -1.0] for k, v in lm.items()}
        a, b = np.diag([1.0, -1.0]) @ a, b * [1.0, -1.0]
    pts = as_ccw(pts)

    # Align the foot axis (heel centre -> second toe), twice: each estimate improves the frame.
    for _ in range(2):
        heel, toe = _axis_points(pts, lm)
        angle = np.arctan2(toe[1] - heel[1], toe[0] - heel[0])
        c, s = np.cos(-angle), np.sin(-angle)
        r = np.array([[c, -s], [s, c]])
        pts = (pts - heel) @ r.T
        lm = {k: (v - heel) @ r.T for k, v in lm.items()}
        shift = np.array([pts[:, 0].min(), 0.0])
        pts, lm = pts - shift, {k: v - shift for k, v in lm.items()}
        a, b = r @ a, r @ (b - heel) - shift

    landmarks, measures = find_landmarks(pts, lm)
    foot = Foot(
        outline=pts, side=side, side_how=side_how, side_confidence=round(confidence, 3),
        landmarks=landmarks, measures=measures, source=source, warnings=tuple(warnings), frame=(a, b),
    )
    return foot.with_arch(arch) if arch is not None else foot


GIVEN_LANDMARK_NAMES = ("heel_center", "second_toe", "mth1", "mth5", "navicular")


def _principal_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation putting the long axis on +x with the toes (the wider end) toward +x."""
    centre = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centre, full_matrices=False)
    axis = vt[0]
    rot = np.array([[axis[0], axis[1]], [-axis[1], axis[0]]])
    local = (points - centre) @ rot.T
    x = local[:, 0]
    lo, hi = x.min(), x.max()
    stations_rear = np.linspace(lo + 0.05 * (hi - lo), lo + 0.3 * (hi - lo), 20)
    stations_front = np.linspace(hi - 0.4 * (hi - lo), hi - 0.15 * (hi - lo), 20)
    w_rear = np.nanmax(np.subtract(*border_profiles(local, stations_rear)))
    w_front = np.nanmax(np.subtract(*border_profiles(local, stations_front)))
    if w_rear > w_front:
        rot = -rot
    return rot, centre


def detect_side(pts: np.ndarray) -> tuple[str, float]:
    """Right or left for an outline already turned toes-to-+x (not mirrored), with a confidence
    in [0, 1]. Three cues, each positive for a right foot: the toe tip lies medial (+y) of the
    forefoot's centre (the hallux); the ball line is oblique, its medial end (1st MTP) more distal;
    the medial border is hollower than the lateral one at the midfoot."""
    x0, length = pts[:, 0].min(), np.ptp(pts[:, 0])
    frac = lambda f: x0 + f * length  # noqa: E731
    y_max, y_min = border_profiles(pts, np.array([frac(0.45), frac(0.7), frac(0.15)]))
    ball_width = max(y_max[1] - y_min[1], 1e-6)
    tip = pts[pts[:, 0] > pts[:, 0].max() - 0.01 * length].mean(axis=0)
    cue_tip = (tip[1] - 0.5 * (y_max[1] + y_min[1])) / ball_width

    window = np.linspace(frac(0.5), frac(0.9), 81)
    w_max, w_min = border_profiles(pts, window)
    cue_oblique = (window[np.nanargmax(w_max)] - window[np.nanargmin(w_min)]) / (0.1 * length)

    heel_mid = 0.5 * (y_max[2] + y_min[2])
    ball_mid = 0.5 * (y_max[1] + y_min[1])
    centre_45 = heel_mid + (ball_mid - heel_mid) * (0.45 - 0.15) / (0.7 - 0.15)
    cue_hollow = ((centre_45 - y_min[0]) - (y_max[0] - centre_45)) / ball_width

    score = float(np.mean([np.tanh(cue_tip / 0.1), np.tanh(cue_oblique / 0.5), np.tanh(cue_hollow / 0.05)]))
    return ("right" if score > 0 else "left"), abs(score)


def _axis_points(pts: np.ndarray, given: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    heel = given.get("heel_center")
    if heel is None:
        heel = _fit_heel_centre(pts)
    toe = given.get("second_toe")
    if toe is None:
        (mth1, _), (mth5, _) = _ball_points(pts, given)
        across = mth1 + SECOND_TOE_FROM_MEDIAL * (mth5 - mth1)
        toe = np.array([pts[:, 0].max(), across[1]])
    return heel, toe


def _fit_heel_centre(pts: np.ndarray) -> np.ndarray:
    """Centre of the circle fitted (least squares, Kasa) to the posterior heel outline."""
    x0, length = pts[:, 0].min(), np.ptp(pts[:, 0])
    rear = pts[pts[:, 0] < x0 + 0.1 * length]
    a = np.column_stack([2 * rear, np.ones(len(rear))])
    b = (rear ** 2).sum(axis=1)
    (cx, cy, _), *_ = np.linalg.lstsq(a, b, rcond=None)
    # a flat-backed outline has no circle to fit: fall back to the centre of the rear chord
    if not x0 < cx < x0 + 0.3 * length:
        y_max, y_min = border_profiles(pts, np.array([x0 + 0.15 * length]))
        return np.array([x0 + 0.15 * length, 0.5 * (y_max[0] + y_min[0])])
    return np.array([cx, cy])


def _ball_points(pts: np.ndarray, given: dict[str, np.ndarray]):
    """1st and 5th metatarsal heads: the medial and lateral ends of the forefoot's widest chord."""
    x0, length = pts[:, 0].min(), np.ptp(pts[:, 0])
    found = []
    for name, lo, hi, expected, pick in (
        ("mth1", 0.55, 0.88, BALL_LENGTH_FRAC, np.nanargmax),
        ("mth5", 0.5, 0.8, MTH5_LENGTH_FRAC, np.nanargmin),
    ):
        if name in given:
            found.append((given[name], "given"))
            continue
        stations = np.linspace(x0 + lo * length, x0 + hi * length, 121)
        y_max, y_min = border_profiles(pts, stations)
        border = y_max if name == "mth1" else y_min
        k = int(pick(border))
        sign = 1 if name == "mth1" else -1
        prominence = sign * (border[k] - np.array([border[0], border[-1]]))
        if 0 < k < len(stations) - 1 and prominence.min() > 0.5:
            found.append((np.array([stations[k], border[k]]), "detected"))
        else:
            xe = x0 + expected * length
            ye = border_profiles(pts, np.array([xe]))[0 if name == "mth1" else 1][0]
            found.append((np.array([xe, ye]), "estimated"))
    return found[0], found[1]


def find_landmarks(pts: np.ndarray, given: dict[str, np.ndarray]) -> tuple[dict[str, Landmark], dict[str, Measure]]:
    """Landmarks of a canonical (right, heel at x = 0) outline."""
    length = float(pts[:, 0].max())
    heel = given.get("heel_center")
    heel_how = "given" if heel is not None else "detected"
    if heel is None:
        heel = _fit_heel_centre(pts)
    (mth1, how1), (mth5, how5) = _ball_points(pts, given)
    y_max, y_min = border_profiles(pts, np.array([heel[0]]))
    heel_width = float(y_max[0] - y_min[0])

    nav = given.get("navicular")
    if nav is not None:
        navicular = Landmark(float(nav[0]), float(nav[1]), "given")
    else:
        nx = NAVICULAR_OF_BALL_LENGTH * mth1[0]
        navicular = Landmark(float(nx), float(border_profiles(pts, np.array([nx]))[0][0]), "estimated",
                             f"{NAVICULAR_OF_BALL_LENGTH} x ball-of-foot length, on the medial border")
    toe = given.get("second_toe")
    landmarks = {
        "heel_center": Landmark(float(heel[0]), float(heel[1]), heel_how,
                                "" if heel_how == "given" else "centre of the circle fitted to the posterior heel"),
        "mth1": Landmark(float(mth1[0]), float(mth1[1]), how1,
                         "medial end of the forefoot's widest chord" if how1 == "detected"
                         else "" if how1 == "given" else f"{BALL_LENGTH_FRAC} L on the medial border"),
        "mth5": Landmark(float(mth5[0]), float(mth5[1]), how5,
                         "lateral end of the forefoot's widest chord" if how5 == "detected"
                         else "" if how5 == "given" else f"{MTH5_LENGTH_FRAC} L on the lateral border"),
        "navicular": navicular,
        "second_toe": Landmark(length, 0.0, "given" if toe is not None else "estimated",
                               "" if toe is not None else f"{SECOND_TOE_FROM_MEDIAL:.0%} of the ball line from its medial end"),
    }
    measures = {
        "length": Measure(length, "detected", "heel to the most distal point along the foot axis"),
        "heel_width": Measure(heel_width, "detected", "outline width across the heel centre"),
        "ball_width": Measure(float(mth1[1] - mth5[1]), "detected" if "estimated" not in (how1, how5) else "estimated",
                              "1st to 5th metatarsal head, across the foot axis"),
    }
    return landmarks, measures

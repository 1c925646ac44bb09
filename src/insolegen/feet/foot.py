"""Foot outlines: validation, the canonical frame, side detection and landmarks.

Canonical frame (DESIGN §2): a RIGHT foot seen from above; the heel's posterior-most point at
x = 0; +x along the foot axis (heel centre -> second toe) toward the toes; +y toward the
MEDIAL side; the ground is z = 0. A left foot is mirrored (y -> -y) on the way in.

Outlines arrive as seen from above, z up (a tracing on the floor). Each landmark is an estimate:
its population prior (``feet.priors``) fused with the cues the input shows (``feet.estimate``):
the outline's borders, the sole's relief, values given in the file, a clinician's pins or
corrections. ``how`` names the cue that weighs most (``proportion`` when it is the prior); the SD
and every cue with its weight go with it. The definitions are in docs/architecture.md ("Landmarks").
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.feet.estimate import Cue, Estimate, fuse
from insolegen.feet.population import beyond_population
from insolegen.feet.priors import (
    CUE_SD_MM,
    HEAD_GAPS,
    HEAD_INSET_OF_BALL,
    HEEL_LOAD_MEDIAL_OF_BREADTH,
    MET_PAD_BEHIND_HEADS_MM,
    PRIORS,
    SECOND_HEAD_AHEAD_OF_FIRST,
    SECOND_TOE_FROM_MEDIAL,
)
from insolegen.geometry.polygon import as_ccw, border_profiles, dedupe, edge_lengths, evenly_spaced, signed_area

MIN_POINTS = 20
DENSE_POINTS = 3000             # outlines with more points than this are resampled...
RESAMPLED_POINTS = 2000         # ...to this many, evenly along the perimeter (0.3 mm on a foot)
FOOT_LENGTH_RANGE_MM = (100.0, 400.0)
WIDTH_RATIO_RANGE = (0.22, 0.65)
SPIKE_TURN_DEG = 150.0          # a vertex that turns back more than this is a spike...
SPIKE_MIN_EDGE_MM = 3.0         # ...when its edges are long enough to matter
SIDE_MIN_CONFIDENCE = 0.3
MAX_HEEL_OF_BALL_WIDTH = 0.92   # real feet: 0.57-0.75 (scans, prints, ANSUR outlines); an ellipsoid or a box: about 1
UNIT_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}

BALL_BAND_MM = 2.0              # the ball's border point: the centre of the border within this of its extreme
FLAT_BAND_MM = 0.5              # the border's stretch within this of its extreme says how sharp that extreme is
# how far a border's extreme lies from the joint it marks (1 SD, mm), before its flat stretch adds its own:
# the 1st MTP joint's medial border is often flat (hallux valgus, soft tissue, a foam print's sunk edge; over the
# real feet in shared/data the extreme lay 4, 11 and 20 mm from the clinician's mark or the population's), the
# 5th's lateral protrusion is bony and sharp (1-4 mm from the clinician's ball-width pins)
BORDER_EXTREME_SD_MM = {"ball_medial": 8.0, "ball_lateral": 2.5}
HEAD_MODEL_SD_MM = 2.0          # the heads' row model's own spread about the ends it is drawn from
# the metatarsal shafts diverge from the foot axis (MT1 medially by about the normal 1st-2nd intermetatarsal
# angle, MT5 laterally as the lesser metatarsals fan out): each joint centre lies across its shaft from its
# border protrusion, a little distal of it
SHAFT_ANGLE_DEG = {"mth1_head": 8.0, "mth5_head": -14.0}

HEAD_NAMES = tuple(f"mth{k}_head" for k in range(1, 6))
LANDMARK_NAMES = ("heel_center", "ball_medial", "ball_lateral", *HEAD_NAMES, "met_pad_center", "navicular",
                  "second_toe")
PIN_ONLY_NAMES = ("heel_spur", "mt5_base", "heel_width_medial", "heel_width_lateral")   # when a clinician pinned them
OLD_LANDMARK_NAMES = {"mth1": "ball_medial", "mth5": "ball_lateral"}   # outline files of release 0.1


@dataclass(frozen=True)
class Landmark:
    """A point in the canonical frame (mm), how it was obtained (the cue that weighs most: given,
    clinician, clinician pin, relief, outline or proportion, the population prior) and its SD (mm);
    ``cues``: every reading it was fused from, with its weight (``feet.estimate``)."""
    x: float
    y: float
    how: str
    note: str = ""
    uncertainty_mm: float | None = None
    cues: tuple[dict, ...] = ()
    sd_xy: tuple[float, float] | None = None    # the SD along and across the foot (mm), where they differ

    @property
    def xy(self) -> np.ndarray:
        return np.array([self.x, self.y])

    @property
    def sd_along_across(self) -> tuple[float, float]:
        return self.sd_xy if self.sd_xy is not None else (self.sd_mm, self.sd_mm)

    @property
    def sd_mm(self) -> float:
        return CUE_SD_MM.get(self.how, 5.0) if self.uncertainty_mm is None else self.uncertainty_mm

    def as_dict(self) -> dict:
        sd = round(float(self.sd_mm), 2)
        along, across = (round(float(v), 2) for v in self.sd_along_across)
        return {"x_mm": round(self.x, 3), "y_mm": round(self.y, 3), "how": self.how, "sd_mm": sd, "sd_along_mm": along,
                "sd_across_mm": across, "uncertainty_mm": sd, "note": self.note, "cues": list(self.cues)}


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

    def updated(self, given: "ArchMeasurements | None") -> "ArchMeasurements":
        """These measurements with those ``given`` (not None) taking their place."""
        return self if given is None else ArchMeasurements(**{**self.as_dict(), **given.as_dict()})


@dataclass(frozen=True)
class SourceFrame:
    """From the plane a foot was read in (mm) back to the input file's own coordinates:
    file = matrix @ (x, y) + offset. ``matrix`` is (2, 2) for outlines and images, (3, 2) for 3D
    scans (a point on the ground under the foot)."""
    units: str
    matrix: np.ndarray
    offset: np.ndarray
    note: str = ""

    def apply(self, xy_mm: np.ndarray) -> np.ndarray:
        """(n, 2) points in the reading plane -> (n, 2 or 3) in the file's coordinates."""
        return np.atleast_2d(np.asarray(xy_mm, dtype=float)) @ self.matrix.T + self.offset

    def of(self, xy_mm: np.ndarray) -> dict:
        value = self.apply(xy_mm)[0]
        return {**{axis: round(float(v), 4) for axis, v in zip("xyz", value)}, "units": self.units}


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
    # what does not fit a human foot (implausible_landmarks); design refuses such a foot unless accepted
    implausible: tuple[str, ...] = ()
    # from the plane the outline was read in back to the input file's coordinates; None when unknown
    source_frame: SourceFrame | None = None
    # a clinician's marker pins: each by role, and those given none (images of foam prints)
    pins: dict | None = None
    # clinical footprint indices (see insolegen.feet.indices) where the input shows the weight-bearing
    # contact area (scans standing on the ground, footprint images, pressure maps); None otherwise
    indices: dict | None = None
    # the marks the landmarks were read with (file, pins, relief, a clinician's corrections): name ->
    # (canonical (x, y), how); read again when a correction comes
    marks: dict = field(default_factory=dict)
    # how the outline was made where it is not the input's own (a pressure plate's: fitted to the loaded area)
    outline_how: dict | None = None
    # cues along the foot from elsewhere than this input (the other foot's evidence: feet.pair), by landmark
    extra_cues: dict = field(default_factory=dict)

    def to_canonical(self, xy: np.ndarray) -> np.ndarray:
        a, b = self.frame
        return xy @ a.T + b

    def to_input(self, xy: np.ndarray) -> np.ndarray:
        """Canonical (x, y) back to the plane the outline was read in (mm)."""
        a, b = self.frame
        return (np.asarray(xy, dtype=float) - b) @ np.linalg.inv(a).T

    def from_source(self, coords, what: str) -> np.ndarray:
        """A point in the input file's own coordinates (``landmark_source``'s) -> the plane the
        outline was read in (mm); where the input has no file, ``coords`` are canonical mm."""
        values = np.asarray(coords, dtype=float).ravel()
        if self.source_frame is None or self.frame is None:
            if values.shape != (2,) or not np.isfinite(values).all():
                raise InvalidInput(f"{what}: give x,y in mm (heel at x = 0, +y medial), got {list(coords)!r}")
            return self.to_input(values[None])[0]
        sf = self.source_frame
        axes = "x,y,z" if sf.matrix.shape[0] == 3 else "x,y"
        if values.shape != (sf.matrix.shape[0],) or not np.isfinite(values).all():
            raise InvalidInput(f"{what}: give {axes} in the input's own coordinates ({sf.units}: {sf.note or 'as scan --json shows'}), "
                               f"got {list(coords)!r}")
        return np.linalg.lstsq(sf.matrix, values - sf.offset, rcond=None)[0]

    def landmarks_dict(self) -> dict:
        """Every landmark as a record: canonical x_mm, y_mm, how, uncertainty, note, and (when the
        input's own coordinates are known) ``source`` in them."""
        out = {}
        for name, lm in self.landmarks.items():
            out[name] = lm.as_dict()
            source = self.landmark_source(name)
            if source is not None:
                out[name]["source"] = source
        return out

    def landmark_source(self, name: str) -> dict | None:
        """Where a landmark lies in the input file's own coordinates (None when not known)."""
        if self.source_frame is None or self.frame is None:
            return None
        return self.source_frame.of(self.to_input(self.landmarks[name].xy[None])[0])

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
    if len(points) < MIN_POINTS:
        raise InvalidInput(f"{source}: the outline has {len(points)} points; at least {MIN_POINTS} are needed")
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
    if len(points) > DENSE_POINTS:
        # a dense tracing (a scanner's or a CAD export's) carries nothing finer than a tenth of a mm
        # the device could use: resampled, not refused
        points = dedupe(evenly_spaced(points, RESAMPLED_POINTS))
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
    given_how: str = "given",
    corrections: dict[str, tuple[float, float]] | None = None,
) -> Foot:
    """Validate an outline (mm, seen from above, any placement) and put it in the canonical
    frame with its side and landmarks. ``given_landmarks`` are in the same frame as the points
    (``given_how`` says where they came from: the file, a clinician's pins, a relief);
    ``corrections`` too: a clinician's, final (``how`` clinician)."""
    points = validate_outline(points_mm, source)
    given = _checked_marks(given_landmarks, source, extra=("forefoot_load",) if given_how == "relief" else ())
    fixed = _checked_marks(corrections, source)

    rot, origin = _principal_frame(points)
    pts = (points - origin) @ rot.T
    a, b = rot, -rot @ origin          # the running input -> canonical transform
    if not ({"ball_medial", "ball_lateral"} & (set(given) | set(fixed))) and all(
            border_reading(pts, name) is None for name in ("ball_medial", "ball_lateral")):
        raise InvalidInput(f"{source}: not a foot: the outline shows no ball (neither border widens to a prominence at "
                           "the forefoot, as a foot's 1st and 5th metatarsal heads make it); an ellipse, a box, a plate?")
    lm = {k: (v - origin) @ rot.T for k, v in {**given, **fixed}.items()}

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

    # Align the foot axis (heel centre -> second toe) until it holds: each estimate improves the frame.
    for _ in range(8):
        heel, toe = _axis_points(pts, lm)
        angle = np.arctan2(toe[1] - heel[1], toe[0] - heel[0])
        if abs(angle) < 1e-9 and abs(heel[1]) < 1e-6:
            break
        c, s = np.cos(-angle), np.sin(-angle)
        r = np.array([[c, -s], [s, c]])
        pts = (pts - heel) @ r.T
        lm = {k: (v - heel) @ r.T for k, v in lm.items()}
        shift = np.array([pts[:, 0].min(), 0.0])
        pts, lm = pts - shift, {k: v - shift for k, v in lm.items()}
        a, b = r @ a, r @ (b - heel) - shift

    marks = {**{k: (lm[k], given_how) for k in given}, **{k: (lm[k], "clinician") for k in fixed}}
    landmarks, measures, notes = find_landmarks(pts, marks)
    # the heel's width across its seat (the outline's own heel: the landmarks' readings do not move it)
    seat = heel_pad_centre(pts)
    seat_max, seat_min = border_profiles(pts, seat[:1])
    seat_width = float(seat_max[0] - seat_min[0])
    if seat_width / max(measures["ball_width"].value, 1e-9) > MAX_HEEL_OF_BALL_WIDTH:
        raise InvalidInput(
            f"{source}: not a foot: as wide at the heel ({seat_width:.0f} mm) as at the ball "
            f"({measures['ball_width'].value:.0f} mm); a foot's heel is 0.55-0.8 of its ball width (an ellipsoid, a box, a plate?)")
    implausible = implausible_landmarks(landmarks, measures, pts)
    foot = Foot(
        outline=pts, side=side, side_how=side_how, side_confidence=round(confidence, 3),
        landmarks=landmarks, measures=measures, source=source, warnings=tuple(warnings + implausible), frame=(a, b),
        implausible=tuple(implausible), notes=tuple(notes), marks=marks,
    )
    return foot.with_arch(arch) if arch is not None else foot


GIVEN_LANDMARK_NAMES = LANDMARK_NAMES + PIN_ONLY_NAMES


def _checked_marks(marks: dict | None, source: str, extra: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Marks by landmark name (release 0.1's names read as today's), each two finite numbers."""
    out = {OLD_LANDMARK_NAMES.get(k, k): np.asarray(v, dtype=float) for k, v in (marks or {}).items()}
    unknown = set(out) - set(GIVEN_LANDMARK_NAMES) - set(extra)
    if unknown:
        raise InvalidInput(
            f"{source}: unknown landmark(s) {', '.join(sorted(unknown))}; known: {', '.join(GIVEN_LANDMARK_NAMES)}"
        )
    for k, v in out.items():
        if v.shape != (2,) or not np.isfinite(v).all():
            raise InvalidInput(f"{source}: landmark {k} must be two finite numbers (x, y), got {v.tolist()!r}")
    return out


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
    """The foot axis's ends: the heel seat's centre (or a given heel centre) and the second toe
    (given, or at the tip, across from the ball's border points as SECOND_TOE_FROM_MEDIAL says)."""
    heel = given.get("heel_center")
    if heel is None:
        heel = heel_pad_centre(pts)
    toe = given.get("second_toe")
    if toe is None:
        medial, lateral = (_border_point(pts, name, given) for name in ("ball_medial", "ball_lateral"))
        across = medial + SECOND_TOE_FROM_MEDIAL * (lateral - medial)
        toe = np.array([pts[:, 0].max(), across[1]])
    return heel, toe


def heel_pad_centre(pts: np.ndarray) -> np.ndarray:
    """The heel seat's centre: the centre of the largest circle that fits the heel, touching its
    back and both sides, found from the outline alone: along the heel's midline, where the distance
    from the back equals half the heel's width there. The device's rearfoot is laid out from it (a
    property of the outline, so moving the heel's load centre never moves the device)."""
    x0, length = pts[:, 0].min(), np.ptp(pts[:, 0])
    stations = x0 + np.linspace(0.02, 0.30, 113) * length
    y_max, y_min = border_profiles(pts, stations)
    ok = np.isfinite(y_max) & np.isfinite(y_min)
    if ok.sum() < 3:
        return np.array([x0 + 0.15 * length, float(np.mean(pts[:, 1]))])
    stations, y_max, y_min = stations[ok], y_max[ok], y_min[ok]
    # behind the crossing the circle would poke out of the back, beyond it out of the sides
    gap = (stations - x0) - 0.5 * (y_max - y_min)
    k = int(np.argmax(gap >= 0)) if (gap >= 0).any() else len(gap) - 1
    if k > 0:
        t = -gap[k - 1] / (gap[k] - gap[k - 1])
        x, mid = stations[k - 1] + t * (stations[k] - stations[k - 1]), 0.5 * (y_max + y_min)
        return np.array([x, mid[k - 1] + t * (mid[k] - mid[k - 1])])
    return np.array([stations[k], 0.5 * (y_max[k] + y_min[k])])


BORDER_WINDOWS = {"ball_medial": (0.55, 0.88), "ball_lateral": (0.5, 0.8)}   # of L: where each border extreme is looked for


def border_reading(pts: np.ndarray, name: str) -> Cue | None:
    """The outline's reading of a ball border point's x (``ball_medial``: the medial border's
    extreme, ``ball_lateral``: the lateral's) as a cue: the centre of the border near its extreme,
    each station weighted by how near (where a flat border's extreme falls depends on a hair's turn
    or noise: this centre moves smoothly), its SD the border's own (BORDER_EXTREME_SD_MM) widened
    by the stretch that stands within FLAT_BAND_MM of the extreme (a flat or doubled border is weak
    evidence, not a point). None where the border shows no prominence at all."""
    x0, length = pts[:, 0].min(), np.ptp(pts[:, 0])
    lo, hi = BORDER_WINDOWS[name]
    stations = np.linspace(x0 + lo * length, x0 + hi * length, 121)
    medial = name == "ball_medial"
    prominence = (1.0 if medial else -1.0) * border_profiles(pts, stations)[0 if medial else 1]
    if not np.isfinite(prominence).any():
        return None
    k = int(np.nanargmax(prominence))
    if not (0 < k < len(stations) - 1) or not (prominence[k] - np.nan_to_num(prominence[[0, -1]], nan=-np.inf) > 0.5).all():
        return None
    near = np.nan_to_num(np.clip(1.0 - (prominence[k] - prominence) / BALL_BAND_MM, 0.0, 1.0), nan=0.0) ** 2
    flat = stations[np.nan_to_num(prominence, nan=-np.inf) >= prominence[k] - FLAT_BAND_MM]
    span = float(flat.max() - flat.min())
    sd = float(np.hypot(BORDER_EXTREME_SD_MM[name], span / 4.0))
    return Cue("outline", float(near @ stations / near.sum()), sd,
               f"the {'medial' if medial else 'lateral'} border's extreme, within {FLAT_BAND_MM:g} mm of it over {span:.0f} mm")


def _border_y(pts: np.ndarray, x: float, name: str) -> float:
    y_max, y_min = border_profiles(pts, np.array([x]))
    return float((y_max if name in ("ball_medial", "navicular") else y_min)[0])


def _border_point(pts: np.ndarray, name: str, given: dict[str, np.ndarray]) -> np.ndarray:
    """A ball border point before fusion (the foot axis is drawn from it): given, else the outline's
    reading, else the population's share of the length on the border."""
    if name in given:
        return given[name]
    reading = border_reading(pts, name)
    x0, length = pts[:, 0].min(), np.ptp(pts[:, 0])
    x = reading.value if reading is not None else x0 + PRIORS[name].share * length
    return np.array([x, _border_y(pts, x, name)])


def heads_frame(mth1: np.ndarray, mth5: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit vector lateral -> medial along the line from a lateral to a medial point, its distal
    normal): the heads' line from MTH5 to MTH1, or the ball's from its border points."""
    u = (mth1 - mth5) / max(float(np.linalg.norm(mth1 - mth5)), 1e-9)
    n = np.array([u[1], -u[0]])
    return u, (n if n[0] >= 0 else -n)


def _prior_cue(name: str, length: float) -> Cue:
    mean, sd = PRIORS[name].of(length)
    return Cue("proportion", mean, sd, f"{PRIORS[name].share:g} ± {PRIORS[name].sd_share:g} L: {PRIORS[name].source}")


@dataclass
class _Reading:
    """Landmarks being read from one canonical outline: its points, the marks given (file, pins,
    relief, a clinician's corrections) with how each was obtained, and what the fusion noted."""
    pts: np.ndarray
    marks: dict[str, np.ndarray]
    how_of: dict[str, str]
    length: float
    out: dict[str, Landmark] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def cues(self, name: str, axis: int) -> list[Cue]:
        if name not in self.marks:
            return []
        how = self.how_of[name]
        return [Cue(how, float(self.marks[name][axis]), CUE_SD_MM.get(how, 1.0))]

    def put(self, name: str, ex: Estimate, ey: Estimate, note: str) -> None:
        self.notes.extend(ex.notes + ey.notes)
        how = ex.leading if ex.leading != "proportion" or ey.leading in ("proportion", "outline") else ey.leading
        self.out[name] = Landmark(ex.value, ey.value, how, note if how in ("outline", "proportion") else "",
                                  float(max(ex.sd, ey.sd)), tuple(ex.cues_dict("x") + ey.cues_dict("y")), (ex.sd, ey.sd))

    def fused(self, name: str, extra_x: list[Cue], y_model, note: str) -> None:
        """A landmark from its x prior, its marks and ``extra_x`` cues; y from its mark, else
        ``y_model(x)`` (a Cue: where the landmark lies across the foot at that x)."""
        ex = fuse(_prior_cue(name, self.length), self.cues(name, 0) + extra_x, f"{name} along the foot", self.length)
        y_cues = self.cues(name, 1)
        if not y_cues or y_cues[0].what == "relief":
            y_cues = y_cues + [y_model(ex.value)]
        self.put(name, ex, fuse(None, y_cues, f"{name} across the foot"), note)

    def given_point(self, name: str, note: str = "") -> None:
        self.put(name, fuse(None, self.cues(name, 0), name), fuse(None, self.cues(name, 1), name), note)


HEAD_STATIONS = np.concatenate([[0.0], np.cumsum(HEAD_GAPS) / np.sum(HEAD_GAPS)])   # MTH1 at 0 ... MTH5 at 1


def _heads_row(first: np.ndarray, fifth: np.ndarray, length: float) -> list[np.ndarray]:
    """MTH1-MTH5 from the 1st and 5th: across the foot spaced as HEAD_GAPS, along it on the
    metatarsal parabola (MTH2 SECOND_HEAD_AHEAD_OF_FIRST of L ahead of MTH1, MTH3 and MTH4 on the
    same smooth curve)."""
    bulge = lambda t: np.sin(np.pi * t) * (1.0 - 0.5 * t)    # noqa: E731
    t2 = HEAD_STATIONS[1]
    depth = (SECOND_HEAD_AHEAD_OF_FIRST * length + t2 * (first[0] - fifth[0])) / bulge(t2)
    return [first + t * (fifth - first) + np.array([depth * bulge(t), 0.0]) for t in HEAD_STATIONS]


def _joint_centre(border: Landmark, ball_width: float, name: str) -> np.ndarray:
    """A head's joint centre from its border protrusion: inset HEAD_INSET_OF_BALL of the ball width,
    square to its metatarsal's shaft (SHAFT_ANGLE_DEG from the foot axis)."""
    a = np.radians(SHAFT_ANGLE_DEG[name])
    toward_middle = np.array([np.sin(a), -np.cos(a)]) if name == "mth1_head" else np.array([-np.sin(a), np.cos(a)])
    return border.xy + HEAD_INSET_OF_BALL * ball_width * toward_middle


def _read_heads(r: _Reading) -> None:
    """The five heads: the pinned or given ones where they are, the rest on the heads' row drawn
    from the ball's fused border points, moved along the foot toward the forefoot's load centre
    where a relief shows one (fused: the relief's shift against the row's own spread)."""
    bm, bl = r.out["ball_medial"], r.out["ball_lateral"]
    width = bm.y - bl.y
    # the row's ends: the 1st and 5th heads where a person or the file put them, else from the ball's border points
    ends = [r.marks[name] if name in r.marks and r.how_of[name] != "relief" else _joint_centre(border, width, name)
            for name, border in (("mth1_head", bm), ("mth5_head", bl))]
    row = _heads_row(*ends, r.length)
    t = HEAD_STATIONS
    sd_x = np.sqrt(((1 - t) * bm.sd_mm) ** 2 + (t * bl.sd_mm) ** 2 + HEAD_MODEL_SD_MM ** 2)
    sd_y = np.full(5, np.hypot(1.0, HEAD_MODEL_SD_MM))
    hows, note = [bm.how if t_k < 0.5 else bl.how for t_k in t], ""
    row_note = "on the heads' row from the ball's border points (inset square to each shaft; MT2 the longest)"
    shift_cues: list[dict] = []
    if "forefoot_load" in r.marks:
        _, distal = heads_frame(row[0], row[4])
        mid_sd = float(0.5 * (sd_x[1] + sd_x[2]))
        seen = float((r.marks["forefoot_load"] - 0.5 * (row[1] + row[2])) @ distal)
        shift = fuse(Cue("row model", 0.0, mid_sd), [Cue("relief", seen, CUE_SD_MM["relief"], "the forefoot's load centre under MTH2-3")],
                     "the heads' row along the foot")
        r.notes.extend(shift.notes)
        row = [head + shift.value * distal for head in row]
        sd_x = np.full(5, np.hypot(shift.sd, HEAD_MODEL_SD_MM))
        shift_cues = shift.cues_dict("along")
        if shift.leading == "relief":
            hows = ["relief"] * 5
        note = f"moved {shift.value:+.1f} mm along the foot toward the forefoot's load centre; "
    for k, name in enumerate(HEAD_NAMES):
        if name in r.marks:
            r.given_point(name)
            continue
        cues = ({"what": "heads' row", "from": ["ball_medial", "ball_lateral"], "weight": 1.0}, *shift_cues)
        r.out[name] = Landmark(float(row[k][0]), float(row[k][1]), hows[k], note + row_note, float(max(sd_x[k], sd_y[k])), cues,
                               (float(sd_x[k]), float(sd_y[k])))


def find_landmarks(pts: np.ndarray, marks: dict[str, tuple[np.ndarray, str]],
                   extra: dict[str, Cue] | None = None) -> tuple[dict[str, Landmark], dict[str, Measure], list[str]]:
    """Landmarks of a canonical (right, heel at x = 0) outline, each fused from its population
    prior (``feet.priors``) and the cues the input shows (``feet.estimate``): the outline's borders
    and the ``marks`` (name -> (canonical (x, y), how): from the file, a clinician's pins or
    corrections, a relief). Returns (landmarks, measures, notes). ``extra``: a further cue along
    the foot for a landmark read by fusion (the other foot's evidence)."""
    length = float(pts[:, 0].max())
    extra = extra or {}
    r = _Reading(pts, {k: xy for k, (xy, _) in marks.items()}, {k: how for k, (_, how) in marks.items()}, length)

    def midline(x: float) -> Cue:
        y_max, y_min = border_profiles(pts, np.array([x]))
        y = 0.5 * (y_max[0] + y_min[0]) + HEEL_LOAD_MEDIAL_OF_BREADTH * (y_max[0] - y_min[0])
        return Cue("outline", float(y), 3.0, f"{HEEL_LOAD_MEDIAL_OF_BREADTH:.1%} of the heel's breadth medial of its midline")

    def more(name: str) -> list[Cue]:
        return [extra[name]] if name in extra else []

    r.fused("heel_center", more("heel_center"), midline,
            "the heel's load centre: the population's share of the length, on the heel's midline")
    for name in ("ball_medial", "ball_lateral"):
        reading = [] if name in marks else [c for c in [border_reading(pts, name)] if c is not None] + more(name)
        what = "medial" if name == "ball_medial" else "lateral"
        r.fused(name, reading, lambda x, name=name: Cue("outline", _border_y(pts, x, name), 1.0, "on the border"),
                f"the {what} border point of the ball (the {'1st' if what == 'medial' else '5th'} MTP joint's protrusion)")
    _read_heads(r)
    if "met_pad_center" in marks:
        r.given_point("met_pad_center")
    else:
        heads = r.out
        pad = 0.5 * (heads["mth2_head"].xy + heads["mth3_head"].xy) - [MET_PAD_BEHIND_HEADS_MM, 0.0]
        sd = float(np.hypot(0.5 * (heads["mth2_head"].sd_mm + heads["mth3_head"].sd_mm), 3.0))
        r.out["met_pad_center"] = Landmark(float(pad[0]), float(pad[1]), heads["mth2_head"].how,
                                           f"{MET_PAD_BEHIND_HEADS_MM:g} mm behind the 2nd-3rd metatarsal heads, along the foot", sd,
                                           ({"what": "heads' row", "from": ["mth2_head", "mth3_head"], "weight": 1.0},))
    r.fused("navicular", more("navicular"), lambda x: Cue("outline", _border_y(pts, x, "navicular"), 1.0, "on the medial border"),
            "the navicular tuberosity: the population's share of the length, on the medial border")
    if "second_toe" in marks:
        r.given_point("second_toe")
    else:
        r.out["second_toe"] = Landmark(length, 0.0, "outline", f"{SECOND_TOE_FROM_MEDIAL:.0%} of the ball line from its "
                                       "medial end, at the tip (the foot axis's end)", 2.0,
                                       ({"what": "outline", "axis": "x", "value_mm": round(length, 2), "sd_mm": 2.0, "weight": 1.0,
                                         "note": "the outline's tip along the foot axis"},))
    for name in PIN_ONLY_NAMES:
        if name in marks:
            r.given_point(name)
    out = r.out
    heel = out["heel_center"]
    y_max, y_min = border_profiles(pts, np.array([heel.x]))
    heel_width, heel_how, heel_note = float(y_max[0] - y_min[0]), "outline", "outline width across the heel centre"
    if "heel_width_medial" in out and "heel_width_lateral" in out:
        heel_width, heel_how = out["heel_width_medial"].y - out["heel_width_lateral"].y, out["heel_width_medial"].how
        heel_note = "between the heel-width pair, across the foot axis"
    both = {out["ball_medial"].how, out["ball_lateral"].how}
    measures = {
        "length": Measure(length, "outline", "heel to the most distal point along the foot axis"),
        "heel_width": Measure(heel_width, heel_how, heel_note),
        "ball_width": Measure(float(out["ball_medial"].y - out["ball_lateral"].y), both.pop() if len(both) == 1 else "outline",
                              "between the ball's medial and lateral border points, across the foot axis"),
    }
    return out, measures, list(dict.fromkeys(r.notes))


def correct_landmarks(foot: Foot, corrections: dict[str, tuple[float, ...]], source: str = "--landmark") -> Foot:
    """The foot with a clinician's corrections (landmark name -> its point in the input file's own
    coordinates, the ones ``scan --json`` gives as ``source``: x, y, and z for a 3D scan; the
    canonical frame's mm where the input has no file, a size) read with its other marks: each
    corrected landmark stands where the clinician put it (``how`` clinician) and the landmarks
    drawn from it (the heads from the ball points, the met pad from the heads) follow."""
    if not corrections:
        return foot
    fixed = {}
    for name, coords in corrections.items():
        if name not in GIVEN_LANDMARK_NAMES:
            raise InvalidInput(f"{source}: unknown landmark {name!r}; known: {', '.join(GIVEN_LANDMARK_NAMES)}")
        fixed[name] = foot.to_canonical(foot.from_source(coords, f"{source} {name}")[None])[0]
    return reread_landmarks(foot, {**foot.marks, **{k: (xy, "clinician") for k, xy in fixed.items()}}, foot.extra_cues,
                            f"corrected by the clinician: {', '.join(sorted(fixed))}")


def reread_landmarks(foot: Foot, marks: dict, extra: dict[str, Cue], note: str) -> Foot:
    """The foot's landmarks read again from its outline with these ``marks`` and ``extra`` cues (a
    clinician's corrections, the other foot's evidence): its measures and plausibility with them,
    the earlier verdict's warnings replaced, ``note`` added to its notes."""
    landmarks, measures, notes = find_landmarks(foot.outline, marks, extra)
    implausible = tuple(implausible_landmarks(landmarks, measures, foot.outline))
    kept = tuple(w for w in foot.warnings if w not in foot.implausible)
    return replace(foot, landmarks=landmarks, measures=measures, marks=marks, extra_cues=extra, implausible=implausible,
                   warnings=kept + implausible, notes=foot.notes + tuple(notes) + (note,))


def implausible_landmarks(landmarks: dict[str, Landmark], measures: dict[str, Measure], outline: np.ndarray) -> list[str]:
    """What does not fit a human foot, each as a message naming the landmark (empty when all
    fits): the anatomical order, and ranges around ANSUR II's proportions."""
    length = measures["length"].value
    lm = landmarks
    found = []

    def frac(name):
        return lm[name].x / length

    for name, lo, hi in (("heel_center", 0.04, 0.25), ("navicular", 0.25, 0.60), ("mth1_head", 0.55, 0.85),
                         ("mth5_head", 0.48, 0.82), ("met_pad_center", 0.45, 0.82)):
        if not lo <= frac(name) <= hi:
            found.append(f"{name} at {frac(name):.2f} L from the heel (expected {lo:.2f} … {hi:.2f} L)")
    ys = [lm[name].y for name in HEAD_NAMES]
    if any(a <= b for a, b in zip(ys, ys[1:])):
        found.append("the metatarsal heads are not in order MTH1 (medial) … MTH5 (lateral)")
    ahead = lm["mth5_head"].x - lm["mth1_head"].x
    if ahead > 0.05 * length:
        found.append(f"mth5_head stands {ahead:.0f} mm ahead of mth1_head (the 5th head lies level with or behind the 1st)")
    if lm["navicular"].x >= min(lm["mth1_head"].x, lm["mth5_head"].x):
        found.append("the navicular is not behind the metatarsal heads")
    _, distal = heads_frame(lm["mth1_head"].xy, lm["mth5_head"].xy)
    if (lm["met_pad_center"].xy - 0.5 * (lm["mth2_head"].xy + lm["mth3_head"].xy)) @ distal > 0:
        found.append("met_pad_center lies ahead of the 2nd-3rd metatarsal heads")
    beyond = beyond_population(population_values(outline, landmarks, measures))
    return [f"implausible landmarks: {m}" for m in found] + [f"implausible foot: {m}" for m in beyond]


def population_values(outline: np.ndarray, landmarks: dict[str, Landmark], measures: dict[str, Measure]) -> dict[str, float]:
    """The measures the population is checked on (feet.population.MEASURES), as ANSUR II takes
    them: breadths by calipers square to the foot axis (the outline's extent across it over the
    forefoot, 0.55-0.85 L, and over the heel, 0-0.25 L)."""
    length = measures["length"].value

    def caliper(lo: float, hi: float) -> float:
        y_max, y_min = border_profiles(outline, np.linspace(lo * length, hi * length, 120))
        return float(np.nanmax(y_max) - np.nanmin(y_min)) / length

    return {"length_mm": length, "ball_share": landmarks["ball_medial"].x / length,
            "breadth_share": caliper(0.55, 0.85), "heel_share": caliper(0.0, 0.25)}

"""Pressure-plate recordings -> the footprint where the foot bore load, and an outline from it.

The layout read is the one of the sample in ``shared/data/footprints`` (documented in the
README): ``;``-separated, decimal commas, latin-1; row 1 ``Sensor-Nummer`` then sensor ids;
rows 2-4 minimum, maximum and 20 % average; then one row per frame, the time (s) first. Sensor
id -> grid: row = id // 64, column = id % 64. The sensor pitch is not in the file: ``--pitch-mm``
is required. The grid is taken as seen from above, row 0 at the far end of the plate (a plate
read from below is a mirror image: give ``--foot-side`` then).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from insolegen.errors import InvalidInput
from insolegen.feet.raster_region import mask_polygon
from insolegen.limits import check_file_size, limit

GRID_COLUMNS = 64
LOADED_OF_PEAK = 0.02        # a sensor bore load if its peak reached 2 % of the plate's peak
UPSAMPLE = 4                 # sub-cells per sensor for a smooth outline
CLOSING_MM = 12.0            # closes the gap between toes and forefoot and the narrow midfoot


def _number(text: str, path: Path, line: int) -> float:
    try:
        return float(text.replace(",", ".")) if text.strip() else 0.0
    except ValueError:
        raise InvalidInput(f"{path}:{line}: {text!r} is not a number") from None


STATISTICS = ("peak", "mean")
UNITS_TO_KPA = {"kPa": 1.0, "N/cm2": 10.0, "psi": 6.894757}


def peak_pressure_grid(path: str | Path) -> np.ndarray:
    """The highest pressure each sensor saw over the recording, as a (rows, 64) grid."""
    return pressure_grid(path, "peak")


def pressure_grid(path: str | Path, statistic: str = "peak") -> np.ndarray:
    """Each sensor's pressure over the recording as a (rows, 64) grid, in the file's own unit:
    ``peak`` the highest it saw, ``mean`` its mean over every frame."""
    if statistic not in STATISTICS:
        raise InvalidInput(f"pressure statistic {statistic!r}: choose one of {', '.join(STATISTICS)}")
    path = Path(path)
    check_file_size(path, "PRESSURE_MB")
    lines = path.read_text(encoding="latin-1").splitlines()
    if not lines:
        raise InvalidInput(f"{path}: the file is empty")
    header = lines[0].split(";")
    try:
        ids = np.array([int(x) for x in header[1:] if x.strip()], dtype=np.int64)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{path}:1: the sensor ids after 'Sensor-Nummer' must be whole numbers") from None
    if len(ids) and (ids.min() < 0 or ids.max() > limit("SENSOR_ID")):
        bad = int(ids.min() if ids.min() < 0 else ids.max())
        raise InvalidInput(f"{path}:1: sensor id {bad} is out of range 0 … {limit('SENSOR_ID'):,.0f} "
                           "(raise the upper limit with INSOLEGEN_MAX_SENSOR_ID=...)")
    if len(set(ids.tolist())) != len(ids):
        raise InvalidInput(f"{path}:1: a sensor id appears twice")
    frames = [ln for ln in lines[4:] if ln.strip()]
    if not len(ids) or not frames:
        raise InvalidInput(f"{path}: no sensors or no frames in the recording")
    peak, total = np.zeros(len(ids)), np.zeros(len(ids))
    for k, line in enumerate(frames, start=5):
        cells = line.split(";")[1:len(ids) + 1]
        if len(cells) < len(ids):
            raise InvalidInput(f"{path}:{k}: {len(cells)} values for {len(ids)} sensors")
        values = np.array([_number(c, path, k) for c in cells])
        if not np.isfinite(values).all() or (values < 0).any():
            raise InvalidInput(f"{path}:{k}: a pressure is negative or not finite")
        peak = np.maximum(peak, values)
        total += values
    grid = np.zeros((ids.max() // GRID_COLUMNS + 1, GRID_COLUMNS))
    grid[ids // GRID_COLUMNS, ids % GRID_COLUMNS] = peak if statistic == "peak" else total / len(frames)
    return grid


def sensor_centres(shape: tuple[int, int], pitch_mm: float) -> np.ndarray:
    """(rows x columns, 2) the sensors' centres in mm, row by row, as seen from above (x right, y
    up, row 0 at the top): the plane the footprint and the outline are given in."""
    rows, columns = (np.arange(n) + 0.5 for n in shape)
    gx, gy = np.meshgrid(columns * pitch_mm, -rows * pitch_mm)
    return np.column_stack([gx.ravel(), gy.ravel()])


def footprint_from_pressure(grid: np.ndarray, pitch_mm: float) -> tuple[shapely.Geometry, np.ndarray]:
    """(the footprint as loaded sensors, the outline for the insole: the footprint closed over
    the midfoot and between the toes), both in mm, seen from above (x right, y up)."""
    from scipy import ndimage as ndi

    if grid.max() <= 0:
        raise InvalidInput("the pressure recording shows no load anywhere: no foot on the plate")
    loaded = grid > LOADED_OF_PEAK * grid.max()
    rows, columns = (np.arange(n) + 0.5 for n in loaded.shape)
    footprint = mask_polygon(loaded, columns * pitch_mm, -rows * pitch_mm, largest=False)
    fine = np.kron(loaded, np.ones((UPSAMPLE, UPSAMPLE), bool))
    radius = max(1, int(round(CLOSING_MM / (pitch_mm / UPSAMPLE))))
    disk = np.hypot(*np.mgrid[-radius:radius + 1, -radius:radius + 1]) <= radius
    closed = ndi.binary_fill_holes(ndi.binary_closing(np.pad(fine, radius + 1), disk))[radius + 1:-radius - 1, radius + 1:-radius - 1]
    labels, n = ndi.label(closed)
    if not n:
        raise InvalidInput("no footprint in the pressure recording")
    biggest = labels == (np.argmax(ndi.sum(closed, labels, range(1, n + 1))) + 1)
    cell = pitch_mm / UPSAMPLE
    rows, columns = (np.arange(n) + 0.5 for n in biggest.shape)
    shape = mask_polygon(biggest, columns * cell, -rows * cell)
    outline = shape.buffer(cell).buffer(-cell).simplify(0.5 * cell)
    return footprint, np.asarray(outline.exterior.coords)[:-1]


def foot_from_pressure(path: str | Path, pitch_mm: float | None, side: str | None = None, grid: np.ndarray | None = None):
    return foot_and_footprint_from_pressure(path, pitch_mm, side, grid)[0]


def plate_frame(pitch_mm: float):
    """From the plate's plane (mm, seen from above) to its own coordinates: (column, row) of the
    sensor grid, sensor k's centre at k (what ``scan --json`` gives as a landmark's ``source``)."""
    from insolegen.feet.foot import SourceFrame

    return SourceFrame("sensors", np.diag([1.0, -1.0]) / pitch_mm, np.array([-0.5, -0.5]),
                       "the plate's sensor grid: column, row (sensor id = 64 x row + column), from its first sensor")


def foot_and_footprint_from_pressure(path: str | Path, pitch_mm: float | None, side: str | None = None,
                                     grid: np.ndarray | None = None):
    """(Foot, the loaded footprint in the foot's canonical frame). The foot's outline is the
    plantar outline, not the loaded area: the ANSUR-calibrated parametric foot fitted to the loaded
    area (``plantar_outline``), so the medial arch, which bears little, is part of the device.
    ``grid``: the recording's peak pressures, when the caller has read them already."""
    from dataclasses import replace

    from insolegen.feet.foot import foot_from_points
    from insolegen.feet.indices import footprint_indices
    from insolegen.feet.relief import foot_with_relief, pressure_relief

    _check_pitch(path, pitch_mm)
    grid = peak_pressure_grid(path) if grid is None else grid
    footprint, contact = footprint_from_pressure(grid, pitch_mm)
    source = f"pressure recording {Path(path).name}"
    seen = foot_from_points(contact, side=side, source=source)
    outline, how = plantar_outline(seen, contact, pitch_mm)
    foot = foot_from_points(outline, side=seen.side, source=source)
    foot = replace(foot, side_how=seen.side_how, side_confidence=seen.side_confidence)
    foot = foot_with_relief(foot, outline, pressure_relief(sensor_centres(grid.shape, pitch_mm), grid.ravel()), foot.side, source)
    note = (f"footprint from peak pressure at {pitch_mm:g} mm sensor pitch ({footprint.area:.0f} mm² loaded); "
            "side read with the plate seen from above (give --foot-side if it was read from below)")
    warnings = (note,) + tuple(_pitch_cause(seen.length_mm, pitch_mm))
    loaded = shapely.transform(footprint, foot.to_canonical)
    indices = {"note": "footprint indices from the loaded area of the recording", **footprint_indices(loaded, foot)}
    return replace(foot, warnings=foot.warnings + warnings, indices=indices, outline_how=how,
                   source_frame=plate_frame(pitch_mm)), loaded


def _pitch_cause(length_mm: float, pitch_mm: float) -> list[str]:
    """The likely cause when the loaded area is no plausible foot's length: the pitch, and the
    pitches that would make it one."""
    from insolegen.feet.population import scale_to_fit

    fit = scale_to_fit(length_mm)
    if fit is None:
        return []
    median, lo, hi = (pitch_mm * k for k in fit)
    return [f"likely cause: the sensor pitch: at {pitch_mm:g} mm the loaded area is {length_mm:.1f} mm long; a pitch of "
            f"{median:.2f} mm makes it the population's median foot (a pitch of {lo:.2f}-{hi:.2f} mm, the middle 95 % of "
            "adult feet): give --pitch-mm with the plate's real sensor pitch"]


CONTACT_EDGE_OF_PITCH = 1.0     # an outline point within this many pitches of the loaded area's edge came from contact


def plantar_outline(seen, contact: np.ndarray, pitch_mm: float) -> tuple[np.ndarray, dict]:
    """The plantar outline of the foot whose loaded area ``seen`` (its Foot, read from the loaded
    area's outline ``contact``, in the plate's plane) shows: the parametric foot (``footshape``,
    ANSUR II-calibrated) of the loaded area's length and ball breadth, its heel breadth the larger
    of the loaded heel's and ANSUR's regression on the ball breadth (a heel bears on its pad, narrower
    than the heel), placed in the loaded area's canonical frame. Smooth, with no sensor steps.
    Returns (outline in the plate's plane, how it was made: which parts came from contact)."""
    from insolegen.feet.foot import foot_from_points, population_values
    from insolegen.feet.footshape import WIDTH_CLASSES, outline_for_measures

    length = seen.length_mm
    shares = population_values(seen.outline, seen.landmarks, seen.measures)
    ball = shares["breadth_share"]
    classes = sorted(WIDTH_CLASSES.values())
    heel_of_ball = float(np.polyval(np.polyfit(*zip(*classes), 1), ball))
    heel = max(shares["heel_share"], heel_of_ball)
    model = outline_for_measures(length, ball * length, heel * length)
    placed = foot_from_points(model, side="right", source="parametric foot")
    canonical = placed.outline * (length / placed.length_mm)
    in_plate = seen.to_input(canonical)             # a left foot's canonical frame is mirrored: this mirrors it back
    in_plate = _fit_rigid(in_plate, _outer_edge(contact, pitch_mm))
    edge = shapely.Polygon(contact).exterior
    near = shapely.distance(edge, shapely.points(in_plate)) <= CONTACT_EDGE_OF_PITCH * pitch_mm
    loaded = shapely.Polygon(contact)
    covered = loaded.intersection(shapely.Polygon(in_plate).buffer(0)).area / max(loaded.area, 1e-9)
    x = (canonical[:, 0] / length).round(2)
    runs = _runs(~near)
    model_parts = [f"{x[a]:.2f}-{x[b]:.2f} L {'medial' if canonical[(a + b) // 2, 1] > 0 else 'lateral'}"
                   for a, b in runs if b - a >= 3]
    how = {"method": "the ANSUR II-calibrated parametric foot (feet.footshape) fitted to the loaded area: its length and "
                     "ball breadth, the heel breadth the larger of the loaded heel's and ANSUR's regression on the ball",
           "length_mm": round(length, 2), "ball_breadth_share": round(ball, 4), "heel_breadth_share": round(heel, 4),
           "from_contact_share": round(float(near.mean()), 3),
           "from_model": model_parts,
           "contact_covered_share": round(float(covered), 4),
           "contact_edge_mm": CONTACT_EDGE_OF_PITCH * pitch_mm}
    return in_plate, how


FIT_ROUNDS = 30


def _outer_edge(contact: np.ndarray, pitch_mm: float) -> np.ndarray:
    """The loaded area's edge where it is the foot's own border: points of its edge (every 2 mm)
    within a pitch of its convex hull. The medial arch, which bears little, and the gaps between
    the toes lie inside the hull and are left out."""
    loaded = shapely.Polygon(contact)
    ring = loaded.exterior
    points = shapely.get_coordinates(shapely.line_interpolate_point(ring, np.arange(0.0, ring.length, 2.0)))
    hull_edge = loaded.convex_hull.exterior
    return points[shapely.distance(hull_edge, shapely.points(points)) <= pitch_mm]


def _fit_rigid(model: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The model outline turned and moved so its border runs through the target points (iterative
    closest points, least squares: each round pairs each target point with the nearest model point
    and solves the best rigid motion of the pairs)."""
    from scipy.spatial import cKDTree

    dense = shapely.get_coordinates(shapely.segmentize(shapely.LinearRing(model), 1.0))
    moved = model
    for _ in range(FIT_ROUNDS):
        nearest = dense[cKDTree(dense).query(target)[1]]
        mc, tc = nearest.mean(axis=0), target.mean(axis=0)
        u, _, vt = np.linalg.svd((nearest - mc).T @ (target - tc))
        rot = (u @ vt).T
        if np.linalg.det(rot) < 0:                # a turn, never a mirror
            vt[-1] *= -1
            rot = (u @ vt).T
        dense = (dense - mc) @ rot.T + tc
        moved = (moved - mc) @ rot.T + tc
        if np.allclose(rot, np.eye(2), atol=1e-7) and np.allclose(mc, tc, atol=1e-4):
            break
    return moved


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in a closed ring of flags (a run may wrap)."""
    if mask.all():
        return [(0, len(mask) - 1)]
    start = int(np.argmin(mask))                      # begin at a False, so no run wraps
    rolled = np.roll(mask, -start)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rolled.astype(int), [0]])))
    return [((a + start) % len(mask), (b - 1 + start) % len(mask)) for a, b in zip(edges[::2], edges[1::2])]


@dataclass(frozen=True)
class PressureMap:
    """A recording on the foot: ``xy`` (n, 2) each loaded sensor's centre in the foot's canonical
    frame (mm), ``value`` (n,) its pressure in the file's unit (``kpa`` converts when the unit
    is known), over the frames as ``statistic`` says."""
    xy: np.ndarray
    value: np.ndarray
    statistic: str
    unit: str | None
    pitch_mm: float
    source: str
    registration: dict

    @property
    def kpa(self) -> np.ndarray | None:
        return None if self.unit is None else self.value * UNITS_TO_KPA[self.unit]

    def summary(self) -> dict:
        """For the record: what was read and how it was put on the foot."""
        top = float(self.value.max()) if len(self.value) else 0.0
        return {"file": self.source, "statistic": self.statistic, "unit": self.unit or "not given (the file does not store it)",
                "pitch_mm": self.pitch_mm, "loaded_sensors": int(len(self.value)), "highest": round(top, 3),
                "registration": self.registration}


def read_pressure_map(path: str | Path, pitch_mm: float | None, foot, *, statistic: str = "peak",
                      unit: str | None = None, is_foot_input: bool = False) -> PressureMap:
    """The recording at ``path`` on ``foot``: its own frame when it is the foot input itself,
    else registered to the foot's outline (``feet.register``; refused when it does not fit)."""
    from insolegen.feet.register import register_footprint

    if unit is not None and unit not in UNITS_TO_KPA:
        raise InvalidInput(f"pressure unit {unit!r}: choose one of {', '.join(UNITS_TO_KPA)}")
    _check_pitch(path, pitch_mm)
    grid = pressure_grid(path, statistic)
    centres = sensor_centres(grid.shape, pitch_mm)
    values = grid.ravel()
    loaded = values > 0
    name = Path(path).name
    if is_foot_input:
        to_foot, registration = foot.to_canonical, {"how": "the recording is the foot input: its own frame", "residual_mm": 0.0}
    else:
        _, outline = footprint_from_pressure(grid, pitch_mm)
        to_foot, fitted = register_footprint(outline, foot, f"pressure recording {name}", pitch_mm)
        registration = fitted.as_dict()
    return PressureMap(to_foot(centres[loaded]), values[loaded], statistic, unit, pitch_mm, name, registration)


def _check_pitch(path, pitch_mm) -> None:
    if pitch_mm is None:
        raise InvalidInput(f"{path}: a pressure recording does not store its sensor pitch: give --pitch-mm")
    if not 1.0 <= pitch_mm <= 20.0:
        raise InvalidInput(f"--pitch-mm {pitch_mm:g} is out of range 1 … 20 mm")

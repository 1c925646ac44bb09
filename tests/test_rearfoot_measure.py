"""`measure` reads the rearfoot of an insole it did not design: a post, a medial skive's crease
and a heel-spur pocket with a floor, together, in any pose. The insole is built by tests/foreign.py
(rings, not insolegen's mesher) on the real dupontgu sole outline, so every truth below is the
geometry this file put there."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from foreign import random_pose, ring_insole

from insolegen.measure import measure_mesh

ROOT = Path(__file__).resolve().parents[1]
BASE_MM, WALL_MM, RADIUS_MM, ARCH_MM = 6.0, 4.0, 12.0, 14.0


def smoothstep(t):
    t = np.clip(t, 0.0, 1.0)
    return t * t * t * (t * (6 * t - 15) + 10)


def right_outline() -> np.ndarray:
    from insolegen.feet.foot import foot_from_points

    raw = np.loadtxt(ROOT / "tests" / "data" / "dupontgu_left_sole_outline.csv", delimiter=",", skiprows=1) * 1000.0
    foot = foot_from_points(raw, side="left")          # kept right-like: medial +y
    ring = shapely.Polygon(foot.outline).buffer(0).exterior
    outline = np.asarray(shapely.segmentize(ring, 1.5).coords)[:-1]
    return outline if shapely.Polygon(outline).exterior.is_ccw else outline[::-1]


def rearfoot_insole(post_deg: float, skive_mm: float, pocket_mm: float):
    """A flat-bottomed insole whose top carries a post pivoting on the heel's low edge, a skive
    rising from a crease on the heel's centre line to skive_mm at its medial edge, a round
    pocket with a flat floor, and a medial arch (so the top is not a plane the bottom could be
    taken for). Returns the mesh and the truths."""
    outline = right_outline()
    length = float(np.ptp(outline[:, 0]))
    station = outline[:, 0].min() + 0.145 * length
    span = shapely.LineString([(station, -500), (station, 500)]).intersection(shapely.Polygon(outline).convex_hull)
    lateral, medial = sorted(np.asarray(span.coords)[:, 1])
    crease = 0.5 * (lateral + medial)
    pivot = lateral if post_deg >= 0 else medial
    pocket = np.array([outline[:, 0].min() + 0.16 * length, crease + 4.0])
    slope = skive_mm / (medial - crease)

    def top(xy):
        x, y = xy[:, 0], xy[:, 1]
        post = np.tan(np.radians(post_deg)) * (y - pivot)
        skive = slope * np.maximum(y - crease, 0.0) * (1 - smoothstep((x - 0.22 * length) / (0.1 * length)))
        r = np.hypot(x - pocket[0], y - pocket[1])
        arch = ARCH_MM * np.exp(-((x - 0.42 * length) / (0.08 * length)) ** 2) * smoothstep((y - crease) / 30.0)
        return BASE_MM + post + skive + arch - pocket_mm * smoothstep((RADIUS_MM - r) / WALL_MM)

    mesh = ring_insole(outline, top, rings=90)
    assert mesh.is_watertight
    return mesh, {"pocket_centre": pocket, "seat_mm": BASE_MM}


@pytest.mark.parametrize("post_deg, skive_mm, pocket_mm, seed", [
    (5.0, 0.0, 0.0, 1), (-6.0, 0.0, 3.0, 2), (4.0, 6.0, 0.0, 3), (3.0, 5.0, 2.5, 4), (0.0, 0.0, 1.0, 5),
])
def test_post_skive_and_pocket_are_read_apart_in_any_pose(post_deg, skive_mm, pocket_mm, seed):
    mesh, truth = rearfoot_insole(post_deg, skive_mm, pocket_mm)
    posed = random_pose(mesh, seed)
    m = measure_mesh(posed.vertices, posed.faces, side="right", check_intersections=False)
    q = m.quantities
    assert q["rearfoot_post_deg"] == pytest.approx(post_deg, abs=0.3)
    assert q["medial_skive_depth_mm"] == pytest.approx(skive_mm, abs=0.4)
    assert q["heel_seat_height_mm"] == pytest.approx(truth["seat_mm"], abs=0.2)
    assert q["heel_pocket_depth_mm"] == pytest.approx(pocket_mm, abs=0.15)
    if pocket_mm:
        # where the file put the pocket, seen in the measuring frame
        centre = np.append(truth["pocket_centre"], 0.0)
        transform = random_pose(type(mesh)(vertices=[centre, centre + [0, 0, 1], centre + [1, 0, 0]], faces=[[0, 1, 2]]), seed)
        ex, ey, _ = m.frame.to_frame(transform.vertices[:1])[0]
        assert np.hypot(q["heel_pocket_x_mm"] - ex, q["heel_pocket_y_mm"] - ey) < 1.5
        assert q["heel_pocket_diameter_mm"] == pytest.approx(2 * RADIUS_MM - WALL_MM, abs=1.0)   # at half depth
    else:
        assert q["heel_pocket_x_mm"] is None


def test_a_seat_that_dips_is_not_a_pocket():
    """A heel lift fading into a thicker forefoot leaves a shallow basin under the heel: water
    would stand in it, but its floor is the seat itself, not a pocket below the seat."""
    outline = right_outline()
    length = float(np.ptp(outline[:, 0]))

    def top(xy):
        x = xy[:, 0] - outline[:, 0].min()
        lift = 6.0 * (1 - smoothstep((x - 0.2 * length) / (0.4 * length)))
        thicker = 5.0 * smoothstep((x - 0.1 * length) / (0.6 * length))
        cup = 8.0 * smoothstep(1 - shapely.distance(shapely.Polygon(outline).exterior, shapely.points(xy)) / 15.0) * (x < 0.3 * length)
        return 3.0 + lift + thicker + cup

    mesh = ring_insole(outline, top, rings=90)
    m = measure_mesh(mesh.vertices, mesh.faces, side="right", check_intersections=False)
    assert m.quantities["heel_pocket_depth_mm"] == 0.0
    assert m.quantities["rearfoot_post_deg"] == pytest.approx(0.0, abs=0.3)


def _water_by_erosion(height: np.ndarray, region: np.ndarray) -> np.ndarray:
    """The definition, slowly: start flooded to the highest cell and lower each cell to the
    lowest of its side neighbours' water (never below its own height) until nothing moves."""
    surface = np.where(region & np.isfinite(height), height, -np.inf)
    water = np.where(region & np.isfinite(height), surface.max(), -np.inf)
    while True:
        padded = np.pad(water, 1, constant_values=-np.inf)
        lowest = np.minimum.reduce([padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:], water])
        lowered = np.maximum(surface, lowest)
        if (lowered == water).all():
            finite = np.isfinite(surface)
            return np.where(finite, water - np.where(finite, surface, 0.0), 0.0)
        water = lowered


@pytest.mark.parametrize("seed", range(6))
def test_standing_water_is_the_flood_definition(seed):
    from insolegen.measure.rearfoot import standing_water

    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(8, 40, 2))
    height = np.cumsum(rng.normal(size=shape), axis=int(rng.integers(2))) + rng.normal(size=shape)
    height[rng.random(shape) < 0.05] = np.nan                           # cells without a height drain
    region = np.ones(shape, bool)
    region[: int(rng.integers(0, 4))] = False
    depth = standing_water(np.where(region, height, np.nan), region)
    assert np.allclose(depth, _water_by_erosion(height, region))
    assert (depth >= 0).all() and depth.max() > 0


def test_standing_water_fills_a_bowl_on_a_tilted_plane_to_its_lip():
    from insolegen.measure.rearfoot import standing_water

    y, x = np.mgrid[0:60, 0:80].astype(float)
    r = np.hypot(x - 40, y - 30)
    height = 0.05 * x + np.where(r < 10, -2.0, 0.0)        # a 2 mm pocket in a plane rising 0.05 a cell
    depth = standing_water(height, np.ones(height.shape, bool))
    assert depth[r >= 10].max() == 0.0
    # water stands to the lowest point of the pocket's lip: the cell at x = 30 on the low side
    assert np.allclose(depth[r < 10], 0.05 * 30 - (0.05 * x[r < 10] - 2.0))

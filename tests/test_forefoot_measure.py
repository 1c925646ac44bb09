"""`measure` reads the forefoot of an insole it did not design: a forefoot post and a step along
the first ray (a Morton's extension raises it, a cut-out lowers it), together, in any pose. Built
by tests/foreign.py on the real dupontgu sole outline; every truth is what this file put there."""
from __future__ import annotations

import numpy as np
import pytest
from foreign import random_pose, ring_insole
from test_rearfoot_measure import right_outline, smoothstep

from insolegen.measure import measure_mesh

BASE_MM, ARCH_MM = 4.0, 12.0


def forefoot_insole(post_deg: float, step_mm: float):
    """A flat-bottomed insole whose forefoot is posted about its low-side prominence (the 5th
    head's for varus, the 1st's for valgus) and carries a step rising medially over 6 mm at a
    line 8 mm medial of the forefoot's centre line, from just behind the ball."""
    outline = right_outline()
    x0 = outline[:, 0].min()
    length = float(np.ptp(outline[:, 0]))
    front = outline[outline[:, 0] > x0 + 0.5 * length]
    lateral, medial = front[:, 1].min(), front[:, 1].max()
    pivot = lateral if post_deg >= 0 else medial
    line = 0.5 * (lateral + medial) + 8.0

    def top(xy):
        x, y = xy[:, 0] - x0, xy[:, 1]
        fore = smoothstep((x - 0.45 * length) / (0.15 * length))        # post and step fade in behind the ball
        post = np.tan(np.radians(post_deg)) * (y - pivot)
        step = step_mm * smoothstep((y - line) / 6.0 + 0.5)
        arch = ARCH_MM * np.exp(-((x - 0.4 * length) / (0.08 * length)) ** 2) * smoothstep((y - 0.5 * (lateral + medial)) / 30.0)
        return BASE_MM + (post + step) * fore + arch

    mesh = ring_insole(outline, top, rings=90)
    assert mesh.is_watertight
    return mesh


@pytest.mark.parametrize("post_deg, step_mm, seed", [(5.0, 0.0, 1), (-4.0, 3.0, 2), (3.0, -2.0, 3), (0.0, 4.0, 4)])
def test_forefoot_post_step_and_thickness_are_read_apart_in_any_pose(post_deg, step_mm, seed):
    posed = random_pose(forefoot_insole(post_deg, step_mm), seed)
    q = measure_mesh(posed.vertices, posed.faces, side="right", check_intersections=False).quantities
    assert q["forefoot_post_deg"] == pytest.approx(post_deg, abs=0.3)
    assert q["first_ray_step_mm"] == pytest.approx(step_mm, abs=0.25)
    assert q["forefoot_thickness_mm"] == pytest.approx(BASE_MM, abs=0.2)        # the lesser rays', at the pivot


def bar_insole(height_mm: float, behind_mm: float):
    """A bar 20 mm wide across the whole foot, its crest ``behind_mm`` behind the line through
    the forefoot's outermost points."""
    outline = right_outline()
    x0 = outline[:, 0].min()
    length = float(np.ptp(outline[:, 0]))
    front = outline[outline[:, 0] > x0 + 0.5 * length]
    a, b = front[np.argmax(front[:, 1])], front[np.argmin(front[:, 1])]
    n = np.array([a[1] - b[1], b[0] - a[0]]) / np.hypot(*(a - b))
    n = n if n[0] > 0 else -n                                  # distal

    def top(xy):
        x = xy[:, 0] - x0
        bar = height_mm * smoothstep(1 - np.abs((xy - b) @ n + behind_mm) / 10.0)
        arch = ARCH_MM * np.exp(-((x - 0.4 * length) / (0.08 * length)) ** 2) * smoothstep((xy[:, 1] - 0.5 * (a[1] + b[1])) / 30.0)
        return BASE_MM + bar + arch

    return ring_insole(outline, top, rings=90)


def test_a_met_bar_across_the_foot_is_read_from_the_mesh_alone():
    """Its height, and its place: moved 8 mm further back, it reads 8 mm further back (where the
    ball line lies is `measure`'s own definition, so the place is checked as a move)."""
    found = []
    for height_mm, behind_mm, seed in ((3.0, 12.0, 5), (5.0, 20.0, 6)):
        mesh = random_pose(bar_insole(height_mm, behind_mm), seed)
        q = measure_mesh(mesh.vertices, mesh.faces, side="right", check_intersections=False).quantities
        assert q["met_bar_height_mm"] == pytest.approx(height_mm, abs=0.3)
        found.append(q["met_bar_offset_mm"])
    assert found[1] - found[0] == pytest.approx(8.0, abs=1.5)
    flat = random_pose(forefoot_insole(0.0, 0.0), 7)
    assert measure_mesh(flat.vertices, flat.faces, side="right", check_intersections=False).quantities["met_bar_height_mm"] == 0.0


def test_the_across_profile_is_each_bins_percentile():
    """The vectorised profile (all bins at once) reads what np.percentile reads bin by bin, with
    the values given in any order or sorted already."""
    from insolegen.geometry.arrays import across_profile

    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(1, 2000))
        values, d = rng.normal(size=n), rng.uniform(-40.0, 40.0, n)
        q, min_cells = float(rng.uniform(0, 100)), int(rng.integers(1, 8))
        _, profile = across_profile(values, d, q, min_cells)
        bins = np.floor(d).astype(int) - int(np.floor(d).min())
        expected = [np.percentile(values[bins == k], q) if (bins == k).sum() >= min_cells else np.nan
                    for k in range(bins.max() + 1)]
        assert np.allclose(profile, expected, equal_nan=True, atol=1e-12)
        # values sorted once (as for the met bar's several directions) read the same
        order = np.argsort(values)
        _, from_sorted = across_profile(values[order], d[order], q, min_cells, ascending=True)
        assert np.array_equal(from_sorted, profile, equal_nan=True)

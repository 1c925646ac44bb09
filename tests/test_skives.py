"""Heel skives read from the mesh by the tests' own ray casting: across the heel seat, a straight
line fitted to each side of the crease; a skive is how far the skive side's line stands above the
other side's, extended to the heel's edge, and its angle is the two lines' difference. A lateral
skive stands on the lateral side (on the left device too), a skive given in degrees makes that
angle on top of the post, and the combinations that work against each other are refused."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import designed, run_cli
from oracle import top_heights

from insolegen.device.features.skives import SKIVE_SMOOTHING, span

FLAT = ("heel_cup.depth_mm=0",)          # no cup wall over the seat's edges


def _seat_lines(result, mesh, mirror: float = 1.0):
    """(slope, height at the crease) of the seat's lateral and medial parts (+y medial in the right
    foot's frame; ``mirror`` -1 reads a left mesh), 14.5 % of L from the heel, and the heel's edges."""
    ctx = result.design.context
    x = ctx.back_x + 0.145 * ctx.length
    lateral_edge, medial_edge = ctx.rear_y
    crease = float(ctx.heel[1])
    ys = np.arange(lateral_edge + 2.0, medial_edge - 2.0, 0.5)
    z = top_heights(mesh, np.column_stack([np.full_like(ys, x), mirror * ys]))
    near = SKIVE_SMOOTHING * max(crease - lateral_edge, medial_edge - crease) + 2.0      # clear of the crease's rounding
    lateral, medial = ys < crease - near, ys > crease + near
    lines = {side: np.polyfit(ys[part] - crease, z[part], 1) for side, part in (("lateral", lateral), ("medial", medial))}
    return lines, crease, (lateral_edge, medial_edge)


def _wedge_at_edge(result, mesh, side: str, mirror: float = 1.0) -> float:
    lines, crease, (lateral_edge, medial_edge) = _seat_lines(result, mesh, mirror)
    other = "medial" if side == "lateral" else "lateral"
    edge = (lateral_edge if side == "lateral" else medial_edge) - crease
    return float(np.polyval(lines[side], edge) - np.polyval(lines[other], edge))


def test_a_lateral_skive_stands_its_depth_at_the_lateral_edge_on_both_devices():
    made, meshes = designed(profile="neutral", overrides=(*FLAT, "lateral_skive.depth_mm=4"))
    wedge = _wedge_at_edge(made, meshes["right"], "lateral")
    assert wedge == pytest.approx(4.0, abs=0.4)
    assert _wedge_at_edge(made, meshes["left"], "lateral", mirror=-1.0) == pytest.approx(4.0, abs=0.4)
    lines, _, _ = _seat_lines(made, meshes["right"])
    assert abs(lines["medial"][0]) < 0.01              # the seat medial of the crease stays level (no post)
    assert lines["lateral"][0] < -0.1                  # and rises toward the lateral edge
    checks = {c["quantity"]: c for c in made.record["prescribed_vs_measured"]["checks"]}
    assert checks["lateral_skive_depth_mm"]["ok"] and checks["lateral_skive_depth_mm"]["compared"]
    assert checks["lateral_skive_depth_mm"]["measured"] == pytest.approx(wedge, abs=0.15)     # `measure` reads what the rays see
    assert not checks["medial_skive_depth_mm"]["compared"] and not checks["rearfoot_post_deg"]["compared"]
    assert checks["rearfoot_post_medial_deg"]["ok"] and checks["heel_seat_medial_edge_mm"]["ok"]


@pytest.mark.parametrize("side, post", [("medial", 4.0), ("lateral", -3.0)])
def test_a_skive_given_in_degrees_makes_that_angle_on_top_of_the_post(side, post):
    made, meshes = designed(profile="neutral", overrides=(*FLAT, f"{side}_skive.angle_deg=6", f"rearfoot_post.angle_deg={post}"))
    lines, _, _ = _seat_lines(made, meshes["right"])
    steeper, plain = (lines["medial"][0], lines["lateral"][0]) if side == "medial" else (-lines["lateral"][0], -lines["medial"][0])
    assert np.degrees(np.arctan(steeper)) - np.degrees(np.arctan(plain)) == pytest.approx(6.0, abs=0.5)
    post_side = lines["lateral" if side == "medial" else "medial"][0]
    assert np.degrees(np.arctan(post_side)) == pytest.approx(post, abs=0.5)
    # the depth the record gives is what that angle makes at the heel's edge, and the mesh stands it
    depth = made.record["derived"]["features"][f"{side}_skive"]["depth_mm"]
    ctx = made.design.context
    post_r, angle = np.radians(post), np.radians(6.0)
    slope = np.tan(post_r + angle) - np.tan(post_r) if side == "medial" else np.tan(post_r) - np.tan(post_r - angle)
    assert depth == pytest.approx(span(ctx, side) * slope, abs=0.01)
    assert _wedge_at_edge(made, meshes["right"], side) == pytest.approx(depth, abs=0.4)


def test_skives_that_work_against_each_other_are_refused(tmp_path):
    for sets, words in ((["lateral_skive.depth_mm=3", "medial_skive.depth_mm=3"], "medial_skive.depth_mm and lateral_skive.depth_mm together"),
                        (["lateral_skive.depth_mm=3", "rearfoot_post.angle_deg=4"], "working against each other"),
                        (["medial_skive.depth_mm=3", "medial_skive.angle_deg=5"], "both set: give one"),
                        (["lateral_skive.angle_deg=16"], "lateral_skive.angle_deg")):
        r = run_cli("design", *[a for s in sets for a in ("--set", s)], "--out", tmp_path / "o")
        assert r.returncode != 0 and words in r.stderr, (sets, r.stderr)
        assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("skive, widened", [("medial_skive.depth_mm=5", "heel_expansion.lateral_mm=8"),
                                            ("lateral_skive.depth_mm=4", "heel_expansion.medial_mm=8")])
def test_a_skive_reads_its_depth_with_the_heel_widened_on_the_other_side(skive, widened):
    """A heel expansion moves the device's heel centre line half its width off the foot's heel,
    where the skive's crease is cut: `measure` still finds the crease and reads the skive the rays
    see (found by the sweep: it looked for the crease within 3 mm of the device's centre line, and
    refused true devices)."""
    made, meshes = designed(profile="neutral", overrides=(*FLAT, skive, widened))
    side = skive.split("_")[0]
    depth = float(skive.split("=")[1])
    wedge = _wedge_at_edge(made, meshes["right"], side)
    assert wedge == pytest.approx(depth, abs=0.4)
    checks = {c["quantity"]: c for c in made.record["prescribed_vs_measured"]["checks"]}
    # measure fits the seat within 12 mm of the device's centre line, which the widening moved off
    # the crease: less of the skive's flank, read up to 0.25 mm shallow (0.15 with the heel as it is)
    assert checks[f"{side}_skive_depth_mm"]["measured"] == pytest.approx(wedge, abs=0.3)

"""A lab's widths, read from the mesh by the tests' own cut across it (trimesh's plane section):
a heel expansion moves the heel's edge out on its side by the amount (or its share of the heel's
width), and only over the heel; a shell width widens or narrows the midfoot, half each side, and
leaves the heel and the length. Against the same device made without them."""
from __future__ import annotations

import numpy as np
import pytest
import trimesh
from helpers import designed, run_cli

from insolegen.device import widening


def _edges(mesh: trimesh.Trimesh, x: float) -> tuple[float, float]:
    cut = trimesh.intersections.mesh_plane(mesh, [1.0, 0.0, 0.0], [x, 0.0, 0.0])
    return float(cut[:, :, 1].min()), float(cut[:, :, 1].max())


def _stations(result) -> dict[str, float]:
    ctx = result.design.context
    return {"heel": ctx.back_x + widening.SEAT_STATION * ctx.length,
            "shell": widening.shell_station(ctx.back_x, ctx.length, float(ctx.ball_point[0])),
            "forefoot": ctx.back_x + 0.85 * ctx.length}


def test_a_heel_expansion_moves_the_heels_edge_out_on_its_side_only():
    bare, bare_meshes = designed(profile="neutral")
    made, meshes = designed(profile="neutral", overrides=("heel_expansion.lateral_mm=5", "heel_expansion.medial_mm=2"))
    at = _stations(made)
    (lat0, med0), (lat1, med1) = _edges(bare_meshes["right"], at["heel"]), _edges(meshes["right"], at["heel"])
    assert lat0 - lat1 == pytest.approx(5.0, abs=0.3) and med1 - med0 == pytest.approx(2.0, abs=0.3)
    # beyond the heel nothing moved, and the length is the same
    assert _edges(meshes["right"], at["forefoot"]) == pytest.approx(_edges(bare_meshes["right"], at["forefoot"]), abs=0.05)
    assert np.ptp(meshes["right"].vertices[:, 0]) == pytest.approx(np.ptp(bare_meshes["right"].vertices[:, 0]), abs=0.05)
    # the left device: its lateral side is the mirror's (-y in its own file is medial... so compare mirrored)
    (l_lat0, _), (l_lat1, _) = (_edges(m, at["heel"]) for m in (bare_meshes["left"], meshes["left"]))
    l_med0, l_med1 = (_edges(m, at["heel"])[1] for m in (bare_meshes["left"], meshes["left"]))
    assert l_med1 - l_med0 == pytest.approx(5.0, abs=0.3)        # the left foot's lateral side is at +y
    assert l_lat0 - l_lat1 == pytest.approx(2.0, abs=0.3)


def test_a_lateral_expansion_given_as_a_share_of_the_heels_width():
    bare, bare_meshes = designed(profile="neutral")
    made, meshes = designed(profile="neutral", overrides=("heel_expansion.lateral_pct=6",))
    x = _stations(made)["heel"]
    lat0, med0 = _edges(bare_meshes["right"], x)
    lat1, _ = _edges(meshes["right"], x)
    assert lat0 - lat1 == pytest.approx(0.06 * (med0 - lat0), abs=0.3)
    check, = [c for c in made.record["prescribed_vs_measured"]["checks"] if c["quantity"] == "heel_expansion_lateral_mm"]
    assert check["ok"] and check["prescribed"] == pytest.approx(0.06 * (med0 - lat0), abs=0.1)


@pytest.mark.parametrize("change", [-4.0, 5.0])
def test_a_shell_width_changes_the_midfoot_half_each_side_and_leaves_the_heel(change):
    bare, bare_meshes = designed(profile="neutral")
    made, meshes = designed(profile="neutral", overrides=(f"device.shell_width_mm={change}",))
    at = _stations(made)
    (lat0, med0), (lat1, med1) = _edges(bare_meshes["right"], at["shell"]), _edges(meshes["right"], at["shell"])
    assert (med1 - lat1) - (med0 - lat0) == pytest.approx(change, abs=0.3)
    assert lat0 - lat1 == pytest.approx(change / 2, abs=0.3)
    assert _edges(meshes["right"], at["heel"]) == pytest.approx(_edges(bare_meshes["right"], at["heel"]), abs=0.05)
    assert np.ptp(meshes["right"].vertices[:, 0]) == pytest.approx(np.ptp(bare_meshes["right"].vertices[:, 0]), abs=0.05)


def test_widths_with_a_shoe_or_both_ways_are_refused(tmp_path):
    liner = tmp_path / "liner.csv"
    from insolegen.feet.footshape import foot_from_size

    np.savetxt(liner, foot_from_size("EU44", "wide").outline, delimiter=",")
    for args, words in ((["--shoe", liner, "--side", "right", "--set", "heel_expansion.lateral_mm=3"], "do not apply with a shoe"),
                        (["--set", "heel_expansion.lateral_mm=3", "--set", "heel_expansion.lateral_pct=4"], "both set"),
                        (["--set", "shell_width_mm=3"], "shell_width_mm")):
        r = run_cli("design", *args, "--out", tmp_path / "o")
        assert r.returncode != 0 and words in r.stderr, (args, r.stderr)

"""A shoe's sock-liner limits the device (`design --shoe`): on liners of several shapes (a real
sole's outline, an ANSUR II foot's, a synthetic wider one) the device's edge, read from its
mesh, stands the prescribed allowances inside the liner all round; a foot longer than its shoe,
a liner of the other side and a foot-relative offset are refused with the numbers; a batch case's
shoe.* and an order's shoe file are used the same way."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers import run_cli
from oracle import rim_segments

from insolegen.case import CaseRequest, design_case
from insolegen.feet.footshape import foot_from_size
from insolegen.feet.read import read_foot

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[1]


def _liners(folder: Path) -> dict[str, tuple[Path, str, str]]:
    """name -> (a sock-liner tracing in mm, the size of a foot that fits it, the side it is)."""
    real = read_foot(DATA / "dupontgu_left_sole_outline.csv", units="m").outline * [1.0, -1.0]     # a left sole, in mm
    np.savetxt(folder / "real_sole.csv", real, delimiter=",")
    np.savetxt(folder / "wide.csv", foot_from_size("EU44", "wide").outline, delimiter=",")
    from test_shoe_meshes import _last

    _last(foot_from_size("EU43", "medium").outline).export(folder / "last.stl")     # a last made from the parametric foot
    return {"real sole (left)": (folder / "real_sole.csv", "EU40", "left"),
            "ANSUR II foot": (ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv", "EU39", "right"),
            "synthetic wide": (folder / "wide.csv", "EU42", "right"),
            "last (parametric foot)": (folder / "last.stl", "EU41", "right")}


def _rim_in_the_foots_frame(result, side: str) -> np.ndarray:
    """The device's edge on the ground, read from its mesh, in the foot's canonical frame."""
    vertices, faces = result.designs[side].right_frame_mesh()
    import trimesh

    return rim_segments(trimesh.Trimesh(vertices, faces, process=False)).reshape(-1, 2)


@pytest.mark.parametrize("name", ["real sole (left)", "ANSUR II foot", "synthetic wide", "last (parametric foot)"])
def test_the_edge_stands_its_allowance_inside_the_liner_all_round(tmp_path, name):
    path, size, side = _liners(tmp_path)[name]
    allowance = 2.0
    sets = tuple(f"shoe.allowance_{k}_mm={allowance}" for k in ("toe", "ball_medial", "ball_lateral", "heel_medial", "heel_lateral"))
    result = design_case(CaseRequest(size=size, foot_side=side, sides=(side,), overrides=sets, shoe_file=path))
    liner = shapely.Polygon(result.record["shoe"]["liner_mm"])
    expected = liner.buffer(-allowance, quad_segs=32).exterior             # the liner less 2 mm, by shapely, all round
    rim = _rim_in_the_foots_frame(result, side)
    off = shapely.distance(shapely.points(rim), expected)
    assert off.max() <= 0.5, (name, float(off.max()))
    # and the other way: every stretch of the expected edge has the device's edge beside it
    along = np.asarray(expected.coords)[::5]
    assert shapely.distance(shapely.points(along), shapely.MultiPoint(rim)).max() <= 1.5
    assert result.record["shoe"]["registration"]["residual_mm"] < 5.0 and result.record["shoe"]["side"] == side


def test_each_allowance_stands_where_it_is_prescribed(tmp_path):
    """Heel and ball, medial and lateral, and the toe, each its own: read across and along the mesh."""
    path, size, side = _liners(tmp_path)["synthetic wide"]
    a = {"toe": 4.0, "ball_medial": 1.0, "ball_lateral": 3.0, "heel_medial": 2.5, "heel_lateral": 0.5}
    result = design_case(CaseRequest(size=size, sides=(side,), overrides=tuple(f"shoe.allowance_{k}_mm={v}" for k, v in a.items()),
                                     shoe_file=path))
    liner = np.array(result.record["shoe"]["liner_mm"])
    rim = _rim_in_the_foots_frame(result, side)
    foot = result.design.foot.length_mm

    def across(x: float) -> tuple[float, float]:
        """(medial, lateral) gap between the liner's edge and the device's at x, square to the foot."""
        near_l, near_d = liner[np.abs(liner[:, 0] - x) < 1.0], rim[np.abs(rim[:, 0] - x) < 1.0]
        return near_l[:, 1].max() - near_d[:, 1].max(), near_d[:, 1].min() - near_l[:, 1].min()

    heel_medial, heel_lateral = across(0.15 * foot)
    ball_medial, ball_lateral = across(0.62 * foot)
    assert heel_medial == pytest.approx(a["heel_medial"], abs=0.5) and heel_lateral == pytest.approx(a["heel_lateral"], abs=0.5)
    assert ball_medial == pytest.approx(a["ball_medial"], abs=0.5) and ball_lateral == pytest.approx(a["ball_lateral"], abs=0.5)
    assert liner[:, 0].max() - rim[:, 0].max() == pytest.approx(a["toe"], abs=0.5)
    assert result.record["prescribed_vs_measured"]["checks"][0]["ok"]      # the mesh's length, as the liner less its toe


def test_a_foot_longer_than_its_shoe_the_other_side_and_an_offset_are_refused(tmp_path):
    path, _, _ = _liners(tmp_path)["synthetic wide"]                          # a right liner, 278 mm
    r = run_cli("design", "--size", "EU46", "--shoe", path, "--out", tmp_path / "a")
    assert r.returncode == 1 and "the foot is 291.7 mm long and the sock-liner 278.3 mm" in r.stderr
    assert "shoe.allowance_toe_mm = 2" in r.stderr and not (tmp_path / "a").exists()
    r = run_cli("design", "--size", "EU42", "--side", "left", "--shoe", path, "--out", tmp_path / "b")
    assert r.returncode == 1 and "the sock-liner is a right one (detected) and the device is the left one" in r.stderr
    r = run_cli("design", "--size", "EU42", "--shoe", path, "--set", "device.outline_offset_mm=2", "--out", tmp_path / "c")
    assert r.returncode == 1 and "device.outline_offset_mm = 2 does not apply with a shoe" in r.stderr
    r = run_cli("design", "--size", "EU42", "--shoe", tmp_path / "missing.svg", "--out", tmp_path / "d")
    assert r.returncode == 1 and "missing.svg" in r.stderr


def test_a_batch_case_takes_its_shoe_beside_its_foot(tmp_path):
    case = tmp_path / "scans" / "patient"
    case.mkdir(parents=True)
    (case / "right.csv").write_bytes((ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv").read_bytes())
    np.savetxt(case / "shoe.csv", foot_from_size("EU46", "wide").outline, delimiter=",")
    r = run_cli("batch", tmp_path / "scans", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "out" / "patient" / "patient.json").read_text())
    assert record["shoe"]["file"] == "shoe.csv" and record["inputs"]["foot"]["file"] == "right.csv"


def test_the_liner_is_registered_onto_the_foot_and_the_residual_says_how_well():
    """A liner that is the foot's own outline (1 % longer) turned 2° about the heel and moved 3 mm
    across comes back onto the foot (within 0.4 mm of where it started, residual under 0.3 mm); one
    whose forefoot leans 6 mm medially (a line cannot take that) leaves a residual several times larger."""
    from insolegen.shoe.fit import Allowances, fit_liner
    from insolegen.shoe.read import Liner

    foot = foot_from_size("EU42")
    longer = foot.outline * [1.01, 1.0]                          # 1 % longer: the turned copy still holds the foot's length
    a = np.radians(2.0)
    turned = longer @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]) + [0.0, 3.0]
    none = Allowances(0.0, 0.0, 0.0, 0.0, 0.0)
    fit = fit_liner(Liner(turned, "right", "given", "turned.csv"), foot, none, ("right",))
    back = shapely.Polygon(fit.liner).exterior
    assert shapely.distance(shapely.points(longer), back).max() < 0.4 and fit.residual_mm < 0.3
    assert abs(abs(fit.turn_deg) - 2.0) < 0.15
    leaning = foot.outline + np.column_stack([np.zeros(len(foot.outline)), 6.0 * np.clip((foot.outline[:, 0] - 130) / 60, 0, 1)])
    assert fit_liner(Liner(leaning, "right", "given", "leaning.csv"), foot, none, ("right",)).residual_mm > 2.5 * fit.residual_mm

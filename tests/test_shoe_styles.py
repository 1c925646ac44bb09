"""Shoe styles (`shoe.style`): a prescription beyond what its shoe holds, as labs publish it, is
refused naming the field, the limit and its source, and nothing is written; with --accept-shoe
it is made, read from its mesh as prescribed, and the record and the report carry the warning.
Within the limits a style changes nothing of the device."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli
from oracle import load_stl

from insolegen.device.prescription import describe_fields
from insolegen.measure import measure_mesh
from insolegen.shoe.styles import LIMITS, STYLES

FOOT = Path(__file__).resolve().parents[1] / "examples" / "batch" / "ansur_m_0001" / "right.csv"


def _cup_depth(stl_path) -> float:
    mesh = load_stl(stl_path.read_bytes())
    return measure_mesh(mesh.vertices, mesh.faces).quantities["heel_cup_depth_mm"]


def test_every_limit_names_a_numeric_field_and_a_source():
    numeric = {r["field"] for r in describe_fields() if r["min"] is not None}
    assert set(LIMITS) == set(STYLES)
    for style, limits in LIMITS.items():
        for limit in limits:
            assert limit.field in numeric, (style, limit.field)
            assert limit.source and limit.why, (style, limit.field)


def test_a_14_mm_cup_in_a_dress_shoe_is_refused_naming_the_limit_and_its_source(tmp_path):
    out = tmp_path / "dress"
    r = run_cli("design", "--set", "shoe.style=dress", "--set", "heel_cup.depth_mm=14", "--out", out)
    assert r.returncode == 1
    assert "heel_cup.depth_mm = 14" in r.stderr and "dress shoe's 12" in r.stderr
    assert "ProLab" in r.stderr and "--accept-shoe" in r.stderr
    assert not out.exists() or not any(out.iterdir())
    # every field beyond the style at once, not one refusal at a time
    r = run_cli("design", "--set", "shoe.style=dress", "--set", "heel_cup.depth_mm=14", "--set", "medial_skive.depth_mm=4",
                "--out", out)
    assert r.returncode == 1 and "heel_cup.depth_mm" in r.stderr and "medial_skive.depth_mm = 4" in r.stderr
    r = run_cli("design", "--set", "shoe.style=dress", "--set", "heel_expansion.lateral_mm=5", "--out", out)
    assert r.returncode == 1 and "heel_expansion.lateral_mm = 5" in r.stderr and "Queensland Orthotic Lab" in r.stderr


def test_accepted_beyond_the_shoe_it_is_made_as_prescribed_with_a_warning(tmp_path):
    out = tmp_path / "accepted"
    r = run_cli("design", "--set", "shoe.style=dress", "--set", "heel_cup.depth_mm=14", "--accept-shoe", "--report",
                "--side", "right", "--out", out)
    assert r.returncode == 0, r.stderr
    record = json.loads((out / "EU42_medium.json").read_text())
    warning, = record["shoe_style"]["accepted_beyond"]
    assert "heel_cup.depth_mm = 14" in warning and "ProLab" in warning
    assert {lim["field"] for lim in record["shoe_style"]["limits"]} >= {"heel_cup.depth_mm", "medial_skive.depth_mm"}
    assert _cup_depth(out / "EU42_medium_right.stl") == pytest.approx(14.0, abs=1.0)
    text = " ".join(subprocess.run(["pdftotext", str(out / "EU42_medium_report.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "shoe: heel_cup.depth_mm = 14 is beyond a dress shoe's 12" in text


def test_within_its_limits_a_style_changes_nothing_of_the_device(tmp_path):
    plain, boot = tmp_path / "plain", tmp_path / "boot"
    for out, extra in ((plain, []), (boot, ["--set", "shoe.style=boot"])):
        r = run_cli("design", "--set", "heel_cup.depth_mm=8", *extra, "--side", "left", "--format", "stl,json", "--out", out)
        assert r.returncode == 0, r.stderr
    assert (plain / "EU42_medium_left.stl").read_bytes() == (boot / "EU42_medium_left.stl").read_bytes()
    assert _cup_depth(boot / "EU42_medium_left.stl") == pytest.approx(8.0, abs=1.0)
    assert json.loads((boot / "EU42_medium.json").read_text())["shoe_style"]["accepted_beyond"] == []
    assert "shoe_style" not in json.loads((plain / "EU42_medium.json").read_text())
    # a varus post in a boot, a varus forefoot post in a ski boot: refused with their reasons
    r = run_cli("design", "--set", "shoe.style=boot", "--set", "rearfoot_post.angle_deg=4", "--out", tmp_path / "b2")
    assert r.returncode == 1 and "rearfoot_post.angle_deg = 4" in r.stderr and "Huppin" in r.stderr
    r = run_cli("design", "--set", "shoe.style=ski", "--set", "forefoot_post.angle_deg=3", "--out", tmp_path / "s")
    assert r.returncode == 1 and "forefoot_post.angle_deg = 3" in r.stderr and "plantarflex" in r.stderr


def test_a_batch_case_accepts_its_shoe_in_its_prescription(tmp_path):
    case = tmp_path / "cases" / "p1"
    case.mkdir(parents=True)
    shutil.copy(FOOT, case / "right.csv")
    (case / "prescription.toml").write_text('[input]\naccept_shoe = true\n\n[shoe]\nstyle = "dress"\n\n[heel_cup]\ndepth_mm = 14\n')
    other = tmp_path / "cases" / "p2"
    other.mkdir()
    shutil.copy(FOOT, other / "right.csv")
    (other / "prescription.toml").write_text('[shoe]\nstyle = "dress"\n\n[heel_cup]\ndepth_mm = 14\n')
    r = run_cli("batch", tmp_path / "cases", "--out", tmp_path / "out", "--workers", "1")
    assert r.returncode == 1                       # p2 refused, p1 made
    assert "p2" in r.stdout + r.stderr and "heel_cup.depth_mm = 14" in r.stdout + r.stderr
    record = json.loads((tmp_path / "out" / "p1" / "p1.json").read_text())
    assert record["shoe_style"]["accepted_beyond"]

"""`insolegen measure DEVICE --shoe LINER`: does this device fit this shoe? A device cut to a liner
fits it, standing about its allowances inside all round (less where it slides back against the
heel); a device for a bigger foot stands out, and says where; the heel cup is judged against the
style's published limit; a liner of the other side is refused."""
from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import run_cli

from insolegen.feet.footshape import foot_from_size


@pytest.fixture(scope="module")
def liners(tmp_path_factory):
    folder = tmp_path_factory.mktemp("liners")
    for name, size, width in (("big", "EU44", "wide"), ("small", "EU41", "narrow")):
        np.savetxt(folder / f"{name}.csv", foot_from_size(size, width).outline, delimiter=",")
    np.savetxt(folder / "left.csv", foot_from_size("EU44", "wide").outline * [1.0, -1.0], delimiter=",")
    return folder


def _measure(*args) -> tuple[int, dict]:
    r = run_cli("measure", *args, "--json")
    return r.returncode, (json.loads(r.stdout)["shoe"] if r.stdout.strip() else {"error": r.stderr})


def test_a_device_cut_to_a_liner_fits_it_by_its_allowances(tmp_path, liners):
    r = run_cli("design", "--size", "EU42", "--side", "right", "--shoe", liners / "big.csv", "--set", "heel_cup.depth_mm=10",
                "--format", "stl", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    code, fit = _measure(tmp_path / "EU42_medium_right.stl", "--shoe", liners / "big.csv", "--style", "dress")
    assert code == 0 and fit["fits"] and fit["least_clearance_mm"] >= -0.3
    regions = fit["by_region_mm"]
    for region in ("midfoot", "ball"):          # 1 mm allowances, less what sliding back against the heel costs
        assert all(0.5 <= regions[region][side] <= 1.3 for side in ("medial", "lateral")), regions
    assert min(regions["toe"].values()) >= 1.0   # the 2 mm toe allowance blends in toward the tip
    assert fit["heel_cup"]["within"] and fit["heel_cup"]["depth_mm"] == pytest.approx(10.0, abs=1.0)
    assert fit["thickness_mm"]["heel"] == pytest.approx(3.0, abs=0.2)


def test_a_device_too_big_for_the_shoe_stands_out_and_a_cup_beyond_the_style(tmp_path, liners):
    r = run_cli("design", "--size", "EU43", "--width", "wide", "--side", "right", "--format", "stl", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    device = tmp_path / "EU43_wide_right.stl"
    code, fit = _measure(device, "--shoe", liners / "small.csv")
    assert code == 1 and not fit["fits"] and fit["least_clearance_mm"] < -2.0
    assert all(v < 0 for v in fit["by_region_mm"]["ball"].values())
    r = run_cli("measure", device, "--shoe", liners / "big.csv", "--style", "boot")       # fits, but a 12 mm cup in a boot
    assert r.returncode == 1 and "beyond a boot shoe's 8 mm" in " ".join(r.stdout.split()) and "Huppin" in r.stdout
    r = run_cli("measure", device, "--shoe", liners / "left.csv")
    assert r.returncode == 1 and "left one" in r.stderr and "give the right shoe's liner" in r.stderr

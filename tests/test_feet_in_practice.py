"""The feet as a lab meets them, end to end: a pressure plate read as a foot (its arch present, its
edges smooth) or refused naming a plausible pitch; a clinician's corrections through the CLI and a
batch case, used by the device (measured from the mesh); both feet of one person compared, a
disagreement flagged in the record and on the review page."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from helpers import run_cli
from oracle import top_heights

from insolegen.feet.pressure import foot_and_footprint_from_pressure
from insolegen.geometry.polygon import border_profiles

ROOT = Path(__file__).resolve().parents[1]
PLATE_FULL = ROOT.parent / "shared" / "data" / "footprints" / "greenai_raw_pressure.csv"
PLATE = PLATE_FULL if PLATE_FULL.is_file() else ROOT / "tests" / "data" / "footprints" / "greenai_raw_pressure_every16th.csv"


def test_the_readmes_old_pressure_line_is_refused_naming_a_plausible_pitch(tmp_path):
    r = run_cli("design", PLATE, "--pitch-mm", "7.62", "--out", tmp_path / "out")
    assert r.returncode == 1 and "implausible foot" in r.stderr, r.stderr
    # the recording (or its every-16th-frame copy without ../shared/data) reads 340-355 mm long at 7.62
    length = float(re.search(r"foot length ([\d.]+) mm is outside", r.stderr).group(1))
    assert 335 < length < 360
    # the pitch named makes the median foot: 263 mm over the 7.62 mm pitch's length
    named = float(re.search(r"a pitch of ([\d.]+) mm makes it the population's median foot", r.stderr).group(1))
    assert named == pytest.approx(7.62 * 263 / length, abs=0.1)
    assert "--pitch-mm" in r.stderr and "--accept-foot" in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("pitch", [5.0, 5.6, 6.2])
def test_a_pressure_plate_reads_as_a_foot_with_its_arch_not_its_loaded_area(pitch):
    foot, loaded = foot_and_footprint_from_pressure(PLATE, pitch)
    assert not foot.implausible, foot.implausible
    length = foot.length_mm
    # over 0.3-0.6 of the length the outline is at least 45 % of its forefoot's width: no hourglass
    mid = np.linspace(0.3 * length, 0.6 * length, 31)
    fore = np.linspace(0.6 * length, 0.85 * length, 51)
    (m_hi, m_lo), (f_hi, f_lo) = border_profiles(foot.outline, mid), border_profiles(foot.outline, fore)
    assert ((m_hi - m_lo) / np.nanmax(f_hi - f_lo)).min() >= 0.45
    # the loaded area's own midfoot is far narrower (what the device was before)
    (l_hi, l_lo) = border_profiles(np.asarray(loaded.convex_hull.exterior.coords), mid[:1])
    assert foot.landmarks["navicular"].y > 0                            # the navicular on the medial side
    # smooth: no sensor steps (no run of right-angle turns), and it holds the loaded area
    pts = foot.outline
    before, after = pts - np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0) - pts
    turn = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", before, after)
                                        / (np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1)), -1, 1)))
    assert turn.max() < 30.0
    assert shapely.Polygon(pts).buffer(1.0).intersection(loaded).area > 0.97 * loaded.area
    how = foot.outline_how
    assert 0.2 < how["from_contact_share"] < 0.9 and how["contact_covered_share"] > 0.97
    assert any("medial" in part for part in how["from_model"])            # the arch came from the model


def test_a_pressure_plate_design_has_its_arch_in_the_plastic(tmp_path):
    r = run_cli("design", PLATE, "--pitch-mm", "5.6", "--out", tmp_path, "-q", "--format", "stl,json")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / f"{PLATE.stem}.json").read_text())
    side = next(iter(record["devices"]))
    mesh = trimesh.load(tmp_path / f"{PLATE.stem}_{side}.stl")
    length = record["foot"]["measures"]["length"]["value_mm"]
    # vertical rays across the midfoot find the device over most of the width the outline has there
    x = 0.45 * length
    ys = np.arange(-80.0, 80.0, 1.0)
    hit = np.isfinite(top_heights(mesh, np.column_stack([np.full(len(ys), x), ys])))
    fore = np.isfinite(top_heights(mesh, np.column_stack([np.full(len(ys), 0.72 * length), ys])))
    assert hit.sum() >= 0.45 * fore.sum(), (hit.sum(), fore.sum())
    assert "outline_how" in record["foot"] and record["foot"]["population"]["z"]["length_mm"] < 3.5


FOAM = ROOT / "tests" / "data" / "footprints" / "greenai_foamprint_56_half.jpg"


def test_a_landmark_corrected_on_the_command_line_is_where_the_device_puts_its_pad(tmp_path):
    """The met pad's centre corrected in the image's own pixels (12 mm toward the heel of where the
    clinician's pin put it): the record carries it (how: clinician, at those pixels) and the pad's
    peak, found by ray casting the mesh, stands there."""
    r = run_cli("scan", FOAM, "--json")
    assert r.returncode == 0, r.stderr
    right = next(f for f in json.loads(r.stdout)["feet"] if f["side"] == "right")
    pin, heel = right["landmarks"]["met_pad_center"]["source"], right["landmarks"]["heel_center"]["source"]
    toward_heel = np.array([heel["x"] - pin["x"], heel["y"] - pin["y"]])
    px_per_mm = 11.81 / 2                                                      # the half-resolution print
    moved = np.array([pin["x"], pin["y"]]) + 12.0 * px_per_mm * toward_heel / np.linalg.norm(toward_heel)
    r = run_cli("design", FOAM, "--foot-side", "right", "--profile", "metatarsalgia", "--out", tmp_path, "-q",
                "--format", "stl,json", "--landmark", f"met_pad_center={moved[0]:.2f},{moved[1]:.2f}")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / f"{FOAM.stem}.json").read_text())
    pad = record["foot"]["landmarks"]["met_pad_center"]
    assert pad["how"] == "clinician" and np.hypot(pad["source"]["x"] - moved[0], pad["source"]["y"] - moved[1]) < 0.05
    assert any("corrected by the clinician: met_pad_center" in n for n in record["foot"]["notes"])
    mesh = trimesh.load(tmp_path / f"{FOAM.stem}_right.stl")
    centre = np.array([pad["x_mm"], pad["y_mm"]])
    xs, ys = np.meshgrid(np.arange(centre[0] - 30, centre[0] + 30, 1.0), np.arange(centre[1] - 25, centre[1] + 25, 1.0))
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    tops = top_heights(mesh, pts)
    ok = np.isfinite(tops)
    ring = ok & (np.linalg.norm(pts - centre, axis=1) > 22)
    plane = np.linalg.lstsq(np.column_stack([pts[ring], np.ones(ring.sum())]), tops[ring], rcond=None)[0]
    rise = np.where(ok, tops - np.column_stack([pts, np.ones(len(pts))]) @ plane, -np.inf)
    assert np.linalg.norm(pts[np.argmax(rise)] - centre) < 3.0
    r = run_cli("design", FOAM, "--landmark", "mth1_head=12", "--out", tmp_path / "bad")
    assert r.returncode == 1 and "NAME=X,Y" in r.stderr and not (tmp_path / "bad").exists()
    r = run_cli("design", FOAM, "--landmark", "mth9_head=1,2", "--out", tmp_path / "bad")
    assert r.returncode == 1 and "unknown landmark 'mth9_head'" in r.stderr


@pytest.mark.slow
def test_a_batch_case_takes_its_landmarks_json_and_flags_feet_that_disagree(tmp_path):
    """Two cases of one person's two feet (a file per side): one as read, one with the left MTH1
    corrected 12 mm toward the heel in landmarks.json: the corrected one is flagged in its record and
    on the review page, the other is not."""
    source = ROOT / "examples" / "batch" / "ansur_m_0001"
    scans = tmp_path / "scans"
    for name in ("as_read", "corrected"):
        (scans / name).mkdir(parents=True)
        shutil.copy(source / "right.csv", scans / name / "right.csv")
        right = np.loadtxt(source / "right.csv", delimiter=",", skiprows=1)
        np.savetxt(scans / name / "left.csv", right * [1, -1], delimiter=",", header="x,y", comments="")
    r = run_cli("scan", scans / "corrected" / "left.csv", "--json")
    assert r.returncode == 0, r.stderr
    mth1 = json.loads(r.stdout)["feet"][0]["landmarks"]["mth1_head"]["source"]
    heel = json.loads(r.stdout)["feet"][0]["landmarks"]["heel_center"]["source"]
    toward = np.array([heel["x"] - mth1["x"], heel["y"] - mth1["y"]])
    moved = np.array([mth1["x"], mth1["y"]]) + 12.0 * toward / np.linalg.norm(toward)
    (scans / "corrected" / "landmarks.json").write_text(json.dumps({"left": {"mth1_head": moved.round(3).tolist()}}))
    out = tmp_path / "out"
    r = run_cli("batch", scans, "--out", out)
    assert r.returncode == 0, r.stderr + r.stdout
    plain = json.loads((out / "as_read" / "as_read.json").read_text())
    fixed = json.loads((out / "corrected" / "corrected.json").read_text())
    assert not plain["feet_compared"]["flagged"]
    assert fixed["per_side_feet"]["left"]["foot"]["landmarks"]["mth1_head"]["how"] == "clinician"
    assert any(f.startswith("mth1_head differs by 1") for f in fixed["feet_compared"]["flagged"]), fixed["feet_compared"]
    page = (out / "index.html").read_text()
    assert "the feet disagree: mth1_head differs by" in page
    assert "1 need a look" in page

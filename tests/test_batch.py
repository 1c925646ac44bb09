"""`insolegen batch`: a folder of case folders, some of them broken, run in one process and in a
pool; the meshes that come out are measured against the manifest and the feet they came from;
the outputs are byte-identical however they were run; resume, fail-fast, names and links."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from helpers import run_cli as run
from helpers import run_cli_headless, write_implausible_outline
from oracle import load_stl

from insolegen.feet.footshape import outline_for_measures

DATA = Path(__file__).parent / "data"


def _ansur(n: int) -> list[dict]:
    with open(DATA / "ansur2_feet.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [rows[k * 97] for k in range(n)]


def _outline(folder: Path, name: str, row: dict, mirror: bool = False) -> float:
    """An outline file of one soldier's foot; its length in mm."""
    folder.mkdir(parents=True, exist_ok=True)
    pts = outline_for_measures(float(row["footlength"]), float(row["footbreadthhorizontal"]), float(row["heelbreadth"]))
    pts = pts * [1.0, -1.0] if mirror else pts
    (folder / name).write_text("x,y\n" + "\n".join(f"{x:.2f},{y:.2f}" for x, y in pts) + "\n")
    return float(row["footlength"])


def make_scans(root: Path) -> dict:
    """Good cases of every layout and broken ones; what each should give."""
    a, b, c, d = _ansur(4)
    _outline(root / "single_right", "right.csv", a)
    (root / "single_right" / "prescription.toml").write_text('profile = "pronation-mild"\n\n[arch]\nheight_mm = 19\n')
    _outline(root / "pair", "left.csv", b, mirror=True)
    _outline(root / "pair", "right.csv", c)
    _outline(root / "detected side", "foot.csv", d, mirror=True)          # a left foot, side detected; unsafe name
    shutil.copy(DATA / "scans" / "FIND_template_foot.obj", (root / "scan_case").mkdir() or root / "scan_case" / "foot.obj")
    write_implausible_outline((root / "implausible").mkdir() or root / "implausible" / "foot.json")
    # the same swapped heads, where the lab has looked and accepts them
    write_implausible_outline((root / "accepted").mkdir() or root / "accepted" / "foot.json")
    (root / "accepted" / "prescription.toml").write_text("[input]\naccept_landmarks = true\n")
    (root / "broken_scan").mkdir()
    (root / "broken_scan" / "left.stl").write_bytes(b"solid nothing\nthis is not a mesh\n")
    _outline(root / "bad_prescription", "right.csv", a)
    (root / "bad_prescription" / "prescription.toml").write_text("[arch]\nheight_mm = 99\n")
    _outline(root / "bad_toml", "right.csv", a)
    (root / "bad_toml" / "prescription.toml").write_text('profile = "neutral"\n[arch\nheight_mm = 10\n')
    (root / "empty").mkdir()
    return {"ok": {"single_right", "pair", "detected_side", "scan_case", "accepted"},
            "failed": {"broken_scan", "bad_prescription", "bad_toml", "empty", "implausible"},
            "lengths": {"pair": {"left": float(b["footlength"]), "right": float(c["footlength"])}}}


def _manifest(out: Path) -> dict:
    rows = json.loads((out / "manifest.json").read_text())["rows"]
    return {(r["case"], r["side"]): r for r in rows}


def _case_files(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith("manifest")}


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    root = tmp_path_factory.mktemp("scans")
    return root, make_scans(root)


@pytest.fixture(scope="module")
def pooled(scans, tmp_path_factory):
    root, _ = scans
    out = tmp_path_factory.mktemp("out") / "pooled"
    r = run("batch", root, "--out", out, "--workers", "2")
    return out, r


def test_bad_cases_are_reported_and_the_others_made(scans, pooled):
    _, expect = scans
    out, r = pooled
    assert r.returncode == 1, r.stderr
    rows = _manifest(out)
    status = {case: row["status"] for (case, _), row in rows.items()}
    assert {c for c, s in status.items() if s == "ok"} == expect["ok"]
    assert {c for c, s in status.items() if s == "failed"} == expect["failed"]
    messages = {case: row["message"] for (case, _), row in rows.items()}
    assert "broken_scan" in messages["broken_scan"] or "left.stl" in messages["broken_scan"]
    assert "height_mm" in messages["bad_prescription"] and "99" in messages["bad_prescription"]
    assert "bad_prescription/prescription.toml" in messages["bad_prescription"]
    assert "prescription.toml" in messages["bad_toml"] and "line 2" in messages["bad_toml"]
    assert "no foot input" in messages["empty"]
    assert "not a safe file name" in messages["detected_side"]
    for case in expect["failed"]:
        assert not (out / case).exists() or not any((out / case).iterdir())
    # the csv says the same as the json, one row per case and side
    with open(out / "manifest.csv", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(csv_rows) == len(rows) == 2 * (len(expect["ok"]) + len(expect["failed"]))
    assert "bad_toml" in r.stdout and "failed" in r.stdout


def test_the_meshes_measure_as_the_manifest_and_the_feet_say(scans, pooled):
    _, expect = scans
    out, _ = pooled
    rows = _manifest(out)
    for case in expect["ok"]:
        for side in ("left", "right"):
            row = rows[(case, side)]
            mesh = load_stl_merged((out / case / f"{case}_{side}.stl").read_bytes())
            assert mesh.is_watertight
            extent = np.ptp(mesh.vertices, axis=0)
            # length and width as everywhere a person reads them: the footprint's minimum-area rectangle
            rectangle = np.asarray(shapely.MultiPoint(mesh.vertices[:, :2]).minimum_rotated_rectangle.exterior.coords)
            sides = sorted(np.linalg.norm(np.diff(rectangle[:3], axis=0), axis=1))
            assert row["length_mm"] == pytest.approx(sides[1], abs=0.05)
            assert row["width_mm"] == pytest.approx(sides[0], abs=0.05)
            assert row["height_mm"] == pytest.approx(extent[2], abs=0.05)
            assert row["volume_cm3"] == pytest.approx(mesh.volume / 1000.0, rel=1e-3)
            assert set(row["outputs"].split(";")) == {f"{case}/{case}_{side}.stl", f"{case}/{case}.3mf", f"{case}/{case}.json",
                                                      f"{case}/{case}_view.html", f"{case}/{case}_thumb.png"}
    # a pair of files: each device from its own foot (lengths differ as the feet do)
    pair = {side: np.ptp(load_stl_merged((out / "pair" / f"pair_{side}.stl").read_bytes()).vertices[:, 0]) for side in ("left", "right")}
    feet = expect["lengths"]["pair"]
    assert pair["left"] - pair["right"] == pytest.approx(feet["left"] - feet["right"], abs=1.0)
    # the case's own prescription was used: its arch stands at 19 mm, measured from the mesh
    assert rows[("single_right", "right")]["arch_apex_height_mm"] == pytest.approx(19.0, abs=0.5)
    record = json.loads((out / "detected_side" / "detected_side.json").read_text())
    assert record["foot"]["side"] == "left" and record["foot"]["side_how"] != "given"


def test_one_worker_and_two_give_the_same_bytes(scans, pooled, tmp_path):
    root, _ = scans
    out, _ = pooled
    r = run("batch", root, "--out", tmp_path / "serial", "--workers", "1")
    assert r.returncode == 1
    assert _case_files(tmp_path / "serial") == _case_files(out)


def test_resume_keeps_what_is_done_and_redoes_what_changed(scans, tmp_path):
    root, expect = scans
    work = tmp_path / "scans"
    shutil.copytree(root, work)
    out = tmp_path / "out"
    assert run("batch", work, "--out", out, "--workers", "1").returncode == 1
    again = run("batch", work, "--out", out)
    assert again.returncode == 1 and "earlier batch" in again.stderr
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.stl")}
    _outline(work / "pair", "right.csv", _ansur(6)[5])                # a new scan for one case
    (out / "scan_case" / "scan_case_left.stl").write_bytes(b"damaged")  # a damaged output
    (out / "detected_side" / "detected_side.json").unlink()           # a run killed before the record
    r = run("batch", work, "--out", out, "--resume", "--workers", "1")
    assert r.returncode == 1, r.stderr
    status = {case: row["status"] for (case, _), row in _manifest(out).items()}
    assert status["single_right"] == "skipped"
    assert status["pair"] == status["scan_case"] == status["detected_side"] == "ok"
    assert all(status[c] == "failed" for c in expect["failed"])
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*.stl")}
    assert after[out / "single_right" / "single_right_left.stl"] == before[out / "single_right" / "single_right_left.stl"]
    assert after[out / "pair" / "pair_right.stl"] != before[out / "pair" / "pair_right.stl"]
    assert load_stl_merged((out / "scan_case" / "scan_case_left.stl").read_bytes()).is_watertight


def test_a_killed_run_leaves_no_half_file_and_resume_finishes_it(tmp_path):
    scans = tmp_path / "scans"
    for k, row in enumerate(_ansur(6)):
        _outline(scans / f"case_{k}", "right.csv", row)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "insolegen.cli", "batch", str(scans), "--out", str(out), "--workers", "1"],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "6 case(s)"
    assert "[1/6]" in proc.stdout.readline()
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "manifest.json").exists()
    for folder in out.iterdir():              # whatever is there is whole: a record's files match it
        record = folder / f"{folder.name}.json"
        if record.exists():
            for device in json.loads(record.read_text())["devices"].values():
                for fn, digest in device["files"].items():
                    assert hashlib.sha256((folder / fn).read_bytes()).hexdigest() == digest, fn
    r = run("batch", scans, "--out", out, "--resume")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = _manifest(out)
    assert {row["status"] for row in rows.values()} <= {"ok", "skipped"} and len(rows) == 12
    assert not list(out.rglob(".*.tmp"))


def test_fail_fast_stops_at_the_first_failure(scans, tmp_path):
    root, _ = scans
    r = run("batch", root, "--out", tmp_path / "out", "--fail-fast", "--workers", "1")
    assert r.returncode == 1
    doc = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert doc["counts"]["failed"] == 1 and doc["not_run"] > 0
    assert "stopped at the first failure" in r.stdout


def test_nothing_is_written_outside_out_through_a_planted_link(tmp_path):
    scans = tmp_path / "scans"
    _outline(scans / "victim", "right.csv", _ansur(1)[0])
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "victim").symlink_to(outside, target_is_directory=True)
    r = run("batch", scans, "--out", out, "--workers", "1")
    assert r.returncode == 1
    assert "is a link" in _manifest(out)[("victim", "right")]["message"]
    assert not any(outside.iterdir())


def test_refusals_name_the_problem(tmp_path):
    r = run("batch", tmp_path / "missing", "--out", tmp_path / "out")
    assert r.returncode == 1 and "not a folder of case folders" in r.stderr
    scans = tmp_path / "scans"
    _outline(scans / "one", "right.csv", _ansur(1)[0])
    r = run("batch", scans, "--out", scans / "out")
    assert r.returncode == 1 and "inside the scans folder" in r.stderr
    r = run("batch", scans, "--out", tmp_path / "out", "--set", "arch.height=3")
    assert r.returncode == 1 and "arch.height" in r.stderr
    (scans / "one" / "prescription.toml").write_text('profile = "../../etc/evil"\n')
    r = run("batch", scans, "--out", tmp_path / "out2")
    assert r.returncode == 1 and "give the name of a profile" in _manifest(tmp_path / "out2")[("one", "right")]["message"]


def test_report_per_case_from_a_pool(tmp_path):
    scans = tmp_path / "scans"
    for k, row in enumerate(_ansur(2)):
        _outline(scans / f"case_{k}", "right.csv", row)
    out = tmp_path / "out"
    r = run_cli_headless("batch", scans, "--out", out, "--workers", "2", "--report")
    assert r.returncode == 0, r.stdout + r.stderr
    for k in range(2):
        pdf = out / f"case_{k}" / f"case_{k}_report.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Pages:           1" in info
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert f"case_{k}" in text and "PRINTABLE" in text
        assert f"case_{k}/case_{k}_report.pdf" in _manifest(out)[(f"case_{k}", "right")]["outputs"]
    # resume keeps them; the reports' date is the run's, so a serial run gives the same bytes
    again = run_cli_headless("batch", scans, "--out", tmp_path / "serial", "--workers", "1", "--report")
    assert again.returncode == 0
    assert _case_files(out) == _case_files(tmp_path / "serial")


def test_resume_redoes_a_case_whose_prescription_profile_or_overrides_changed(tmp_path):
    scans, out = tmp_path / "scans", tmp_path / "out"
    for k, row in enumerate(_ansur(3)):
        _outline(scans / f"case_{k}", "right.csv", row)
    (scans / "case_0" / "prescription.toml").write_text("[arch]\nheight_mm = 16\n")
    assert run("batch", scans, "--out", out, "--workers", "1").returncode == 0

    def statuses(*extra):
        r = run("batch", scans, "--out", out, "--resume", "--workers", "1", *extra)
        assert r.returncode == 0, r.stderr
        return {case: row["status"] for (case, _), row in _manifest(out).items()}

    assert set(statuses().values()) == {"skipped"}
    (scans / "case_0" / "prescription.toml").write_text("[arch]\nheight_mm = 17\n")
    assert statuses() == {"case_0": "ok", "case_1": "skipped", "case_2": "skipped"}
    assert set(statuses("--set", "heel_cup.depth_mm=11").values()) == {"ok"}
    assert set(statuses("--set", "heel_cup.depth_mm=11").values()) == {"skipped"}
    assert set(statuses("--set", "heel_cup.depth_mm=11", "--profile", "pronation-mild").values()) == {"ok"}


def load_stl_merged(data: bytes) -> trimesh.Trimesh:
    return load_stl(data, merged=True)

"""A busy lab: many runs into one folder at once, runs killed at any moment, two batches into one
OUT. Every case folder stays consistent (its meshes are the ones its design record hashes), no
temporary file outlives the next run, and a second writer is told why it cannot write."""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import time
from pathlib import Path

import pytest
from helpers import run_cli
from helpers import start_cli as start

from insolegen.outputs.export import STAGE_PREFIX

ROOT = Path(__file__).resolve().parents[1]


def consistent(folder: Path, name: str) -> bool:
    """Every mesh the record lists is on disk with the record's hash (one run's files)."""
    record = json.loads((folder / f"{name}.json").read_text())
    listed = {}
    for side in record["devices"].values():
        listed.update(side.get("files", {}))
    assert listed, "the record lists no files"
    return all(hashlib.sha256((folder / fn).read_bytes()).hexdigest() == digest for fn, digest in listed.items())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.slow
def test_eight_designs_at_once_leave_one_runs_files(tmp_path):
    out = tmp_path / "R"
    for round_ in range(3):
        runs = [start("design", "--size", "EU42", "--name", "same", "--out", out, "--force", "-q", "--format", "stl,json",
                      "--set", f"heel_cup.depth_mm={10 + k + round_}") for k in range(8)]
        assert all(r.wait(120) == 0 for r in runs), [r.stderr for r in runs]
        assert consistent(out, "same") and not leftovers(out), round_
    # without --force one run writes and every other is told the files exist
    fresh = tmp_path / "fresh"
    runs = [start("design", "--size", "EU42", "--name", "same", "--out", fresh, "-q", "--format", "stl,json",
                  "--set", f"heel_cup.depth_mm={10 + k}") for k in range(8)]
    codes = [r.wait(120) for r in runs]
    assert codes.count(0) == 1 and codes.count(1) == 7
    assert all("exists; use --force" in r.stderr for r, c in zip(runs, codes) if c)
    assert consistent(fresh, "same") and not leftovers(fresh)


@pytest.mark.slow
def test_runs_killed_at_any_moment_leave_whole_cases_and_the_next_run_tidies(tmp_path):
    out = tmp_path / "K"
    rng = random.Random(7)
    for _ in range(6):
        run = start("design", "--size", "EU41", "--name", "k", "--out", out, "--force", "-q", "--preview")
        time.sleep(rng.uniform(0.2, 1.5))
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        if (out / "k.json").exists():
            assert consistent(out, "k")
    time.sleep(2.5)                  # what a killed run left is stale once its lock is gone and it is not brand new
    r = run_cli("design", "--size", "EU40", "--name", "next", "--out", out, "-q", "--format", "stl")
    assert r.returncode == 0, r.stderr
    assert not leftovers(out), leftovers(out)
    # SIGTERM (and Ctrl-C) stop a run with nothing left behind and exit 130
    run = start("design", "--size", "EU42", "--name", "t", "--out", out, "--force", "-q", "--report")
    # signalled while it stages its files (the report takes a second or more there)
    deadline = time.monotonic() + 30
    while not any(out.glob(f"{STAGE_PREFIX}*")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGTERM)
    assert run.wait(30) == 130
    assert not leftovers(out) and not list(out.glob("t*"))


def _scans(root: Path) -> Path:
    scans = root / "scans"
    for k in range(3):
        (scans / f"case{k}").mkdir(parents=True)
        (scans / f"case{k}" / "right.csv").write_text((ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv").read_text())
    return scans


@pytest.mark.slow
def test_a_second_batch_into_the_same_out_is_refused_while_the_first_runs(tmp_path):
    scans, out = _scans(tmp_path), tmp_path / "out"
    first = start("batch", scans, "--out", out, "--workers", "1", "--report")
    deadline = time.time() + 60
    while not out.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    second = run_cli("batch", scans, "--out", out, "--force")
    assert first.wait(300) == 0, first.stderr
    assert second.returncode == 1 and "in use by another batch run" in second.stderr, second.stderr
    rows = json.loads((out / "manifest.json").read_text())["rows"]
    assert {r["status"] for r in rows} == {"ok"} and not leftovers(out)


@pytest.mark.slow
def test_killing_a_batch_kills_its_workers(tmp_path):
    scans, out = _scans(tmp_path), tmp_path / "out"
    batch = start("batch", scans, "--out", out, "--workers", "2", "--report")
    children: set[int] = set()
    deadline = time.time() + 60
    while len(children) < 2 and time.time() < deadline:
        children = {int(p) for p in Path(f"/proc/{batch.pid}/task/{batch.pid}/children").read_text().split()}
        time.sleep(0.1)
    assert len(children) >= 2
    batch.send_signal(signal.SIGKILL)
    batch.wait(30)
    time.sleep(2.0)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)]
    assert not alive, alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def test_batch_refuses_links_out_of_the_scans_and_never_echoes_what_they_point_at(tmp_path):
    scans = _scans(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:the secret line\n")
    (scans / "case0" / "right.csv").unlink()
    (scans / "case0" / "right.csv").symlink_to(secret)
    os.symlink(tmp_path, scans / "linked_case")
    r = run_cli("batch", scans, "--out", tmp_path / "out")
    assert r.returncode == 1
    rows = {row["case"]: row for row in json.loads((tmp_path / "out" / "manifest.json").read_text())["rows"]}
    for case in ("case0", "linked_case"):
        assert rows[case]["status"] == "failed" and "leads outside the scans folder" in rows[case]["message"]
    assert rows["case1"]["status"] == "ok"
    everything = r.stdout + r.stderr + (tmp_path / "out" / "manifest.json").read_text() + (tmp_path / "out" / "manifest.csv").read_text()
    assert "secret line" not in everything


def test_a_batch_of_no_cases_is_an_error(tmp_path):
    (tmp_path / "scans").mkdir()
    r = run_cli("batch", tmp_path / "scans", "--out", tmp_path / "out")
    assert r.returncode == 1 and "no case folders" in r.stderr and not (tmp_path / "out").exists()


def test_a_case_moves_in_with_its_design_record_last(tmp_path, monkeypatch):
    """A reader that finds the record finds the meshes it lists: the record is the last file moved in."""
    from insolegen.outputs import export

    moved = []
    real = os.replace

    def spy(src, dst):
        moved.append(Path(dst).name)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    with export.case_unit(tmp_path / "out", force=False) as stage:
        export.write_files(stage, {"c.json": b"{}", "c_left.stl": b"x", "c.3mf": b"y", "c_right.stl": b"z"})
    assert moved[-1] == "c.json" and sorted(moved) == ["c.3mf", "c.json", "c_left.stl", "c_right.stl"]


def test_a_file_that_appears_while_a_case_is_staged_is_not_overwritten(tmp_path):
    """Another run can write the same case between this run's first check and its move: the
    check is made again under the folder's lock, and this run is refused, the other's file kept."""
    from insolegen.errors import InvalidInput
    from insolegen.outputs import export

    out = tmp_path / "out"
    with pytest.raises(InvalidInput, match="exists; use --force"):
        with export.case_unit(out, force=False, case="c") as stage:
            export.write_files(stage, {"c.json": b"{}", "c_left.stl": b"x"})
            (out / "c.json").write_bytes(b"the other run's")
    assert (out / "c.json").read_bytes() == b"the other run's" and not (out / "c_left.stl").exists()
    assert not list(out.glob(f"{STAGE_PREFIX}*"))            # the staging folder goes with the refusal

"""A real `insolegen serve` on loopback, killed with SIGKILL (with its worker processes) in the
middle of designs: started again, it finishes them, and every file is the same bytes as a run
that was never interrupted. Bounded: three orders, every wait with a deadline, every server
stopped at the end."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from helpers import run_cli
from served import add_people, running, token

DATA = Path(__file__).resolve().parent / "data"
PEOPLE = {"ann": ("Clinic", "clinician"), "tom": ("Clinic", "technician")}
DEADLINE_S = 240


def _submit(url: str) -> list[int]:
    who = token(url, "ann")
    scan = (DATA / "scans" / "dupontgu_left_foot.stl").read_bytes()
    outline = (DATA / "dupontgu_left_sole_outline.csv").read_bytes()
    orders = [
        httpx.post(f"{url}/api/v1/orders", headers=who, data={"patient_ref": "P-1"}, files={"left": ("left.stl", scan)}, timeout=60),
        httpx.post(f"{url}/api/v1/orders", headers=who, data={"patient_ref": "P-2", "set": ["arch.height_mm=20"]},
                   files={"left": ("l.csv", outline), "prescription": ("rx.toml", b'[input]\nunits = "m"\n')}, timeout=60),
        httpx.post(f"{url}/api/v1/orders", headers=who, data={"size": "EU44", "patient_ref": "P-3", "set": ["met_pad.height_mm=4"]},
                   timeout=60),
    ]
    assert all(r.status_code == 202 for r in orders), [r.text for r in orders]
    return [r.json()["id"] for r in orders]


def _orders(url: str) -> list[dict]:
    who = token(url, "tom")
    return [httpx.get(f"{url}/api/v1/orders/{o['id']}", headers=who, timeout=30).json()
            for o in httpx.get(f"{url}/api/v1/orders", headers=who, timeout=30).json()["orders"]]


def _all_designed(url: str) -> list[dict]:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = _orders(url)
        if all(o["state"] in ("review", "failed") for o in found):
            return found
        time.sleep(0.5)
    raise AssertionError(f"not designed within {DEADLINE_S} s: {[(o['id'], o['state']) for o in _orders(url)]}")


def _files(url: str, orders: list[dict]) -> dict[str, bytes]:
    who = token(url, "tom")
    return {name: httpx.get(f"{url}{link}", headers=who, timeout=60).content
            for o in orders for name, link in o["revisions"][-1]["files"].items()}


@pytest.mark.slow
def test_a_server_killed_mid_design_finishes_after_a_restart_with_a_clean_runs_bytes(tmp_path):
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for data in (clean, killed):
        add_people(data, PEOPLE)
    with running(clean) as (_, url):
        _submit(url)
        expected = _files(url, _all_designed(url))
    assert expected and all(expected.values())

    with running(killed) as (process, url):
        _submit(url)
        deadline = time.monotonic() + 60
        while not any(o["state"] == "designing" for o in _orders(url)) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)                  # the server and its workers, mid-design
        process.wait(timeout=30)
    import sqlite3

    with sqlite3.connect(killed / "insolegen.db") as db:
        undone = db.execute("select count(*) from revisions where state in ('queued', 'designing')").fetchone()[0]
    assert undone >= 1, "the kill came after every design: nothing was left to finish"

    with running(killed) as (_, url):
        finished = _all_designed(url)
        assert [o["state"] for o in finished] == ["review"] * 3, [(o["state"], o["reason"]) for o in finished]
        assert _files(url, finished) == expected


def test_users_add_reads_the_password_from_stdin_and_refuses_clearly(tmp_path):
    r = run_cli("users", "add", "ann", "--clinic", "North", "--role", "clinician", "--data", tmp_path, "--password-stdin",
                input_text="short\n")
    assert r.returncode == 1 and "shorter than 10" in r.stderr
    assert run_cli("users", "add", "ann", "--clinic", "North", "--role", "boss", "--data", tmp_path).returncode == 2
    r = run_cli("serve", "--help")
    assert r.returncode == 0 and "insolegen serve --data lab" in r.stdout and "--scheduler" in r.stdout

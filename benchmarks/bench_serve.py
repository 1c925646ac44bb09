"""The order service under load, on loopback, against `insolegen batch` doing the same work.

1. `batch` designs N cases made from ANSUR II feet (benchmarks/make_cases.py) with 2 workers:
   CPU per case (user + system of the run and its workers).
2. A server with 2 workers takes the same N feet as orders, posted from 16 threads at once;
   every 10th order is posted twice at the same moment with one Idempotency-Key. None may be
   lost and every one must be designed; CPU per order (the server and its workers).
3. A redesign through the API, warm: POST a revision, poll until its order is in review.
4. A server killed with SIGKILL (and its workers) while 20 orders are in flight, then started
   again: all 20 must finish, byte-identical to a run that was never interrupted.

Run: .venv/bin/python benchmarks/bench_serve.py [--orders 200] [--redesigns 30]"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from make_cases import ansur_rows, write_outline_case  # noqa: E402
from results import log_run  # noqa: E402
from served import CLI, add_people, running, token  # noqa: E402


def _cpu(process: psutil.Process) -> float:
    """User + system seconds of a process and every process under it."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


@contextmanager
def server(data: Path, workers: int = 2):
    """A server (tests/served.py), its people added the first time it starts on ``data``."""
    if not (data / "insolegen.db").exists():
        add_people(data, {"ann": ("Clinic", "clinician"), "tom": ("Clinic", "technician")})
    with running(data, workers) as started:
        yield started


def _post(client: httpx.Client, url: str, who: dict, path: Path, key: str | None = None) -> int:
    headers = {**who, **({"Idempotency-Key": key} if key else {})}
    r = client.post(f"{url}/api/v1/orders", headers=headers, data={"patient_ref": path.parent.name},
                    files={"right": ("right.csv", path.read_bytes())}, timeout=120)
    if r.status_code != 202:
        raise SystemExit(f"order refused: {r.status_code} {r.text}")
    return r.json()["id"]


def _wait_all(url: str, deadline_s: float) -> list[dict]:
    who = token(url, "tom")
    deadline = time.monotonic() + deadline_s
    while True:
        found = httpx.get(f"{url}/api/v1/orders", headers=who, timeout=60).json()["orders"]
        if found and all(o["state"] in ("review", "failed") for o in found):
            return found
        if time.monotonic() > deadline:
            raise SystemExit(f"not all designed in {deadline_s:.0f} s")
        time.sleep(0.25)


def _files(url: str, order_ids) -> dict[str, bytes]:
    who = token(url, "tom")
    out = {}
    with httpx.Client(timeout=60) as client:
        for i in order_ids:
            order = client.get(f"{url}/api/v1/orders/{i}", headers=who).json()
            for name in order["revisions"][-1]["files"]:
                if name.endswith((".stl", ".3mf", ".json")):
                    out[name] = client.get(f"{url}/api/v1/orders/{i}/files/{name}", headers=who).content
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--redesigns", type=int, default=30)
    args = parser.parse_args()
    n = args.orders
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    lines = []
    try:
        rows = random.Random(2026).sample(ansur_rows(), n)
        cases = work / "cases"
        for k, row in enumerate(rows):
            write_outline_case(cases / f"case_{k:03d}", row, "right", None)
        feet = sorted(cases.glob("*/right.csv"))

        # 1. batch, the same feet
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*CLI, "batch", str(cases), "--out", str(work / "batch"), "--no-html", "-j", "2"], check=True,
                       capture_output=True, timeout=3600)
        batch_s = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        batch_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / n
        lines.append(f"batch of {n} ANSUR II feet, 2 workers: {batch_s:.1f} s, CPU per case {batch_cpu:.3f} s")

        # 2. the same feet as orders, 16 threads at once, every 10th posted twice with one key
        with server(work / "load") as (process, url):
            who = token(url, "ann")
            warm = _post(httpx.Client(), url, who, feet[0], key="warm-up")
            _wait_all(url, 120)
            cpu0, start = _cpu(psutil.Process(process.pid)), time.perf_counter()
            posts = [(path, f"order-{k}") for k, path in enumerate(feet[1:], 1)]
            posts += [(path, key) for path, key in posts[::10]]          # the duplicates
            random.Random(1).shuffle(posts)
            with httpx.Client(limits=httpx.Limits(max_connections=16)) as client, ThreadPoolExecutor(16) as pool:
                ids = list(pool.map(lambda pk: _post(client, url, who, *pk), posts))
            found = _wait_all(url, 1800)
            serve_s = time.perf_counter() - start
            serve_cpu = (_cpu(psutil.Process(process.pid)) - cpu0) / (n - 1)
            unique = len(set(ids) | {warm})
            designed = sum(o["state"] == "review" for o in found)
            lines.append(f"{len(posts)} posts of {n - 1} orders (+1 warm-up) from 16 threads, {len(posts) - (n - 1)} of them "
                         f"repeats with the same Idempotency-Key: {unique} orders made (of {n}), {len(found)} listed, "
                         f"{designed} designed, {len(found) - designed} failed; {serve_s:.1f} s")
            lines.append(f"CPU per order (the server and its 2 workers): {serve_cpu:.3f} s, {serve_cpu / batch_cpu:.2f} x batch's")

            # 3. redesigns, warm
            tech = token(url, "tom")
            order_id = ids[0]
            times = []
            with httpx.Client(timeout=60) as client:
                for k in range(args.redesigns):
                    t0 = time.perf_counter()
                    r = client.post(f"{url}/api/v1/orders/{order_id}/revisions", headers=tech,
                                    json={"set": [f"arch.height_mm={18 + (k % 2) * 2 + k * 0.01:.2f}"]})
                    assert r.status_code == 202, r.text
                    while client.get(f"{url}/api/v1/orders/{order_id}", headers=tech).json()["state"] != "review":
                        time.sleep(0.002)
                    times.append(time.perf_counter() - t0)
            p50, p95 = np.percentile(times, [50, 95])
            lines.append(f"a redesign through the API, warm (POST revision -> in review), {args.redesigns} runs: "
                         f"p50 {p50:.3f} s, p95 {p95:.3f} s (target 0.2 / 0.4)")

        # 4. SIGKILL with 20 orders in flight, then a restart; against a clean run
        twenty = feet[:20]
        with server(work / "clean") as (_, url):
            who = token(url, "ann")
            with httpx.Client() as client:
                clean_ids = [_post(client, url, who, path) for path in twenty]
            _wait_all(url, 600)
            expected = _files(url, clean_ids)
        with server(work / "killed") as (process, url):
            who = token(url, "ann")
            with httpx.Client() as client:
                killed_ids = [_post(client, url, who, path) for path in twenty]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        import sqlite3

        with sqlite3.connect(work / "killed" / "insolegen.db") as db:
            in_flight = db.execute("select count(*) from revisions where state in ('queued', 'designing')").fetchone()[0]
        with server(work / "killed") as (_, url):
            start = time.perf_counter()
            found = _wait_all(url, 600)
            finished = sum(o["state"] == "review" for o in found)
            same = _files(url, killed_ids) == expected
            lines.append(f"SIGKILL with {in_flight} of {len(twenty)} orders queued or designing, then a restart: {finished} of {len(twenty)} designed "
                         f"in {time.perf_counter() - start:.1f} s, files byte-identical to an uninterrupted run: {same}")
        for line in lines:
            print(line)
        log_run("bench_serve.py", lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

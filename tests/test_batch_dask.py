"""`insolegen batch --scheduler` on a real dask.distributed cluster: a scheduler and two workers
started on 127.0.0.1 as separate processes (as a lab would start them), the outputs compared
byte for byte with a local run, and a worker killed mid-run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli as run
from served import free_port
from test_batch import _ansur, _case_files, _manifest, _outline, make_scans

pytestmark = pytest.mark.slow
DASK = str(Path(sys.executable).with_name("dask"))


class Cluster:
    def __init__(self, workers: int = 2):
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        # each in its own session, so one (with any process it starts) can be killed alone
        start = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                           "--no-dashboard"], **start)
        self.workers = [subprocess.Popen([DASK, "worker", self.address, "--nthreads", "1", "--no-dashboard",
                                          "--no-nanny", "--name", f"w{k}"], **start) for k in range(workers)]
        self._wait_for(workers)

    def _wait_for(self, n: int) -> None:
        from dask.distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(n, timeout=60)

    def kill_worker(self, k: int) -> None:
        os.killpg(self.workers[k].pid, signal.SIGKILL)
        self.workers[k].wait()

    def close(self) -> None:
        """Workers first, then the scheduler; a process still there after 3 s is killed (a worker
        whose scheduler went first waits for it to come back, which a throwaway cluster never does)."""
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture
def cluster():
    c = Cluster(2)
    try:
        yield c
    finally:
        c.close()


def test_a_cluster_run_gives_the_local_runs_bytes(cluster, tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    expect = make_scans(scans)
    # relative paths, from a folder the workers were not started in
    r = run("batch", "scans", "--out", "cluster", "--scheduler", cluster.address, cwd=tmp_path)
    assert r.returncode == 1, r.stderr               # the broken cases fail there as here
    local = run("batch", scans, "--out", tmp_path / "local", "--workers", "2")
    assert local.returncode == 1
    assert _case_files(tmp_path / "cluster") == _case_files(tmp_path / "local")
    status = {case: row["status"] for (case, _), row in _manifest(tmp_path / "cluster").items()}
    assert {c for c, s in status.items() if s == "ok"} == expect["ok"]


def test_the_batch_completes_when_a_worker_is_killed_mid_run(cluster, tmp_path):
    scans = tmp_path / "scans"
    for k, row in enumerate(_ansur(12)):
        _outline(scans / f"case_{k:02d}", "right.csv", row)
    proc = subprocess.Popen([sys.executable, "-m", "insolegen.cli", "batch", str(scans), "--out", str(tmp_path / "out"),
                             "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "12 case(s)"
    first = proc.stdout.readline()
    assert "[1/12]" in first, first + proc.stderr.read()
    cluster.kill_worker(0)
    rest, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, first + rest + err
    rows = _manifest(tmp_path / "out")
    assert len(rows) == 24 and {row["status"] for row in rows.values()} == {"ok"}
    assert cluster.workers[0].poll() is not None and cluster.workers[1].poll() is None
    for k in range(12):
        assert (tmp_path / "out" / f"case_{k:02d}" / f"case_{k:02d}_right.stl").is_file()

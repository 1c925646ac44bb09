"""A real `insolegen serve` on loopback, for the tests and benchmarks that need a server process
(a restart after SIGKILL, a browser, a load): a free port, people added through the CLI, the
server in its own process group, killed with its workers by its own process id at the end."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

PASSWORD = "a long enough password"
START_S = 60
CLI = [sys.executable, "-m", "insolegen.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_people(data: Path, people: dict[str, tuple[str, str]]) -> None:
    """``insolegen users add`` for each NAME: (clinic, role), all with PASSWORD."""
    from helpers import run_cli

    for name, (clinic, role) in people.items():
        r = run_cli("users", "add", name, "--clinic", clinic, "--role", role, "--data", data, "--password-stdin",
                    input_text=PASSWORD + "\n", timeout=120)
        assert r.returncode == 0, r.stderr


def token(url: str, name: str) -> dict:
    """The Authorization header of ``name`` signed in."""
    r = httpx.post(f"{url}/api/v1/token", data={"username": name, "password": PASSWORD}, timeout=30)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@contextmanager
def running(data: Path, workers: int = 2):
    """(the server process, its URL) once it answers /healthz; its log beside ``data``."""
    port = free_port()
    log_path = data.parent / f"{data.name}-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([*CLI, "serve", "--data", str(data), "--port", str(port), "--workers", str(workers)],
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_S
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            yield process, url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

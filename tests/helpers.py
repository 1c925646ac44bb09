from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from oracle import load_stl

from insolegen.case import CaseRequest, design_case
from insolegen.feet.foot import ArchMeasurements


def run_cli(*args, cwd=None, env=None, timeout=None, input_text=None) -> subprocess.CompletedProcess:
    """`insolegen ARGS...` in a fresh process: exit code, stdout and stderr as text (the one way
    the tests run the command line); ``input_text`` on its standard input. The process is forked
    from one that imported the command line already (tests/cli_server.py), which saves every
    run a second of imports; while another thread of the test is using that one, a new Python."""
    argv = [str(a) for a in args]
    if not _SERVER_LOCK.acquire(blocking=False):
        return subprocess.run([sys.executable, "-m", "insolegen.cli", *argv], capture_output=True, text=True, cwd=cwd,
                              env=env, timeout=timeout, input=input_text)
    try:
        return _forked(argv, cwd, env, timeout, input_text)
    finally:
        _SERVER_LOCK.release()


_SERVER_LOCK = threading.Lock()
_server: subprocess.Popen | None = None


def _server_up() -> subprocess.Popen:
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("cli_server.py"))], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent)
        atexit.register(_server.stdin.close)
    return _server


def _ask(request: dict) -> str:
    server = _server_up()
    server.stdin.write(json.dumps(request) + "\n")
    server.stdin.flush()
    answer = server.stdout.readline().strip()
    if not answer:
        raise RuntimeError("the CLI server stopped")
    return answer


def _streams(tmp: str, input_text: str | None) -> dict[str, Path]:
    files = {name: Path(tmp) / name for name in ("stdin", "stdout", "stderr")}
    files["stdin"].write_text(input_text or "", encoding="utf-8")
    for name in ("stdout", "stderr"):
        files[name].touch()
    return files


def _run_request(argv, cwd, env, timeout, files) -> dict:
    return {"args": argv, "cwd": str(Path(cwd or os.getcwd()).resolve()), "env": dict(os.environ if env is None else env),
            "timeout": timeout, **{name: str(path) for name, path in files.items()}}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _forked(argv, cwd, env, timeout, input_text) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="insolegen-cli-") as tmp:
        files = _streams(tmp, input_text)
        answer = _ask(_run_request(argv, cwd, env, timeout, files))
        if answer == "timeout":
            raise subprocess.TimeoutExpired([sys.executable, "-m", "insolegen.cli", *argv], timeout)
        return subprocess.CompletedProcess([sys.executable, "-m", "insolegen.cli", *argv], int(answer),
                                           _read(files["stdout"]), _read(files["stderr"]))


class StartedRun:
    """`insolegen ARGS...` running in its own process, forked like run_cli's, while the test goes
    on (``start_cli``): its ``pid``; ``poll()``, ``wait(timeout)`` and ``send_signal`` as a
    ``subprocess.Popen``'s; ``stdout`` and ``stderr`` as text once it has ended."""

    def __init__(self, argv: list[str], cwd=None, env=None):
        self.argv = argv
        self.returncode: int | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="insolegen-cli-")
        self._files = _streams(self._tmp.name, None)
        with _SERVER_LOCK:
            self.pid = int(_ask({**_run_request(argv, cwd, env, None, self._files), "do": "start"}))

    def poll(self) -> int | None:
        if self.returncode is None:
            with _SERVER_LOCK:
                answer = _ask({"do": "poll", "pid": self.pid})
            if answer != "running":
                self.returncode = int(answer)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            with _SERVER_LOCK:
                answer = _ask({"do": "wait", "pid": self.pid, "timeout": timeout})
            if answer == "timeout":
                raise subprocess.TimeoutExpired(["insolegen", *self.argv], timeout)
            self.returncode = int(answer)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    @property
    def stdout(self) -> str:
        return _read(self._files["stdout"])

    @property
    def stderr(self) -> str:
        return _read(self._files["stderr"])


def start_cli(*args, cwd=None, env=None) -> StartedRun:
    """`insolegen ARGS...` started in its own process and left running (many at once, or one to
    signal): no second of imports each, as with run_cli."""
    return StartedRun([str(a) for a in args], cwd, env)


def run_cli_headless(*args) -> subprocess.CompletedProcess:
    """`insolegen ARGS...` as on a headless server: no DISPLAY, so VTK renders through OSMesa."""
    return run_cli(*args, env={k: v for k, v in os.environ.items() if k != "DISPLAY"})


@lru_cache(maxsize=64)
def designed(size="EU42", overrides=(), width="medium", profile=None, arch=None):
    """(CaseResult, {side: trimesh read back from the STL bytes})."""
    request = CaseRequest(size=size, width=width, overrides=tuple(overrides), profile=profile,
                          arch=ArchMeasurements(**dict(arch)) if arch else ArchMeasurements())
    result = design_case(request)
    meshes = {side: load_stl(result.files[f"{result.name}_{side}.stl"]) for side in ("left", "right")}
    return result, meshes


def painted_out(image_path, out_path) -> None:
    """The image with every marker pin painted over by what surrounds it (each pin's disc, with a
    margin, filled with the median colour of a ring around it): the print as it looks without pins."""
    import numpy as np
    from PIL import Image

    from insolegen.feet.image import read_footprint_image

    read = read_footprint_image(image_path)
    with Image.open(image_path) as src:
        rgb, dpi = np.asarray(src.convert("RGB")).copy(), src.info.get("dpi", (150, 150))
    rows, cols = np.ogrid[:rgb.shape[0], :rgb.shape[1]]
    for pin in read.pins:
        radius = 0.75 * pin.diameter_mm * read.px_per_mm + 2.0
        r2 = (rows - pin.y_px) ** 2 + (cols - pin.x_px) ** 2
        disc, ring = r2 <= radius ** 2, (r2 > (1.3 * radius) ** 2) & (r2 <= (1.9 * radius) ** 2)
        rgb[disc] = np.median(rgb[ring], axis=0).astype(np.uint8)
    Image.fromarray(rgb).save(out_path, quality=95, dpi=dpi)


def write_implausible_outline(path) -> None:
    """An EU42 right-foot outline file whose given metatarsal heads a foot cannot have: the 5th
    head 45 mm ahead of the 1st (a tracing with its labels swapped, say)."""
    import json

    from insolegen import foot_from_size

    foot = foot_from_size("EU42")
    length = foot.length_mm
    doc = {"units": "mm", "side": "right", "points": foot.outline.round(2).tolist(),
           "landmarks": {"mth1_head": [0.58 * length, 20.0], "mth5_head": [0.75 * length, -25.0]}}
    path.write_text(json.dumps(doc))

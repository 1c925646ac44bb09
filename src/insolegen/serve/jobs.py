"""Designing a revision, away from the server's own threads: in worker processes the server owns
(they import the design code once and keep it), or on a Dask cluster (``--scheduler``), each job
keyed by its order and revision. A job only computes: it returns the case's file bytes, and the
server writes them (content-addressed) and the revision's state (in the database, not in a
future). A revision left queued or designing by a server that stopped is designed again when
it starts: the same inputs give the same bytes."""
from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from insolegen.errors import InsolegenError

FOOT_ROLES = ("foot", "left", "right")


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, with the input files' bytes (a cluster's workers share no folder)."""
    order_id: int
    revision: int
    inputs: dict                    # the order's: files (role, suffix, sha256), size, width, profile, reading
    files: dict[str, bytes]         # sha256 -> bytes of each input file
    sets: tuple[str, ...]
    landmarks: dict
    date: str                       # the report's date: the revision's own day (a redesign gives the same bytes)
    # the feet as the server read them when it checked the job (feet.memo's key and value), so that
    # no worker reads the files again; None after a restart (the worker reads them)
    read: tuple | None = None

    @property
    def key(self) -> str:
        return f"order-{self.order_id}-revision-{self.revision}"


def case_name(order_id: int, revision: int) -> str:
    return f"order{order_id}_r{revision}"


def request_for(job: Job, folder: Path):
    """The CaseRequest of a job, its input files written into ``folder`` under plain names (the
    reader goes by the suffix; a client's file name is never a path)."""
    from insolegen.batch.cases import read_case_landmarks, read_case_prescription
    from insolegen.case import CaseRequest

    paths = {}
    for item in job.inputs.get("files", []):
        path = folder / f"{item['role']}{item['suffix']}"
        path.write_bytes(job.files[item["sha256"]])
        paths[item["role"]] = path
    profile, layer, settings = None, {}, {}
    if "prescription" in paths:
        profile, layer, settings = read_case_prescription(paths["prescription"])
    settings = {**settings, **job.inputs.get("reading", {})}      # the order's own reading settings win
    landmarks = settings.get("landmarks", ()) + read_case_landmarks(job.landmarks, "landmarks")
    common = dict(profile=job.inputs.get("profile") or profile, overrides=tuple(job.sets), case_layer=layer or None,
                  case_layer_file=None, name=case_name(job.order_id, job.revision), units=settings.get("units"),
                  dpi=settings.get("dpi"), pitch_mm=settings.get("pitch_mm"), contour=settings.get("contour", "flat"),
                  accept_foot=settings.get("accept_foot", False), landmarks=landmarks,
                  pressure_statistic=settings.get("pressure_stat", "peak"), pressure_unit=settings.get("pressure_unit"),
                  shoe_file=paths.get("shoe"), accept_shoe=settings.get("accept_shoe", False))
    if "left" in paths or "right" in paths:
        if "left" in paths and "right" in paths:
            return CaseRequest(foot_files=(("left", paths["left"]), ("right", paths["right"])), **common)
        side = "left" if "left" in paths else "right"
        return CaseRequest(foot_file=paths[side], foot_side=side, sides=(side,), **common)
    if "foot" in paths:
        return CaseRequest(foot_file=paths["foot"], **common)
    return CaseRequest(size=job.inputs["size"], width=job.inputs.get("width", "medium"), **common)


def design_job(job: Job) -> dict:
    """The revision's meshes, record and thumbnail: {"files": {name: bytes}, "checks": summary}.
    Raises InsolegenError with the CLI's message when the case cannot be made. Its 3D view and
    report are drawn when first asked for (``drawn_file``): a redesign comes back without waiting
    for them (drawing the view in the job was measured slower, click to view, by
    benchmarks/bench_desk.py; the thumbnail drawn here keeps the desk's list and diff from
    drawing it in a request beside the view)."""
    from insolegen.case import design_case
    from insolegen.feet import memo

    if job.read is not None:
        memo.FEET.put(*job.read)
    with tempfile.TemporaryDirectory(prefix="insolegen-job-") as tmp:
        try:
            result = design_case(request_for(job, Path(tmp)), {"order": {"id": job.order_id, "revision": job.revision}})
        except InsolegenError as exc:
            raise type(exc)(_named(str(exc), Path(tmp), job)) from None
    files = dict(result.files)
    case = case_name(job.order_id, job.revision)
    files[case + "_thumb.png"] = _thumbnail(files, case)     # a few hundredths of a second here; in a request, beside the view, more
    checks = result.record["prescribed_vs_measured"]["checks"]
    summary = {"compared": sum(c["compared"] for c in checks), "ok": sum(c["ok"] for c in checks if c["compared"]),
               "not_ok": [c["quantity"] for c in checks if c["compared"] and not c["ok"]]}
    return {"files": files, "checks": summary}


DRAWN = {"_view.html": "html", "_report.pdf": "report", "_thumb.png": "thumb"}


def drawn_names(case: str) -> list[str]:
    """The drawn files a revision offers: its 3D view, and its report where the 'report' extra is installed."""
    from insolegen.extras import missing_modules

    return [case + suffix for suffix, kind in DRAWN.items() if kind != "report" or not missing_modules("report")]


def drawn_file(files: dict[str, bytes], case: str, name: str, date: str) -> bytes:
    """A revision's 3D view or report, drawn from its files as kept, dated its own day (the same
    bytes whenever it is drawn)."""
    from insolegen.outputs.drawn import Drawn

    kind = DRAWN[name.removeprefix(case)]
    if kind == "thumb":
        return _thumbnail(files, case)
    drawn = Drawn(html=kind == "html", report=kind == "report", date=dt.date.fromisoformat(date))
    return drawn.as_bytes(files, case)[name]


def _thumbnail(files: dict[str, bytes], case: str) -> bytes:
    """The devices seen from above, small (the batch's review page's picture), from the kept files."""
    from insolegen.outputs.export import write_files
    from insolegen.outputs.preview import load_preview_input
    from insolegen.outputs.thumbnail import thumbnail_png

    with tempfile.TemporaryDirectory(prefix="insolegen-thumb-") as tmp:
        write_files(Path(tmp), {n: b for n, b in files.items() if n.endswith((".json", ".stl"))})
        return thumbnail_png(load_preview_input(Path(tmp) / f"{case}.json").devices)


def _warm() -> None:
    """A worker imports the design code once, when it starts, not in its first job."""
    import insolegen.case  # noqa: F401
    import insolegen.outputs.drawn  # noqa: F401


class Engine:
    """Where jobs run: ``workers`` processes of this server, or the Dask scheduler at ``scheduler``.
    ``done(job, result or None, error or None)`` is called on a thread of the engine's own."""

    def __init__(self, done: Callable[[Job, dict | None, str | None], None], workers: int = 1, scheduler: str | None = None):
        self.done, self.workers, self.scheduler = done, workers, scheduler
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._client = None
        if scheduler:
            from insolegen.extras import require_extra

            require_extra("cluster")
            from distributed import Client

            self._client = Client(scheduler, timeout="10s")
        else:
            self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(max_workers=self.workers, initializer=_warm, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._client is not None:
                future = self._client.submit(design_job, job, key=job.key, pure=False)
            else:
                try:
                    future = self._pool.submit(design_job, job)
                except BrokenProcessPool:
                    self._pool = self._new_pool()
                    future = self._pool.submit(design_job, job)
        future.add_done_callback(lambda f: self._finish(job, f))

    def _finish(self, job: Job, future: Future) -> None:
        try:
            result = future.result()
        except InsolegenError as exc:
            self.done(job, None, str(exc))
        except BrokenProcessPool:
            self.done(job, None, "the worker designing it stopped (killed, or out of memory): submit a revision to try again")
        except Exception as exc:      # a bug fails this revision, not the server
            self.done(job, None, f"internal error ({type(exc).__name__}: {exc})")
        else:
            self.done(job, result, None)

    def worker_pids(self) -> list[int]:
        return [p.pid for p in (self._pool._processes or {}).values()] if self._pool is not None else []

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def check_job(job: Job) -> Job:
    """Refuse the job's inputs as ``insolegen design`` would, before anything is kept, naming the
    client's own file names (InvalidInput); else the job with the feet as read (``Job.read``)."""
    from insolegen.case import check_inputs, read_key
    from insolegen.feet import memo

    with tempfile.TemporaryDirectory(prefix="insolegen-check-") as tmp:
        request = request_for(job, Path(tmp))
        try:
            check_inputs(request)
        except InsolegenError as exc:
            raise type(exc)(_named(str(exc), Path(tmp), job)) from None
        key = read_key(request, request.arch)
        read = memo.FEET.get(key)
    return replace(job, read=None if read is None else (key, read))


def _named(message: str, folder: Path, job: Job) -> str:
    """A message about the job's files with the client's file names in place of the worker's paths."""
    for item in job.inputs.get("files", []):
        message = message.replace(str(folder / f"{item['role']}{item['suffix']}"), item["name"])
    return message.replace(str(folder) + "/", "")

"""Running a batch: which cases to do (``--resume`` keeps those done with the same inputs),
where they run (in this process, a local process pool, or an existing Dask cluster), and
writing each case as it comes back, then the manifest and the review page (index.html).
Workers only compute: every file is written here, so a cluster needs no shared output folder
and nothing is half-written."""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from insolegen import __version__
from insolegen.batch.cases import (
    BatchOptions,
    CaseOutcome,
    CaseSpec,
    case_dir,
    discover,
    manifest_rows,
    relative_outputs,
    run_case,
    up_to_date,
    write_case,
    write_manifest,
)
from insolegen.batch.review import write_index
from insolegen.errors import InsolegenError, InvalidInput
from insolegen.outputs.export import check_out_dir, folder_lock


@dataclass
class BatchSummary:
    total: int
    rows: list[dict] = field(default_factory=list)
    outcomes: list[CaseOutcome] = field(default_factory=list)
    stopped_early: bool = False
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def run_batch(scans: Path, out: Path, options: BatchOptions, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, fail_fast: bool = False,
              on_case: Callable[[CaseOutcome | None, int, int], None] | None = None) -> BatchSummary:
    """Every case under ``scans`` into ``out``; ``on_case(outcome, done, total)`` after each (and
    once with no outcome before the first)."""
    start = time.perf_counter()
    # absolute: a cluster's workers do not share this process's working folder
    scans, out = Path(scans).resolve(), Path(out)
    if out.resolve() == scans.resolve() or scans.resolve() in out.resolve().parents:
        raise InvalidInput(f"--out {out} lies inside the scans folder {scans}: choose a folder outside it")
    specs = discover(scans)
    if not specs:
        raise InvalidInput(f"{scans}: no case folders in it (one folder per case, holding the foot input)")
    check_out_dir(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"--out {out}: cannot make the folder: {exc.strerror or exc}") from None
    with folder_lock(out, wait_s=0.0, what="another batch run"):
        return _run_locked(scans, out, specs, options, workers, scheduler, resume, fail_fast, on_case, start)


def _run_locked(scans, out, specs, options, workers, scheduler, resume, fail_fast, on_case, start) -> BatchSummary:
    options = options if options.date else replace(options, date=dt.date.today().isoformat())   # one date for every report
    summary = BatchSummary(total=len(specs))
    if on_case:
        on_case(None, 0, summary.total)          # the count is known: a bar can show it before any case ends

    def finish(spec: CaseSpec, outcome: CaseOutcome, written: list[Path]) -> None:
        summary.outcomes.append(outcome)
        summary.rows.extend(manifest_rows(spec, outcome, relative_outputs(out, written)))
        if on_case:
            on_case(outcome, len(summary.outcomes), summary.total)
        outcome.record = None        # in its manifest rows now: a batch's memory stays flat in its cases

    to_run = []
    for spec in specs:
        done = up_to_date(out, spec, options) if resume and not spec.problem else None
        if done is None:
            to_run.append(spec)
            continue
        folder = case_dir(out, spec.name)
        kept = [folder / fn for fn in sorted(os.listdir(folder)) if not fn.startswith(".")]
        finish(spec, CaseOutcome(spec.name, "skipped", "outputs up to date with the inputs (--resume)", record=done), kept)

    with closing(run_cases(to_run, options, workers or default_workers(), scheduler)) as results:
        for spec, outcome in results:
            if _write_outcome(spec, outcome, out, finish) == "failed" and fail_fast:
                summary.stopped_early = True
                break
    summary.seconds = time.perf_counter() - start
    meta = {"tool": {"name": "insolegen", "version": __version__}, "scans": str(scans), "out": str(out),
            "options": {"profile": options.profile, "overrides": list(options.overrides), "report": options.report,
                        "html": options.html, "printer": options.printer,
                        "workers": None if scheduler else (workers or default_workers()), "scheduler": scheduler,
                        "resume": resume, "fail_fast": fail_fast},
            "counts": {s: summary.count(s) for s in ("ok", "failed", "skipped")},
            "not_run": summary.total - len(summary.outcomes), "seconds": round(summary.seconds, 2)}
    write_manifest(out, summary.rows, meta)
    write_index(out, options.printer)
    return summary


def _write_outcome(spec: CaseSpec, outcome: CaseOutcome, out: Path, finish) -> str:
    """Write a finished case's files; its status (a case that cannot be written has failed)."""
    written = []
    if outcome.status == "ok":
        try:
            written = write_case(out, outcome)
        except (OSError, InsolegenError) as exc:
            outcome = CaseOutcome(outcome.name, "failed", f"could not write the outputs: {exc}", seconds=outcome.seconds)
    outcome.files = {}           # on disk now; do not hold every case's bytes
    finish(spec, outcome, written)
    return outcome.status


def run_cases(specs: list[CaseSpec], options: BatchOptions, workers: int = 1,
              scheduler: str | None = None) -> Iterator[tuple[CaseSpec, CaseOutcome]]:
    if scheduler:
        return _on_cluster(specs, options, scheduler)
    if workers <= 1 or len(specs) <= 1:
        return ((spec, run_case(spec, options)) for spec in specs)
    return _in_pool(specs, options, workers)


def _die_with_parent() -> None:
    """In a pool worker: the kernel kills it when the batch process dies, even by SIGKILL (Linux)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass                      # not Linux: the pool's own shutdown is all there is
    if os.getppid() == 1:         # the parent died before the line above took effect
        os._exit(1)


def _in_pool(specs, options, workers) -> Iterator[tuple[CaseSpec, CaseOutcome]]:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)
    try:
        futures = {pool.submit(run_case, spec, options): spec for spec in specs}
        for future in as_completed(futures):
            spec = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:        # a worker process died (killed, out of memory)
                outcome = CaseOutcome(spec.name, "failed", f"worker lost ({type(exc).__name__}: {exc})")
            yield spec, outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_cluster(specs, options, address) -> Iterator[tuple[CaseSpec, CaseOutcome]]:
    from insolegen.extras import require_extra

    require_extra("cluster")
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise InvalidInput(f"--scheduler {address}: cannot reach the Dask scheduler ({exc})") from None
    futures = {}
    try:
        # pure=False: each case runs even if an equal one ran before; retries: a case on a worker
        # that dies is run again elsewhere
        futures = {client.submit(run_case, spec, options, pure=False, retries=2, key=f"insolegen-case-{k}-{spec.name}"): spec
                   for k, spec in enumerate(specs)}
        for future in dask_completed(list(futures)):
            spec = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:        # the case's workers kept dying (KilledWorker) or were lost
                outcome = CaseOutcome(spec.name, "failed", f"cluster lost the case ({type(exc).__name__}: {exc})")
            yield spec, outcome
    finally:
        client.cancel(list(futures))
        client.close()

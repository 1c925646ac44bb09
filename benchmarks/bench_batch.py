"""Batch throughput: a folder of N cases (default 1,000), each a foot drawn from one ANSUR II
soldier's measurements with one of several profiles, run by `insolegen batch` in a fresh
process with 1 and with 2 workers. Prints cases per minute, the scaling from 1 to 2 workers, the
largest process's peak memory, and the CPU time a case took in all processes (wait4 counts the
workers the batch process reaped: the firm figure on a noisy machine). Targets, issue 18: 1,000
cases in <= 2.0 min on a 2-core machine, >= 0.9 scaling, memory flat in the number of cases
(compare runs of N and 5N).
Run: .venv/bin/python benchmarks/bench_batch.py [N] [--workers 2] [--no-html]
(--no-html: without each case's 3D view, to see what the views cost)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_cases import ansur_rows, write_outline_case
from results import log_run

PROFILES = ("neutral", "pronation-mild", "pronation-moderate", "flat-foot", "cavus", "metatarsalgia",
            "plantar-fasciitis", "supination")


def make_folder(dest: Path, n: int) -> None:
    rows = ansur_rows()
    step = max(1, len(rows) // n)            # spread over men and women, short and tall
    for k in range(n):
        row = rows[(k * step) % len(rows)]
        side = ("right", "left", None)[k % 3]
        write_outline_case(dest / f"case_{k:04d}_{row['sex']}", row, side, f'profile = "{PROFILES[k % len(PROFILES)]}"\n')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--no-html", action="store_true")
    args = parser.parse_args()
    lines, one_worker = [], None
    with tempfile.TemporaryDirectory() as tmp:
        scans = Path(tmp) / "scans"
        make_folder(scans, args.n)
        for workers in args.workers:
            out = Path(tmp) / f"out{workers}"
            t = time.perf_counter()
            with tempfile.TemporaryFile("w+") as log:
                child = subprocess.Popen([sys.executable, "-m", "insolegen.cli", "batch", str(scans), "--out", str(out),
                                          "--workers", str(workers), *(["--no-html"] if args.no_html else [])],
                                         stdout=log, stderr=subprocess.DEVNULL, text=True)
                _, status, usage = os.wait4(child.pid, 0)     # this run's own rusage: its largest process's peak
                child.returncode = os.waitstatus_to_exitcode(status)
                seconds = time.perf_counter() - t
                log.seek(0)
                ok = log.read().count(" ok (")
            per_worker = seconds * workers
            if workers == 1:
                one_worker = seconds
            scaling = f", scaling {one_worker / per_worker:.2f}" if workers > 1 and one_worker else ""
            lines.append(f"{args.n} cases{' without 3D views' if args.no_html else ''}, {workers} worker(s): {seconds:.1f} s, "
                         f"{60 * args.n / seconds:.0f} cases per minute ({ok} ok, exit {child.returncode}); 1,000 cases would "
                         f"take {1000 * seconds / args.n / 60:.2f} min{scaling}; peak memory {usage.ru_maxrss / 1024:.0f} MB; "
                         f"CPU {1000 * (usage.ru_utime + usage.ru_stime) / args.n:.0f} ms a case (batch process and workers)")
            print(lines[-1])
            for row in json.loads((out / "manifest.json").read_text())["rows"]:
                if row["status"] != "ok" and row["side"] == "right":
                    print(f"  {row['case']} {row['status']}: {row['message']}")
    log_run("bench_batch.py", lines)


if __name__ == "__main__":
    main()

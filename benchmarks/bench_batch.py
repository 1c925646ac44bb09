"""Batch throughput: a folder of N cases (default 1,000), each a foot drawn from one ANSUR II
soldier's measurements with one of several profiles, run by `insolegen batch` in a fresh
process with 1 and with 2 workers. Prints cases per minute (the bar: 1,000 cases in <= 5 min on
a 2-core machine). Run: .venv/bin/python benchmarks/bench_batch.py [N] [--workers 2] [--no-html]
(--no-html: without each case's 3D view, to see what the views cost)."""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from make_cases import ansur_rows, write_outline_case

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
    with tempfile.TemporaryDirectory() as tmp:
        scans = Path(tmp) / "scans"
        make_folder(scans, args.n)
        for workers in args.workers:
            out = Path(tmp) / f"out{workers}"
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "insolegen.cli", "batch", str(scans), "--out", str(out),
                                "--workers", str(workers), *(["--no-html"] if args.no_html else [])],
                               capture_output=True, text=True)
            seconds = time.perf_counter() - t
            ok = r.stdout.count(" ok (")
            print(f"{args.n} cases{' without 3D views' if args.no_html else ''}, {workers} worker(s): {seconds:.1f} s, {60 * args.n / seconds:.0f} cases per minute "
                  f"({ok} ok, exit {r.returncode}); 1,000 cases would take {1000 * seconds / args.n / 60:.1f} min")
            for row in json.loads((out / "manifest.json").read_text())["rows"]:
                if row["status"] != "ok" and row["side"] == "right":
                    print(f"  {row['case']} {row['status']}: {row['message']}")


if __name__ == "__main__":
    main()

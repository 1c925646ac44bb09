"""benchmarks/RESULTS.md: every benchmark run's figures with the date, the commit and the machine,
appended by the benchmark itself, so a slowdown shows in review (issue 18)."""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=RESULTS.parent, timeout=10).stdout.strip()
        # this log itself does not make the checkout's code differ from the commit
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ":/", f":!{RESULTS.name}"],
                               capture_output=True, text=True, cwd=RESULTS.parent, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + (" (with uncommitted changes)" if dirty else "")


def log_run(benchmark: str, lines: list[str]) -> None:
    """Append one run: a heading with the benchmark, date, commit and machine, then its lines."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    text = f"\n## {benchmark}: {stamp}, commit {_commit()}, {machine}\n" + "".join(f"- {line}\n" for line in lines)
    if not RESULTS.exists():
        text = "# Benchmark results\n\nEvery run appends here (benchmarks/results.py). Medians; this machine is noisy, so compare runs\nmade close together.\n" + text
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(text)

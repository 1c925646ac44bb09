"""A preview PNG of a pair, including Python start (target, issue 18: <= 1 s): `insolegen preview
CASE.json --out PNG` in a fresh process, off-screen; and the case report PDF (target <= 1.5 s),
which also measures both meshes afresh. The package's bytecode is compiled first, as an install
leaves it (this machine sets PYTHONDONTWRITEBYTECODE, which would otherwise recompile it on
every run). Run: .venv/bin/python benchmarks/bench_preview.py"""
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import log_run

SRC = Path(__file__).resolve().parents[1] / "src"


def timed(args: list[str], env: dict, repeats: int = 5) -> float:
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "insolegen.cli", *args], check=True, env=env, capture_output=True)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    compileall.compile_dir(SRC, quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "insolegen.cli", "design", "--out", tmp, "-q"], check=True)
        record, png = str(Path(tmp) / "EU42_medium.json"), str(Path(tmp) / "p.png")
        lines.append(f"preview, pair, iso view: median of 5 {timed(['preview', record, '--out', png, '--force'], env):.2f} s (target 1.0)")
        lines.append(f"preview, pair, all views and sections: median of 5 "
                     f"{timed(['preview', record, '--out', png, '--force', '--view', 'all', '--sections'], env):.2f} s")
        lines.append(f"case report PDF: median of 5 {timed(['report', tmp, '--force'], env):.2f} s (target 1.5)")
    print("\n".join(lines))
    log_run("bench_preview.py", lines)


if __name__ == "__main__":
    main()

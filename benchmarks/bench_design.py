"""Default design: median compute time per pair (and its CPU time and the fastest run: the firmer
figures on a noisy machine), CLI wall time (with Python start), peak memory,
triangles. The package's bytecode is compiled first, as an install leaves it (this machine sets
PYTHONDONTWRITEBYTECODE, which would otherwise recompile it on every run).
Run: .venv/bin/python benchmarks/bench_design.py"""
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from results import log_run

from insolegen.case import CaseRequest, design_case


def main(repeats: int = 15) -> None:
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "src", quiet=1)
    design_case(CaseRequest())  # warm
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        result = design_case(CaseRequest(formats="stl"))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    tracemalloc.start()
    design_case(CaseRequest())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    walls = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "insolegen.cli", "design", "--out", out, "-q"], check=True)
            walls.append(time.perf_counter() - t)
    helps = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "insolegen.cli", "--help"], check=True, capture_output=True)
        helps.append(time.perf_counter() - t)
    faces = len(result.design.devices["right"].faces)
    lines = [f"compute per pair (design + STL bytes), median of {repeats}: {statistics.median(times):.3f} s (target 0.10); "
             f"CPU {statistics.median(cpu):.3f} s, fastest run {min(times):.3f} s",
             f"CLI end to end incl. Python start, median of 3: {statistics.median(walls):.3f} s (target 0.5)",
             f"insolegen --help, median of 5: {statistics.median(helps):.3f} s (target 0.15)",
             f"peak traced memory of one design: {peak / 1e6:.1f} MB",
             f"triangles per device: {faces}"]
    print("\n".join(lines))
    log_run("bench_design.py", lines)


if __name__ == "__main__":
    main()

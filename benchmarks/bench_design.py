"""Default design: median compute time per pair, CLI wall time (with Python start), peak memory,
triangles. Run: .venv/bin/python benchmarks/bench_design.py"""
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

from insolegen.case import CaseRequest, design_case


def main(repeats: int = 15) -> None:
    design_case(CaseRequest())  # warm
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        result = design_case(CaseRequest(formats="stl"))
        times.append(time.perf_counter() - t)
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
    faces = len(result.design.devices["right"].faces)
    print(f"compute per pair (design + STL bytes), median of {repeats}: {statistics.median(times):.3f} s")
    print(f"CLI end to end incl. Python start, median of 3: {statistics.median(walls):.3f} s")
    print(f"peak traced memory of one design: {peak / 1e6:.1f} MB")
    print(f"triangles per device: {faces}")


if __name__ == "__main__":
    main()

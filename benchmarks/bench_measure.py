"""`insolegen measure` on the default design's right insole: median time in the library (with
and without the self-intersection check) and CLI wall time including Python start.
Run: .venv/bin/python benchmarks/bench_measure.py"""
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from insolegen.case import CaseRequest, design_case
from insolegen.measure import measure_file, measure_mesh


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(repeats: int = 9) -> None:
    result = design_case(CaseRequest(formats="stl"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "right.stl"
        path.write_bytes(result.files[f"{result.name}_right.stl"])
        device = result.design.devices["right"]
        measure_file(path)  # warm
        full = median_time(lambda: measure_file(path), repeats)
        quick = median_time(lambda: measure_mesh(device.vertices, device.faces, check_intersections=False), repeats)
        wall = median_time(lambda: subprocess.run([sys.executable, "-m", "insolegen.cli", "measure", str(path), "--json"],
                                                  check=True, capture_output=True), 3)
    print(f"measure an STL file ({len(device.faces)} triangles), median of {repeats}: {full:.3f} s")
    print(f"measure a mesh in memory without the self-intersection check (what design does): {quick:.3f} s")
    print(f"CLI `insolegen measure --json` incl. Python start, median of 3: {wall:.3f} s")


if __name__ == "__main__":
    main()

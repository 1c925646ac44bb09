"""A 1M-triangle foot scan to outline, landmarks and arch measurements (the bar: <= 3 s).
The real dupontgu scan (12,772 triangles) is subdivided 1-to-4 three times (817,408
triangles), then part of it once more to make 1,000,000, and all of it four times (3,269,632).
Each run reads the file and gives the outline, landmarks, arch and indices (`insolegen scan`).
Run: .venv/bin/python benchmarks/bench_scan.py"""
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import trimesh

from insolegen.feet.scan3d import read_scan
from insolegen.outputs.scan_report import scan_record

SCAN = Path(__file__).resolve().parents[1] / "tests" / "data" / "scans" / "dupontgu_left_foot.stl"


def main() -> None:
    mesh = trimesh.load(SCAN, process=True)
    with tempfile.TemporaryDirectory() as tmp:
        for times, extra, repeats in ((3, 0, 5), (3, 1_000_000, 5), (4, 0, 3)):
            dense = mesh
            for _ in range(times):
                dense = dense.subdivide()
            if extra:        # each face split adds three: to exactly `extra` triangles
                dense = dense.subdivide(face_index=np.arange((extra - len(dense.faces)) // 3))
            path = Path(tmp) / f"scan_{times}_{extra}.stl"
            dense.export(path)
            read_scan(path)
            runs = []
            for _ in range(repeats):
                t = time.perf_counter()
                scan = read_scan(path)
                scan_record(scan)
                runs.append(time.perf_counter() - t)
            print(f"{len(dense.faces):>9,} triangles: median of {repeats} {statistics.median(runs):.2f} s "
                  f"({scan.foot.side}, length {scan.foot.length_mm:.1f} mm, arch {scan.foot.arch.height_mm} mm)")


if __name__ == "__main__":
    main()

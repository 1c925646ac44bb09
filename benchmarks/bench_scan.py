"""A 1M-triangle foot scan to outline, landmarks and arch measurements (targets, issue 18: 1M
triangles <= 1.2 s and <= 250 MB; 3.3M <= 4 s and <= 800 MB).
The real dupontgu scan (12,772 triangles) is subdivided 1-to-4 three times (817,408
triangles), then part of it once more to make 1,000,000, and all of it four times (3,269,632).
Each size is read in a fresh process (`insolegen scan`'s work: read the file, give the outline,
landmarks, arch and indices): the median of its runs; and, in another fresh process reading it
once, as `insolegen scan` does, the peak resident memory (Python and the imports included).
Run: .venv/bin/python benchmarks/bench_scan.py"""
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import log_run

SCAN = Path(__file__).resolve().parents[1] / "tests" / "data" / "scans" / "dupontgu_left_foot.stl"
TARGETS = {1_000_000: (1.2, 250), 3_269_632: (4.0, 800)}


def one(path: str, repeats: int) -> None:
    """In a fresh process: read the scan ``repeats`` times; print the figures as JSON."""
    from insolegen.feet.scan3d import read_scan
    from insolegen.outputs.scan_report import scan_record

    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        scan = read_scan(path)
        scan_record(scan)
        runs.append(time.perf_counter() - t)
        del scan
    print(json.dumps({"median": statistics.median(runs), "peak_mb": peak_resident_mb()}))


def peak_resident_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike getrusage's maxrss, not inherited from
    the parent the process was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    import numpy as np
    import trimesh

    mesh = trimesh.load(SCAN, process=True)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for times, extra, repeats in ((3, 0, 5), (3, 1_000_000, 5), (4, 0, 3)):
            dense = mesh
            for _ in range(times):
                dense = dense.subdivide()
            if extra:        # each face split adds three: to exactly `extra` triangles
                dense = dense.subdivide(face_index=np.arange((extra - len(dense.faces)) // 3))
            path = Path(tmp) / f"scan_{times}_{extra}.stl"
            dense.export(path)
            figures = {}
            for runs, key in ((repeats, "median"), (1, "peak_mb")):
                out = subprocess.run([sys.executable, __file__, "--one", str(path), str(runs)], check=True,
                                     capture_output=True, text=True).stdout
                figures[key] = json.loads(out.splitlines()[-1])[key]
            n = len(dense.faces)
            target = f" (target {TARGETS[n][0]:g} s, {TARGETS[n][1]} MB)" if n in TARGETS else ""
            lines.append(f"{n:,} triangles: median of {repeats} {figures['median']:.2f} s, "
                         f"peak memory {figures['peak_mb']:.0f} MB{target}")
            print(lines[-1])
    log_run("bench_scan.py", lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], int(sys.argv[3]))
    else:
        main()

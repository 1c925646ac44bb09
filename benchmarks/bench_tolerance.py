"""The mesh tolerance study (issue 18): every profile designed at the mesher's refinement
tolerance of today (device.mesh.REFINE_TOLERANCE_MM) and at coarser ones. For each: triangles
per device, compute per pair, the worst distance of the top mesh from the design surface (random
points on the top's triangles), and the worst change of any measured quantity from today's (mm
and degrees apart) over all profiles. DESIGN.md's bar is 0.05 mm from the design surfaces.
Run: .venv/bin/python benchmarks/bench_tolerance.py [TOLERANCE ...]"""
import statistics
import sys
import time

import numpy as np
from results import log_run

from insolegen.case import CaseRequest, design_case
from insolegen.device import mesh
from insolegen.device.design import surfaces_for
from insolegen.device.profiles import list_profiles


def _design(profile: str, tolerance: float):
    mesh.REFINE_TOLERANCE_MM = tolerance
    mesh.SURFACE_TOLERANCE_MM = max(0.05, 1.25 * tolerance)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        result = design_case(CaseRequest(profile=profile, formats="stl"))
        times.append(time.perf_counter() - t)
    return result, statistics.median(times)


def _off_surface(result) -> float:
    d = result.design
    dev = d.devices["right"]
    tris = dev.vertices[dev.faces[: len(d.plan_mesh.triangles)]]      # the top faces come first
    w = np.random.default_rng(0).dirichlet([1, 1, 1], size=len(tris))
    samples = np.einsum("ij,ijk->ik", w, tris)
    top, _ = surfaces_for(d.plan, d.context)(samples[:, :2])
    return float(np.abs(samples[:, 2] - top).max())


def _measured(result) -> dict:
    checks = result.record["prescribed_vs_measured"]["checks"]
    return {c["quantity"]: c["measured"] for c in checks if isinstance(c["measured"], (int, float))}


def main(tolerances: list[float]) -> None:
    today = mesh.REFINE_TOLERANCE_MM, mesh.SURFACE_TOLERANCE_MM
    profiles = sorted(list_profiles())
    base = {p: _design(p, today[0]) for p in profiles}
    lines = []
    for tol in [today[0], *tolerances]:
        runs = base if tol == today[0] else {p: _design(p, tol) for p in profiles}
        worst_mm = worst_deg = 0.0
        worst_at = ""
        for p in profiles:
            a, b = _measured(base[p][0]), _measured(runs[p][0])
            for q in a.keys() & b.keys():
                change = abs(a[q] - b[q])
                if q.endswith("_deg"):
                    worst_deg = max(worst_deg, change)
                elif change > worst_mm:
                    worst_mm, worst_at = change, f"{p} {q}"
        faces = [len(runs[p][0].design.devices["right"].faces) for p in profiles]
        lines.append(f"refine tolerance {tol:.2f} mm: triangles per device {min(faces)}-{max(faces)} "
                     f"(median {statistics.median(faces):.0f}), "
                     f"compute per pair median {statistics.median(r[1] for r in runs.values()):.3f} s, "
                     f"worst top off the design surface {max(_off_surface(r[0]) for r in runs.values()):.3f} mm, "
                     f"worst change from {today[0]:.2f}: {worst_mm:.3f} mm{f' ({worst_at})' if worst_at else ''}, {worst_deg:.3f}°")
        print(lines[-1])
    mesh.REFINE_TOLERANCE_MM, mesh.SURFACE_TOLERANCE_MM = today
    log_run("bench_tolerance.py", lines)


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [0.05, 0.10])

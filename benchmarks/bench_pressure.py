"""The real pressure recording (../shared/data/footprints/greenai_raw_pressure.csv, all 806
frames) registered to feet it is and is not: the residual, scale and verdict of each, and the
time to read and register it (median of 5). Then print zones: the delivered 3MF of a regions and
a pressure-band design sliced by PrusaSlicer, and the infill extruded per unit area inside each
zone against the zone's density (needs prusa-slicer on the PATH).
Run: .venv/bin/python benchmarks/bench_pressure.py [--no-slice]"""
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from results import log_run

import insolegen
from insolegen.errors import InvalidInput
from insolegen.feet.foot import foot_from_points
from insolegen.feet.image import feet_from_image
from insolegen.feet.pressure import footprint_from_pressure, pressure_grid, read_pressure_map

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "footprints"
REAL = DATA / "greenai_raw_pressure.csv"
PITCH = 5.7
LINES: list[str] = []


def say(text: str) -> None:
    """Print a figure and keep it for RESULTS.md."""
    print(text)
    LINES.append(text.strip())


def _moved(points, turn_deg, shift, scale=1.0, mirror=False):
    c, s = np.cos(np.radians(turn_deg)), np.sin(np.radians(turn_deg))
    p = points * [1.0, -1.0] if mirror else points
    return scale * p @ np.array([[c, -s], [s, c]]).T + shift


def registrations() -> None:
    outline = footprint_from_pressure(pressure_grid(REAL, "peak"), PITCH)[1]
    feet = {
        "its own footprint, turned 25°, moved, x1.04": (foot_from_points(_moved(outline, 25, [40, -15], 1.04), side="left",
                                                                          source="moved"), PITCH),
        "its own footprint, mirrored (the other side)": (foot_from_points(_moved(outline, 0, [0, 0], mirror=True), side="right",
                                                                          source="mirrored"), PITCH),
        "its own footprint, at --pitch-mm 5.0": (foot_from_points(outline, side="left", source="pitch"), 5.0),
    }
    for size in ("EU38", "EU40", "EU42", "EU44", "EU46"):
        feet[f"a parametric left foot {size}"] = (insolegen.foot_from_size(size, side="left"), PITCH)
    image = DATA / "greenai_foamprint_56.jpg"
    if image.is_file():
        for foot in feet_from_image(image, None)[1]:
            feet[f"the foam print's {foot.side} foot (another recording of a foot)"] = (foot, PITCH)
    say("registration of the real recording (peak pressure):")
    for name, (foot, pitch) in feet.items():
        try:
            reg = read_pressure_map(REAL, pitch, foot).registration
            say(f"  {name}: accepted, residual {reg['residual_mm']:.2f} mm, scale {reg['scale']:.3f}, turn {reg['turn_deg']:+.1f}°")
        except InvalidInput as exc:
            say(f"  {name}: refused: {str(exc).split(': ', 1)[1]}")
    foot = feet["its own footprint, turned 25°, moved, x1.04"][0]
    times = []
    for _ in range(5):
        t = time.perf_counter()
        read_pressure_map(REAL, PITCH, foot)
        times.append(time.perf_counter() - t)
    say(f"  read ({REAL.stat().st_size / 1e6:.1f} MB, 806 frames) and register: median {statistics.median(times):.2f} s")


def zone_figures() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import test_zones as zones_test  # the tests' own slicing and G-code reading
    from helpers import run_cli

    designs = {
        "regions (prusa-mk4 plates)": ["--printer", "prusa-mk4", *zones_test._sets(
            *zones_test.THICK, "zones.layout=regions", "zones.heel_infill_pct=25", "zones.arch_infill_pct=45",
            "zones.forefoot_infill_pct=15")],
        "pressure bands from the real recording, with soft offload sites": [str(REAL), "--pitch-mm", str(PITCH), "--side", "left",
            *zones_test._sets(*zones_test.THICK, "zones.layout=pressure", "zones.bands=3", "zones.soft_infill_pct=10",
                              "zones.firm_infill_pct=40", "offload.above_percentile=95", "offload.depth_mm=1",
                              "zones.offload_infill_pct=8")],
    }
    for label, args in designs.items():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "case"
            r = run_cli("design", "--name", "z", "--out", folder, "-q", *args)
            if r.returncode:
                say(f"{label}: {r.stderr}")
                continue
            record = json.loads((folder / "z.json").read_text())
            say(f"{label}: infill extruded per unit area per layer (PrusaSlicer, 0.2 mm layers), inside each zone")
            for name, prescribed, extruded in zones_test._zone_densities(record, folder, Path(tmp)):
                say(f"  {name}: {prescribed:g} % prescribed, {extruded:.1f} % extruded ({extruded / prescribed - 1:+.1%})")
            for zone in record["zones"]["zones"]:
                say(f"    {zone['reads']}")


if __name__ == "__main__":
    registrations()
    if "--no-slice" not in sys.argv:
        zone_figures()
    log_run("bench_pressure.py", LINES)

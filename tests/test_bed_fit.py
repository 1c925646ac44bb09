"""A bed that fits: the 3MF places the devices on the named printer's bed (turned as needed,
the pair on one plate where it fits, else a plate each), PrusaSlicer slices each delivered 3MF
as it is (no arranging) and every extrusion in its G-code lies on the bed; `measure` says where
it assumed the part lies."""
import json
import re
import subprocess

import numpy as np
import pytest
from helpers import run_cli as run
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oracle import load_stl

from insolegen.measure.printing import BED_MARGIN_MM, PRINTERS, placed_points, plan_plates


def _extrusion_extent(gcode: str) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest X, Y of the moves that extrude (the print itself)."""
    xs, ys = [], []
    for line in gcode.splitlines():
        if line.startswith("G1") and " E" in line:
            x, y = re.search(r" X(-?[\d.]+)", line), re.search(r" Y(-?[\d.]+)", line)
            if x and y:
                xs.append(float(x.group(1)))
                ys.append(float(y.group(1)))
    return np.array([min(xs), min(ys)]), np.array([max(xs), max(ys)])


@pytest.fixture(scope="module")
def designs(tmp_path_factory):
    root = tmp_path_factory.mktemp("beds")
    made = {}
    for name in PRINTERS:
        r = run("design", "--printer", name, "--out", root / name, "-q")
        assert r.returncode == 0, r.stderr
        made[name] = (root / name, json.loads((root / name / "EU42_medium.json").read_text()))
    return made


@pytest.mark.parametrize("name", list(PRINTERS))
def test_prusaslicer_slices_each_delivered_plate_on_the_printers_bed(designs, name, tmp_path):
    folder, record = designs[name]
    bx, by, _ = PRINTERS[name].build_mm
    printing = record["printing"]
    assert printing["printer"] == name
    if printing["not_on_bed"]:
        # the Fuse 1's 165 mm bed takes no full-length adult insole at any turn: said, not hidden
        assert name == "formlabs-fuse1" and printing["not_on_bed"] == ["left", "right"]
        r = run("measure", folder / "EU42_medium_right.stl", "--printer", name)
        assert r.returncode == 1 and "NOT printable" in r.stdout and "does not fit the build volume" in r.stdout
        return
    files = [p["file"] for p in printing["plates"]]
    assert sorted(files) == sorted(p.name for p in folder.glob("*.3mf"))
    for plate in printing["plates"]:
        gcode = tmp_path / "plate.gcode"
        r = subprocess.run(["prusa-slicer", "--export-gcode", "--dont-arrange", "--skirts", "0",
                            "--bed-shape", f"0x0,{bx:g}x0,{bx:g}x{by:g},0x{by:g}", "--output", str(gcode),
                            str(folder / plate["file"])], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and gcode.is_file(), r.stdout[-2000:] + r.stderr[-2000:]
        lo, hi = _extrusion_extent(gcode.read_text())
        assert (lo >= 0).all() and hi[0] <= bx and hi[1] <= by, (plate, lo, hi)
        if len(plate["devices"]) == 2:
            assert hi[1] - lo[1] > 180 or hi[0] - lo[0] > 180         # both devices, side by side


def test_the_pair_shares_a_plate_only_where_it_fits(designs):
    plates = {name: [len(p["devices"]) for p in record["printing"]["plates"]] for name, (_, record) in designs.items()}
    assert plates["generic"] == [2] and plates["hp-mjf-5200"] == [2]
    # a 265 mm insole lies across a 250 x 210 mm bed only turned, and one at a time
    assert plates["prusa-mk4"] == [1, 1]
    turns = [d["turn_deg"] for p in designs["prusa-mk4"][1]["printing"]["plates"] for d in p["devices"]]
    assert all(20 < (t if t < 180 else 360 - t) < 60 for t in turns)


def test_measure_says_where_it_assumed_the_part_lies(designs):
    folder, _ = designs["prusa-mk4"]
    r = run("measure", folder / "EU42_medium_right.stl", "--printer", "prusa-mk4", "--json")
    found = json.loads(r.stdout)
    assert found["printable"] and re.match(r"on the 250 x 210 mm bed, its long axis turned [+-]\d+° from the bed's x axis",
                                           found["placement"]), found["placement"]


@settings(max_examples=60, deadline=None)
@example(length=252.0, width=98.0, bed="bambu-x1c", pair=True)     # a tight bed: once placed 0.3 mm over its margin
@example(length=295.0, width=95.0, bed="prusa-mk4", pair=False)     # fits only between two whole degrees: once left off
@given(length=st.floats(120, 330), width=st.floats(40, 130), bed=st.sampled_from(list(PRINTERS)), pair=st.booleans())
def test_planned_parts_lie_on_the_bed_and_apart(length, width, bed, pair):
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    outline = np.column_stack([length / 2 * (1 + np.cos(t)), width / 2 * np.sin(t) * (1 + 0.3 * np.cos(t))])
    parts = [outline * [1, -1], outline] if pair else [outline]
    build = PRINTERS[bed].build_mm
    plates, unplaced = plan_plates(parts, [15.0] * len(parts), build)
    placed = [q.index for plate in plates for q in plate]
    assert sorted(placed + unplaced) == list(range(len(parts)))
    for plate in plates:
        boxes = []
        for q in plate:
            pts = placed_points(parts[q.index], q)
            assert pts.min() >= BED_MARGIN_MM - 1e-3                       # placements are kept to 0.001 mm
            assert (pts.max(axis=0) <= np.array(build[:2]) - BED_MARGIN_MM + 1e-3).all()
            boxes.append((pts.min(axis=0), pts.max(axis=0)))
        if len(boxes) == 2:
            (a0, a1), (b0, b1) = boxes
            assert (a1 < b0).any() or (b1 < a0).any()                     # their boxes do not meet
    room = np.array(build[:2]) - 2 * BED_MARGIN_MM
    for k in unplaced:                                                   # truly too big at any turn
        for turn in np.arange(0.0, 180.0, 0.25):
            c, s = np.cos(np.radians(turn)), np.sin(np.radians(turn))
            span = np.ptp(parts[k] @ np.array([[c, s], [-s, c]]), axis=0)
            assert (span > room).any() and (span[::-1] > room).any(), (k, turn)


def test_a_case_with_plates_alone_is_previewed_in_its_own_frame(designs, tmp_path):
    """With only the 3MF plates beside the record, the preview moves each device back from
    where its plate put it: the same vertices as its STL."""
    from scipy.spatial import cKDTree

    from insolegen.outputs.preview import load_preview_input

    r = run("design", "--printer", "prusa-mk4", "--format", "3mf,json", "--out", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    shown = load_preview_input(tmp_path / "EU42_medium.json")
    folder, _ = designs["prusa-mk4"]
    assert sorted(d.side for d in shown.devices) == ["left", "right"]
    for d in shown.devices:
        stl = load_stl((folder / f"EU42_medium_{d.side}.stl").read_bytes(), merged=True)
        distance, _ = cKDTree(stl.vertices).query(d.vertices)
        assert distance.max() < 0.01, (d.side, distance.max())

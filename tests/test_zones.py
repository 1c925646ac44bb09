"""Print zones: the delivered 3MF sliced by PrusaSlicer as it is, and the infill it extrudes per
unit area inside each zone (away from the zone's edges) read from the G-code and held against
the zone's density; the STL unchanged; each zone's stiffness estimate in the record."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from gcode import extrusions
from helpers import run_cli as run

import insolegen
from insolegen.device.profiles import resolve_prescription
from insolegen.device.zones import stiffness_kpa_per_mm
from insolegen.errors import InvalidInput
from insolegen.measure import measure_file

REAL = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_raw_pressure_every16th.csv"
LAYER_MM = 0.2
THICK = ("device.base_thickness_mm=8", "device.forefoot_thickness_mm=8")
INSET_MM = 3.0           # the zone's edge, where the infill lines of two zones meet, is left out


def _sets(*fields):
    return [a for f in fields for a in ("--set", f)]


def _slice(plate: Path, bed, out: Path) -> np.ndarray:
    bx, by = bed
    gcode = out / (plate.stem + ".gcode")
    r = subprocess.run(["prusa-slicer", "--export-gcode", "--dont-arrange", "--skirts", "0", "--layer-height", str(LAYER_MM),
                        "--first-layer-height", str(LAYER_MM), "--bed-shape", f"0x0,{bx:g}x0,{bx:g}x{by:g},0x{by:g}",
                        "--output", str(gcode), str(plate)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and gcode.is_file(), r.stdout[-2000:] + r.stderr[-2000:]
    return extrusions(gcode.read_text())


def _zone_densities(record: dict, folder: Path, tmp: Path) -> list[tuple[str, float, float]]:
    """(zone, prescribed %, extruded %) for every zone of every device, from the sliced plates:
    the infill's plastic per unit area per layer over the layers where the whole device is
    sparse infill (above the bottom skin, below the top skin), inside the zone less a margin."""
    out = []
    bed = record["printing"]["bed_mm"][:2]
    for plate in record["printing"]["plates"]:
        moves = _slice(folder / plate["file"], bed, tmp)
        heights = np.round(moves[:, 4], 3)
        layers = [moves[heights == z] for z in np.unique(heights) if 1.5 <= z <= 6.0]
        assert len(layers) >= 15
        # each extrusion counted where its middle lies: infill moves are short beside a zone
        middles = [0.5 * (m[:, 0:2] + m[:, 2:4]) for m in layers]
        for placed in plate["devices"]:
            side = placed["side"]
            c, s = np.cos(np.radians(placed["turn_deg"])), np.sin(np.radians(placed["turn_deg"]))

            def to_bed(xy, side=side, c=c, s=s, placed=placed):
                xy = xy * [1.0, -1.0 if side == "left" else 1.0]
                return np.column_stack([c * xy[:, 0] - s * xy[:, 1] + placed["x_mm"], s * xy[:, 0] + c * xy[:, 1] + placed["y_mm"]])
            for zone in record["zones"]["zones"]:
                area = shapely.transform(shapely.from_wkt(zone["outline_wkt"]).buffer(-INSET_MM), to_bed)
                if area.area < 100:
                    continue
                shapely.prepare(area)
                shares = [float(np.sum(m[shapely.contains_xy(area, mid[:, 0], mid[:, 1]), 5])) / (area.area * LAYER_MM)
                          for m, mid in zip(layers, middles)]
                out.append((f"{side} {zone['zone']}", zone["infill_pct"], 100.0 * float(np.mean(shares))))
    return out


@pytest.mark.slow
def test_regions_print_at_their_density_on_each_printers_plates(tmp_path):
    folder = tmp_path / "case"
    r = run("design", "--name", "z", "--printer", "prusa-mk4", "--out", folder, "-q",
            *_sets(*THICK, "zones.layout=regions", "zones.heel_infill_pct=25", "zones.arch_infill_pct=45",
                   "zones.forefoot_infill_pct=15"))
    assert r.returncode == 0, r.stderr
    record = json.loads((folder / "z.json").read_text())
    found = _zone_densities(record, folder, tmp_path)
    assert {name for name, _, _ in found} == {f"{s} {z}" for s in ("left", "right") for z in ("heel", "arch", "forefoot")}
    for name, prescribed, extruded in found:
        assert extruded == pytest.approx(prescribed, rel=0.15), (name, prescribed, extruded)


@pytest.mark.slow
def test_pressure_bands_and_soft_offload_sites_from_the_real_recording(tmp_path):
    folder = tmp_path / "case"
    r = run("design", REAL, "--pitch-mm", "5.7", "--name", "p", "--out", folder, "-q", "--side", "left",
            *_sets(*THICK, "zones.layout=pressure", "zones.bands=3", "zones.soft_infill_pct=10", "zones.firm_infill_pct=40",
                   "offload.above_percentile=95", "offload.depth_mm=1", "zones.offload_infill_pct=8"))
    assert r.returncode == 0, r.stderr
    record = json.loads((folder / "p.json").read_text())
    zones = {z["zone"]: z for z in record["zones"]["zones"]}
    assert {"pressure band 1 of 3", "pressure band 3 of 3"} <= set(zones) and any(n.startswith("offload pressure") for n in zones)
    assert zones["pressure band 3 of 3"]["infill_pct"] == 10 and zones["pressure band 1 of 3"]["infill_pct"] == 40
    found = _zone_densities(record, folder, tmp_path)
    assert len(found) >= 3
    for name, prescribed, extruded in found:
        assert extruded == pytest.approx(prescribed, rel=0.15), (name, prescribed, extruded)
    # accommodative: the band the foot pressed hardest is the softest, and reads so
    assert zones["pressure band 3 of 3"]["stiffness_kpa_per_mm"] < zones["pressure band 1 of 3"]["stiffness_kpa_per_mm"]


def test_zones_leave_the_stl_and_the_devices_shape_alone(tmp_path):
    foot = insolegen.foot_from_size("EU42")
    plain, _ = resolve_prescription("neutral", [])
    zoned, _ = resolve_prescription("neutral", ["zones.layout=regions"])
    a, b = (insolegen.design(foot, rx, name="s") for rx in (plain, zoned))
    assert a.files["s_left.stl"] == b.files["s_left.stl"] and a.files["s_right.stl"] == b.files["s_right.stl"]
    assert b.files["s.3mf"] != a.files["s.3mf"]
    b.save(tmp_path)
    found, _ = measure_file(tmp_path / "s.3mf")              # the modifiers are not read as the device
    assert [m.frame.side for m in found] == ["left", "right"] and all(m.printable for m in found)
    assert found[1].quantities["volume_mm3"] == pytest.approx(a.devices["right"].checks.volume_mm3, rel=1e-3)


def test_functional_zones_hold_the_arch_firm_and_zones_need_what_they_read(tmp_path):
    foot = insolegen.foot_from_size("EU42")
    rx, _ = resolve_prescription("neutral", ["zones.layout=pressure"])
    with pytest.raises(InvalidInput, match="needs a pressure recording"):
        insolegen.design(foot, rx)
    r = run("design", REAL, "--pitch-mm", "5.7", "--out", tmp_path, "-q", "--format", "json",
            *_sets("zones.layout=pressure", "zones.intent=functional", "zones.firm_infill_pct=50"))
    assert r.returncode == 0, r.stderr
    zones = {z["zone"]: z for z in json.loads((tmp_path / f"{REAL.stem}.json").read_text())["zones"]["zones"]}
    assert zones["arch"]["infill_pct"] == 50
    assert shapely.from_wkt(zones["arch"]["outline_wkt"]).intersection(
        shapely.from_wkt(zones["pressure band 1 of 3"]["outline_wkt"])).area < 1.0


def test_the_stiffness_estimate_follows_its_stated_relation():
    # Gibson and Ashby: walls extruded upright scale with density, bending lattices with its square
    assert stiffness_kpa_per_mm(50, "grid", "TPU 95A", 5) == pytest.approx(2 * stiffness_kpa_per_mm(25, "grid", "TPU 95A", 5))
    assert stiffness_kpa_per_mm(50, "gyroid", "TPU 95A", 5) == pytest.approx(4 * stiffness_kpa_per_mm(25, "gyroid", "TPU 95A", 5))
    assert stiffness_kpa_per_mm(25, "gyroid", "TPU 95A", 5) == pytest.approx(26000 * 0.0625 / 5)
    assert stiffness_kpa_per_mm(25, "gyroid", "TPU 85A", 5) < stiffness_kpa_per_mm(25, "gyroid", "TPU 95A", 5)

"""Total-contact devices (`--contour scan`): the top follows the scanned sole of a real scan,
and the prescription stands on it. Everything is measured by casting rays through the meshes
(trimesh), against the scan itself, not against the field the design used."""
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from helpers import run_cli as run
from oracle import bottom_heights, top_heights

from insolegen.device.contour import sole_surface
from insolegen.device.design import design_pair
from insolegen.device.profiles import resolve_prescription
from insolegen.feet.scan3d import read_scan
from insolegen.measure import measure_mesh

DATA = Path(__file__).resolve().parent / "data"
PLANTAR = DATA / "scans" / "techmed3d_plantar_scan.obj"
FLAT_BASE = ("device.base_thickness_mm=3", "device.forefoot_thickness_mm=3")   # the sole seated 3 mm up everywhere


@pytest.fixture(scope="module")
def plantar():
    scan = read_scan(PLANTAR)
    return scan, sole_surface(scan.vertices, scan.faces)


def _device(plantar, *overrides, contour=True):
    scan, sole = plantar
    rx, _ = resolve_prescription(None, list(FLAT_BASE + overrides))
    dev = design_pair(scan.foot, rx, ("right",), sole if contour else None).devices["right"]
    return trimesh.Trimesh(dev.vertices, dev.faces, process=False)


@pytest.fixture(scope="module")
def grid(plantar):
    """Points under the foot, 4 mm apart, 12 mm or more inside the scanned sole, from 30 % of
    the foot length (in front of the heel cup) to 85 % (behind the toe tips)."""
    scan, _ = plantar
    length = scan.foot.length_mm
    xs, ys = np.meshgrid(np.arange(0.30 * length, 0.85 * length, 4.0), np.arange(-80.0, 80.0, 4.0))
    xy = np.column_stack([xs.ravel(), ys.ravel()])
    scanned = trimesh.Trimesh(scan.vertices, scan.faces, process=False)
    sole = bottom_heights(scanned, xy)
    inner = shapely.Polygon(scan.foot.outline).buffer(-12.0)
    keep = np.isfinite(sole) & shapely.contains_xy(inner, xy[:, 0], xy[:, 1]) & (sole < 30.0)
    return xy[keep], sole[keep]


def test_a_total_contact_top_follows_the_scanned_sole(plantar, grid):
    xy, sole = grid
    assert len(xy) > 300
    contact = top_heights(_device(plantar, "arch.fill_frac=1"), xy) - (sole + 3.0)
    flat = top_heights(_device(plantar, "arch.fill_frac=1", contour=False), xy) - (sole + 3.0)
    assert np.nanmedian(np.abs(contact)) < 0.6
    assert np.nanpercentile(np.abs(contact), 90) < 2.0
    # the same prescription without the contour is a different, much worse fit
    assert np.nanmedian(np.abs(flat)) > 3.0 * np.nanmedian(np.abs(contact))


def test_the_arch_fill_scales_the_scanned_midfoot(plantar, grid):
    xy, sole = grid
    scan, _ = plantar
    length = scan.foot.length_mm
    mid = (xy[:, 0] > 0.30 * length) & (xy[:, 0] < 0.58 * length) & (sole > 4.0)
    full = top_heights(_device(plantar, "arch.fill_frac=1"), xy[mid]) - 3.0
    half = top_heights(_device(plantar, "arch.fill_frac=0.5"), xy[mid]) - 3.0
    ratio = float(np.nansum(half * full) / np.nansum(full * full))
    assert ratio == pytest.approx(0.5, abs=0.05)


def test_a_prescribed_arch_height_on_a_scanned_sole(plantar):
    dev = _device(plantar, "arch.height_mm=25")
    measured = measure_mesh(dev.vertices, dev.faces, name="r").quantities
    assert measured["arch_apex_height_mm"] == pytest.approx(25.0, abs=0.5)


def test_posting_cup_and_pad_stand_on_the_sole(plantar):
    bare = _device(plantar, "arch.fill_frac=1", "heel_cup.depth_mm=0")
    dressed = _device(plantar, "arch.fill_frac=1", "heel_cup.depth_mm=12", "rearfoot_post.angle_deg=4",
                      "met_pad.height_mm=5")
    b = measure_mesh(bare.vertices, bare.faces, name="bare").quantities
    d = measure_mesh(dressed.vertices, dressed.faces, name="dressed").quantities
    assert d["rearfoot_post_deg"] - b["rearfoot_post_deg"] == pytest.approx(4.0, abs=0.5)
    assert d["heel_cup_depth_mm"] - b["heel_cup_depth_mm"] == pytest.approx(12.0, abs=1.5)
    scan, _ = plantar
    xs, ys = np.meshgrid(np.arange(140.0, 215.0, 1.0), np.arange(-30.0, 30.0, 1.0))
    xy = np.column_stack([xs.ravel(), ys.ravel()])
    rise = top_heights(dressed, xy) - top_heights(bare, xy)
    assert np.nanmax(rise) == pytest.approx(5.0, abs=0.5)


def test_the_cli_records_the_deviation_region_by_region(tmp_path):
    r = run("design", PLANTAR, "--contour", "scan", "--set", "arch.fill_frac=1", "--out", tmp_path, "--json", "-q")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "techmed3d_plantar_scan.json").read_text())
    assert record["inputs"]["contour"] == "scan"
    regions = record["contour"]["deviation_by_region"]
    assert set(regions) == {"heel", "midfoot_medial", "midfoot_lateral", "forefoot", "toes"}
    # under the foot the device meets the sole; the heel region holds the cup
    assert abs(regions["forefoot"]["mean_mm"]) < 1.5 and abs(regions["midfoot_lateral"]["mean_mm"]) < 1.5
    assert regions["heel"]["max_mm"] > 5.0
    # the fit under the foot, apart from the rim where the side turns up (the Techmed scan's toes)
    for region in ("forefoot", "midfoot_lateral"):
        inner, rim = regions[region]["interior"], regions[region]["rim"]
        assert inner["rms_mm"] < 1.0 and inner["cells_1mm2"] + rim["cells_1mm2"] == regions[region]["cells_1mm2"]
    assert regions["toes"]["rim"]["min_mm"] < regions["toes"]["interior"]["min_mm"]
    assert record["prescribed_vs_measured"]["bare_sole_device"]["quantities"]["heel_cup_depth_mm"] > 0


def test_contour_scan_needs_a_3d_scan(tmp_path):
    r = run("design", DATA / "dupontgu_left_sole_outline.csv", "--contour", "scan", "--out", tmp_path)
    assert r.returncode == 1 and "not a 3D scan" in r.stderr
    r = run("design", "--size", "EU42", "--contour", "scan", "--out", tmp_path)
    assert r.returncode == 1 and "give a 3D scan" in r.stderr
    r = run("design", PLANTAR, "--contour", "foam", "--out", tmp_path)
    assert r.returncode == 2 and "--contour" in r.stderr and "'flat', 'scan'" in r.stderr
    assert not any(tmp_path.iterdir())


def test_a_left_scans_record_shows_the_left_device():
    """The scanned foot is a left one: the record's prescribed-vs-measured (which the console
    summary and the report print) is the left device's, measured as a left insole."""
    from insolegen.case import CaseRequest, design_case

    scan = Path(__file__).parent / "data" / "scans" / "dupontgu_left_foot.stl"
    record = design_case(CaseRequest(foot_file=scan, contour="scan", formats="json")).record
    assert record["inputs"]["sides"] == ["left", "right"]
    verified = record["prescribed_vs_measured"]
    assert verified["device"] == "left" and verified["measurement"]["side"] == "left"

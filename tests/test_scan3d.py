"""3D foot scans in (issue 4, first part): real scans made by other people, in any placement,
with a floor plate, holes or flipped faces; and the insole designed from a scan."""
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from helpers import run_cli as run

from insolegen.errors import InvalidInput
from insolegen.feet.scan3d import read_scan

SCANS = Path(__file__).resolve().parent / "data" / "scans"
WHOLE = SCANS / "dupontgu_left_foot.stl"        # README: a left foot, about 275 mm long, 109 mm wide
PLANTAR = SCANS / "techmed3d_plantar_scan.obj"  # README: 274 x 105 x 40 mm with its rim; looks like a right foot


@pytest.fixture(scope="module")
def whole():
    return read_scan(WHOLE)


def test_a_whole_foot_scan_in_metres(whole):
    foot = whole.foot
    assert whole.info["units"] == "m" and whole.info["kind"] == "whole foot"
    assert foot.side == "left" and foot.side_confidence > 0.9
    assert foot.length_mm == pytest.approx(275.0, abs=5.0)
    assert 95.0 < foot.measures["ball_width"].value < 112.0
    assert 10.0 < foot.arch.height_mm < 30.0 and 0.35 < foot.arch.apex_mm / foot.length_mm < 0.6
    assert whole.footprint is not None                 # the scan stood on the ground: a footprint


def test_an_open_plantar_scan_with_a_rim():
    scan = read_scan(PLANTAR)
    assert scan.info["units"] == "mm" and scan.info["kind"] == "plantar surface"
    assert scan.foot.side == "right"
    assert 260.0 < scan.foot.length_mm <= 274.0           # the rim is not the foot
    assert scan.foot.measures["ball_width"].value < 105.0


def _moved(mesh, seed, flip=False):
    m = mesh.copy()
    turn = trimesh.transformations.random_rotation_matrix(np.random.default_rng(seed).random(3))
    if flip:
        turn = turn @ trimesh.transformations.rotation_matrix(np.pi, [1.0, 0.0, 0.0])
    turn[:3, 3] = [0.3, -0.2, 0.5]
    m.apply_transform(turn)
    return m


@pytest.mark.parametrize("seed, flip", [(1, False), (2, True), (3, True)])
def test_any_placement_gives_the_same_foot(whole, tmp_path, seed, flip):
    path = tmp_path / "moved.stl"
    _moved(trimesh.load(WHOLE, process=False), seed, flip).export(path)
    foot = read_scan(path).foot
    assert foot.side == "left"
    assert foot.length_mm == pytest.approx(whole.foot.length_mm, abs=1.5)
    assert foot.measures["ball_width"].value == pytest.approx(whole.foot.measures["ball_width"].value, abs=1.5)


def test_a_floor_plate_holes_and_flipped_faces_are_not_the_foot(whole, tmp_path):
    mesh = trimesh.load(WHOLE, process=True)
    faces = mesh.faces.copy()
    faces[::9] = faces[::9, ::-1]                             # flipped normals
    faces = np.delete(faces, np.arange(200, 260), axis=0)     # holes
    foot = trimesh.Trimesh(mesh.vertices, faces, process=False)
    (x0, y0, z0), (x1, y1, _) = mesh.bounds
    plate = trimesh.creation.box([x1 - x0 + 0.06, y1 - y0 + 0.06, 0.004])
    plate.apply_translation([(x0 + x1) / 2, (y0 + y1) / 2, z0 - 0.0025])
    path = tmp_path / "with_plate.stl"
    trimesh.util.concatenate([foot, plate]).export(path)
    scan = read_scan(path)
    assert any("plate" in w for w in scan.foot.warnings)
    assert scan.foot.side == "left"
    assert scan.foot.length_mm == pytest.approx(whole.foot.length_mm, abs=1.5)


def test_things_that_are_not_feet_are_refused(tmp_path):
    cube = tmp_path / "cube.stl"
    trimesh.creation.box([100.0, 100.0, 100.0]).export(cube)
    slab = tmp_path / "slab.stl"
    trimesh.creation.box([260.0, 100.0, 3.0]).export(slab)
    empty = tmp_path / "empty.obj"
    empty.write_text("")
    for path in (cube, slab, empty):
        with pytest.raises(InvalidInput):
            read_scan(path)


def test_scan_command_writes_an_outline_to_design_from(tmp_path):
    r = run("scan", WHOLE, "--json", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["side"] == "left" and record["arch_measurements"]["height_mm"] > 10
    outline = tmp_path / "dupontgu_left_foot_outline.json"
    assert outline.exists() and (tmp_path / "dupontgu_left_foot_outline.svg").exists()
    d = run("design", outline, "--out", tmp_path / "out", "--json", "--set", "arch.fill_frac=0.8")
    assert d.returncode == 0, d.stderr
    rec = json.loads(d.stdout)
    assert rec["foot"]["side"] == "left"
    assert rec["foot"]["measures"]["length"]["value_mm"] == pytest.approx(record["measures"]["length"]["value_mm"], abs=0.5)


def test_an_insole_from_a_scan_fits_the_scan_outline_plus_offset(whole, tmp_path):
    """Designed from the scan with a 2 mm offset, measured from the mesh: inside the scan's
    sole outline grown by 2 mm, and its arch is the prescribed share of the scanned arch."""
    from insolegen.case import CaseRequest, design_case

    result = design_case(CaseRequest(foot_file=WHOLE, overrides=("device.outline_offset_mm=2", "arch.fill_frac=0.8"),
                                     sides=("left",), formats="stl"))
    mesh = trimesh.load(trimesh.util.wrap_as_stream(result.files[f"{result.name}_left.stl"]), file_type="stl")
    allowed = shapely.Polygon(whole.foot.outline * [1.0, -1.0]).buffer(2.0 + 0.05)
    assert shapely.contains_xy(allowed, mesh.vertices[:, 0], mesh.vertices[:, 1]).all()
    apex = result.record["prescribed_vs_measured"]["checks"]
    arch = next(c for c in apex if c["quantity"] == "arch_apex_height_mm")
    assert arch["measured"] == pytest.approx(0.8 * whole.foot.arch.height_mm, abs=0.5)


def test_clinical_indices_from_the_scans_footprint(whole):
    from insolegen.outputs.scan_report import scan_record

    indices = scan_record(whole)["indices"]
    ai = indices["arch_index"]
    assert 0.0 < ai["value"] < 0.5 and ai["class"] in ("high arch", "normal", "flat")
    assert ai["class"] == ("high arch" if ai["value"] <= 0.21 else "flat" if ai["value"] >= 0.26 else "normal")
    assert 0.0 <= indices["chippaux_smirak_index"]["value"] <= 100.0
    assert 0.0 <= indices["staheli_index"]["value"] < 2.0
    assert 0.2 < indices["arch_height_index"]["value"] < 0.5          # dorsum at mid-foot over heel-to-MTP1
    for index in indices.values():
        if isinstance(index, dict):
            assert index["definition"] and index["source"] and index["reference"]


def test_indices_of_a_drawn_flat_and_a_drawn_high_arched_footprint():
    """Footprints of known shape: a rectangle-like foot (flat: the middle third carries a third of
    the area) and one whose midfoot is a thin strip (high arch)."""
    from insolegen.feet.footshape import foot_from_size
    from insolegen.feet.indices import footprint_indices

    foot = foot_from_size("EU42")
    length = foot.length_mm
    flat = shapely.box(0.0, -45.0, length, 45.0)
    high = shapely.union_all([shapely.box(0.0, -30.0, 0.33 * length, 30.0), shapely.box(0.3 * length, -45.0, 0.4 * length, -40.0),
                              shapely.box(0.38 * length, -45.0, 0.35 * length + 120.0, -35.0),
                              shapely.box(0.62 * length, -50.0, length, 50.0)])
    assert footprint_indices(flat, foot)["arch_index"]["class"] == "flat"
    assert footprint_indices(high, foot)["arch_index"]["class"] == "high arch"
    assert footprint_indices(flat, foot)["staheli_index"]["value"] == pytest.approx(1.0, abs=0.01)


def test_a_plate_joined_to_the_foot_is_refused_not_taken_for_the_sole(tmp_path):
    mesh = trimesh.load(WHOLE, process=True)
    lowest = mesh.vertices[np.argmin(mesh.vertices[:, 2])]
    (x0, y0, z0), (x1, y1, _) = mesh.bounds
    plate = trimesh.creation.box([x1 - x0 + 0.06, y1 - y0 + 0.06, 0.004])
    plate.apply_translation([(x0 + x1) / 2, (y0 + y1) / 2, z0 - 0.002])
    corners = plate.vertices.copy()
    top = np.flatnonzero(corners[:, 2] > z0 - 1e-9)
    corners[top[np.argmin(np.linalg.norm(corners[top, :2] - lowest[:2], axis=1))]] = lowest   # one shared vertex: one body
    path = tmp_path / "joined.stl"
    trimesh.util.concatenate([mesh, trimesh.Trimesh(corners, plate.faces, process=False)]).export(path)
    with pytest.raises(InvalidInput, match="plate joined to the foot"):
        read_scan(path)


def test_the_binary_stl_reader_gives_trimeshs_triangles():
    from insolegen.measure.load import load_mesh_file

    ours = load_mesh_file(WHOLE, units="m").parts[0]
    theirs = trimesh.load(WHOLE, process=False)
    assert np.allclose(ours.vertices[ours.faces], theirs.vertices[theirs.faces] * 1000.0, atol=1e-6)

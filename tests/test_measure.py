"""`insolegen measure`: an independent oracle. Measured on insoles of another make (built here by
tests/foreign.py, placed at random, in other units and formats), on our own designs (property
test: every prescribed quantity within its tolerance), on broken meshes and on things that are
not insoles."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh
from foreign import random_pose, ring_insole
from helpers import run_cli as run
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from insolegen.errors import InvalidInput
from insolegen.measure import measure_file

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
DESIGN_MODULES = ("insolegen.device.design", "insolegen.device.surface", "insolegen.device.plan", "insolegen.device.mesh", "insolegen.device.prescription",
                  "insolegen.device.profiles", "insolegen.case", "insolegen.feet.foot", "insolegen.feet.footshape", "insolegen.device.verify")


def test_measure_imports_none_of_the_design_code(tmp_path):
    path = tmp_path / "slab.stl"
    trimesh.creation.box([250.0, 90.0, 4.0]).export(path)
    code = ("import sys, insolegen.measure as m; m.measure_file(sys.argv[1]); "
            "print(sorted(k for k in sys.modules if k.startswith('insolegen')))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)
    assert "insolegen.measure.core" in loaded
    assert not [m for m in loaded if m in DESIGN_MODULES]


# ---- an insole of another make, from the real scan outline ----------------------------------

POST_DEG, BASE_MM, ARCH_MM = 5.0, 4.0, 14.0


@pytest.fixture(scope="module")
def foreign_left():
    """A left insole from the real dupontgu scan outline, in its own canonical frame (heel at
    x = 0, medial -y): 4 mm base, a 14 mm medial arch bump, a 5 degree varus heel wedge."""
    from insolegen.feet.foot import foot_from_points

    raw = np.loadtxt(ROOT / "tests" / "data" / "dupontgu_left_sole_outline.csv", delimiter=",", skiprows=1) * 1000.0
    foot = foot_from_points(raw, side="left")
    # insolegen keeps every foot outline right-like (medial +y); the left foot itself is the mirror
    outline = shapely.Polygon(foot.outline * [1.0, -1.0]).buffer(0).exterior
    outline = np.asarray(shapely.segmentize(outline, 2.0).coords)[:-1]
    if shapely.Polygon(outline).exterior.is_ccw is False:
        outline = outline[::-1]
    length = np.ptp(outline[:, 0])
    medial = -outline[:, 1]
    heel_low = medial[outline[:, 0] < 0.3 * length].min()

    def top(xy):
        x, m = xy[:, 0], -xy[:, 1]
        fade = np.clip((0.32 * length - x) / (0.10 * length), 0.0, 1.0)
        wedge = np.tan(np.radians(POST_DEG)) * (m - heel_low) * fade
        arch = ARCH_MM * np.exp(-((x - 0.42 * length) / (0.09 * length)) ** 2) * np.clip((m + 10.0) / 30.0, 0.0, 1.0)
        return BASE_MM + wedge + arch

    mesh = ring_insole(outline, top)
    assert mesh.is_watertight and mesh.volume > 0
    return mesh, outline


def _truth_arch(mesh, length):
    top = mesh.vertices[: len(mesh.vertices) // 2]
    mid = (top[:, 0] > 0.3 * length) & (top[:, 0] < 0.6 * length)
    return top[mid, 2].max()


@pytest.mark.parametrize("fmt, units, seed", [("stl", "m", 1), ("ply", "mm", 2), ("obj", "m", 3), ("stl_ascii", "mm", 4)])
def test_an_insole_of_another_make_in_any_pose_units_and_format(foreign_left, tmp_path, fmt, units, seed):
    mesh, outline = foreign_left
    placed = random_pose(mesh, seed)
    placed.apply_scale(0.001 if units == "m" else 1.0)
    path = tmp_path / f"other.{fmt.split('_')[0]}"
    if fmt == "stl_ascii":
        path.write_text(trimesh.exchange.stl.export_stl_ascii(placed))
    else:
        placed.export(path)
    (m,), info = measure_file(path)
    q = m.quantities
    assert info["units"] == units
    assert m.frame.side == "left" and m.frame.confidence["side"] > 0.5
    rect = shapely.minimum_rotated_rectangle(shapely.Polygon(outline))
    sides = sorted(np.linalg.norm(np.diff(np.asarray(rect.exterior.coords)[:3], axis=0), axis=1))
    assert q["length_mm"] == pytest.approx(sides[1], abs=0.5)
    assert q["width_mm"] == pytest.approx(sides[0], abs=0.5)
    assert q["arch_apex_height_mm"] == pytest.approx(_truth_arch(mesh, np.ptp(outline[:, 0])), abs=0.5)
    assert q["rearfoot_post_deg"] == pytest.approx(POST_DEG, abs=0.5)
    assert q["forefoot_post_deg"] == pytest.approx(0.0, abs=0.5)
    assert q["forefoot_thickness_mm"] == pytest.approx(BASE_MM, abs=0.2)
    assert q["heel_cup_depth_mm"] == pytest.approx(0.0, abs=1.0)
    assert q["min_thickness_mm"] == pytest.approx(BASE_MM, abs=0.2)
    assert q["volume_mm3"] == pytest.approx(mesh.volume, rel=1e-6)
    assert m.state.watertight and m.state.bodies == 1 and m.state.self_intersections == 0
    assert m.printable and not m.warnings


def test_measure_cli_json_and_exit_status(foreign_left, tmp_path):
    mesh, _ = foreign_left
    path = tmp_path / "other.stl"
    mesh.export(path)
    r = run("measure", path, "--json", "--material", "pa12")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["side"] == "left" and doc["printable"] is True
    assert doc["mass_g"] == pytest.approx(mesh.volume / 1000 * 1.01, rel=1e-3)
    small = run("measure", path, "--printer", "formlabs-fuse1")       # 165 mm bed: a full insole does not fit
    assert small.returncode == 1 and "does not fit the build volume" in small.stdout


# ---- broken meshes: measured on the main body, with warnings ------------------------------

def _broken(mesh, how):
    v, f = mesh.vertices.copy(), mesh.faces.copy()
    if how == "degenerate":
        f = np.vstack([f, [[f[0, 0], f[0, 1], f[0, 1]]], [[0, 1, 1]]])
    elif how == "fragments":
        bits = [trimesh.creation.box([0.5, 0.5, 0.5]).apply_translation(p)
                for p in np.random.default_rng(0).uniform([0, -40, 30], [250, 40, 60], (300, 3))]
        joined = trimesh.util.concatenate([trimesh.Trimesh(v, f, process=False), *bits])
        v, f = joined.vertices, joined.faces
    elif how == "inverted":
        f = f[:, ::-1]
    elif how == "flipped":
        f[::7] = f[::7, ::-1]
    elif how == "holes":
        f = np.delete(f, np.arange(100, 140), axis=0)
    return trimesh.Trimesh(v, f, process=False)


@pytest.mark.parametrize("how, warning", [
    ("degenerate", "degenerate faces"), ("fragments", "300 disconnected fragments"),
    ("inverted", "normals pointed inward"), ("flipped", "winding was inconsistent"), ("holes", "holes"),
])
def test_broken_meshes_are_measured_on_their_main_body_with_warnings(foreign_left, tmp_path, how, warning):
    mesh, _ = foreign_left
    path = tmp_path / "broken.stl"
    _broken(mesh, how).export(path)
    (m,), _ = measure_file(path)
    assert any(warning in w for w in m.warnings), m.warnings
    assert m.frame.side == "left"
    assert m.quantities["rearfoot_post_deg"] == pytest.approx(POST_DEG, abs=0.5)
    assert m.quantities["volume_mm3"] == pytest.approx(mesh.volume, rel=0.01)
    if how in ("fragments", "flipped", "holes", "inverted"):
        assert not m.printable and m.reasons


def test_self_intersections_are_counted(foreign_left, tmp_path):
    mesh, _ = foreign_left
    other = mesh.copy()
    other.apply_translation([20.0, 5.0, 1.0])
    path = tmp_path / "crossing.stl"
    trimesh.util.concatenate([mesh, other]).export(path)
    (m,), _ = measure_file(path)
    assert m.state.self_intersections > 0 and m.state.bodies == 2
    assert any("cross each other" in r for r in m.reasons)


# ---- not insoles: a clear error and exit 1, never a traceback -------------------------------

def _not_insoles(tmp_path):
    cube = tmp_path / "cube.stl"
    trimesh.creation.box([100.0, 100.0, 100.0]).export(cube)
    empty = tmp_path / "empty.stl"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.stl"
    truncated.write_bytes(trimesh.creation.box([200.0, 80.0, 5.0]).export(file_type="stl")[:400])
    png = tmp_path / "picture.stl"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    garbage = tmp_path / "garbage.ply"
    garbage.write_bytes(bytes(range(256)) * 4)
    return {cube: "not an insole", empty: "empty", truncated: "truncated", png: "PNG",
            garbage: "could not be read as PLY",
            DATA / "scans" / "dupontgu_left_foot.stl": "not an insole",
            DATA / "scans" / "FIND_template_foot.obj": "not an insole"}


def test_things_that_are_not_insoles_are_refused_clearly(tmp_path):
    for path, expected in _not_insoles(tmp_path).items():
        r = run("measure", path)
        assert r.returncode == 1, (path, r.stdout, r.stderr)
        assert expected in r.stderr and "Traceback" not in r.stderr, (path, r.stderr)
        with pytest.raises(InvalidInput):
            measure_file(path)


# ---- our own designs, measured from the files: every prescribed quantity as prescribed --------

def _amount(draw, lo, hi):
    return draw(st.one_of(st.just(0.0), st.floats(lo, hi)))


@st.composite
def prescriptions(draw):
    o = {
        "device.length": draw(st.sampled_from(["full", "sulcus", "three_quarter"])),
        "device.mode": draw(st.sampled_from(["solid", "shell"])),
        "device.outline_offset_mm": draw(st.floats(-3, 6)),
        "device.base_thickness_mm": draw(st.floats(2, 6)),
        "arch.height_mm": draw(st.floats(14, 38)),
        "arch.apex_frac": draw(st.one_of(st.just('"navicular"'), st.floats(0.35, 0.5))),
        "heel_cup.depth_mm": draw(st.floats(0, 28)),
        "rearfoot_post.angle_deg": _amount(draw, -8, 8),
        "heel_lift.height_mm": _amount(draw, 0, 6),
        "met_pad.height_mm": _amount(draw, 1, 8),
        "lateral_arch.height_mm": _amount(draw, 0, 6),
        "accommodations.medial_flange_mm": _amount(draw, 0, 12),
        "accommodations.lateral_flange_mm": _amount(draw, 0, 12),
        "medial_skive.depth_mm": _amount(draw, 0, 6),
    }
    if o["device.length"] != "three_quarter":
        o["forefoot_post.angle_deg"] = _amount(draw, -8, 8)
        o["device.forefoot_thickness_mm"] = draw(st.floats(2, 6))
    else:                       # a pad behind the three-quarter trim (one nearer the heads is refused)
        o["met_pad.offset_mm"] = draw(st.floats(35, 40))   # the 2nd-3rd heads stand 9-13 mm ahead of the 1st-5th line
    if draw(st.booleans()):
        o["rearfoot_post.kind"] = '"extrinsic"'
        o["rearfoot_post.motion_grind_deg"] = _amount(draw, 0, 25)
    return o


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          derandomize=True, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(o=prescriptions(), size=st.integers(35, 48), width=st.sampled_from(["narrow", "medium", "wide"]),
       side=st.sampled_from(["left", "right"]))
def test_designed_insoles_measure_as_prescribed(tmp_path, o, size, width, side):
    from insolegen.case import CaseRequest, design_case

    overrides = tuple(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in o.items())
    try:
        result = design_case(CaseRequest(size=f"EU{size}", width=width, overrides=overrides, sides=(side,), formats="stl"))
    except InvalidInput as exc:   # an arch lower than what lies under it: the one refusal allowed here
        assert "below the device's own height" in str(exc) or "above the arch's own apex" in str(exc)
        return
    path = tmp_path / f"{side}.stl"
    path.write_bytes(result.files[f"{result.name}_{side}.stl"])
    (m,), _ = measure_file(path)
    q = m.quantities
    assert m.frame.side == side and m.printable

    outline = np.array(result.record["derived"]["device_outline_mm"])
    rect = shapely.minimum_rotated_rectangle(shapely.Polygon(outline))
    sides = sorted(np.linalg.norm(np.diff(np.asarray(rect.exterior.coords)[:3], axis=0), axis=1))
    assert q["length_mm"] == pytest.approx(sides[1], abs=0.5)
    assert q["width_mm"] == pytest.approx(sides[0], abs=0.5)
    assert q["arch_apex_height_mm"] == pytest.approx(o["arch.height_mm"], abs=0.5)
    # beside each other, from the file alone (no foot length given: estimated from the insole)
    assert q["heel_cup_depth_mm"] == pytest.approx(o["heel_cup.depth_mm"], abs=1.0)
    assert q["rearfoot_post_deg"] == pytest.approx(o["rearfoot_post.angle_deg"], abs=0.5)
    assert q["heel_seat_height_mm"] == pytest.approx(o["device.base_thickness_mm"] + o["heel_lift.height_mm"], abs=0.2)
    assert q["medial_skive_depth_mm"] == pytest.approx(o["medial_skive.depth_mm"], abs=0.5)
    if o["device.length"] == "three_quarter":
        assert q["forefoot_post_deg"] is None
        return
    assert q["forefoot_post_deg"] == pytest.approx(o["forefoot_post.angle_deg"], abs=0.5)
    assert q["forefoot_thickness_mm"] == pytest.approx(o["device.forefoot_thickness_mm"], abs=0.2)
    if o["met_pad.height_mm"]:
        assert q["met_pad_height_mm"] == pytest.approx(o["met_pad.height_mm"], abs=0.5)


# ---- the design keeps the measurement, and refuses a device that misses ----------------------

def test_the_design_record_holds_prescribed_beside_measured():
    from helpers import designed

    result, _ = designed(overrides=("arch.height_mm=28", "heel_cup.depth_mm=16", "rearfoot_post.angle_deg=5",
                                    "met_pad.height_mm=4"))
    section = result.record["prescribed_vs_measured"]
    by_name = {c["quantity"]: c for c in section["checks"]}
    assert {"arch_apex_height_mm", "heel_cup_depth_mm", "rearfoot_post_deg", "met_pad_height_mm", "length_mm"} <= set(by_name)
    assert all(c["ok"] for c in section["checks"])
    assert by_name["arch_apex_height_mm"]["compared"] and by_name["arch_apex_height_mm"]["prescribed"] == 28.0
    # a posted seat is compared at the post's pivot, where it stands at the base's thickness
    assert by_name["heel_seat_height_mm"]["compared"] and by_name["heel_seat_height_mm"]["prescribed"] == 3.0
    assert by_name["medial_skive_depth_mm"]["compared"] and abs(by_name["medial_skive_depth_mm"]["measured"]) < 0.3
    assert section["measurement"]["side"] == "right"


def test_a_device_that_misses_its_prescription_is_not_written(monkeypatch, tmp_path):
    """Break the geometry on purpose (the arch 2 mm too high): the measurement catches it, the
    command names the quantity, exits 1 and writes nothing."""
    from typer.testing import CliRunner

    import insolegen.device.surface as surface
    from insolegen.cli import app

    solve = surface.solve_arch_amplitude
    monkeypatch.setattr(surface, "solve_arch_amplitude", lambda plan, c: solve(plan, c) + 2.0)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["design", "--set", "arch.height_mm=20", "--out", str(out)])
    assert r.exit_code == 1
    assert "arch_apex_height_mm measures 22.00, prescribed 20.00" in r.output
    assert not out.exists() or not any(out.iterdir())


def test_the_robust_fit_drops_a_bump_and_keeps_the_plane():
    """fit_linear, the fit under every seat, plate and pocket reading: a plane with a raised pad
    on a tenth of it and missing points is fitted to the plane alone (the pad's points dropped),
    and with a column that repeats another it gives lstsq's least-norm answer."""
    from insolegen.geometry.raster import fit_linear

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, (3000, 2))
    z = 1.5 + 0.02 * xy[:, 0] - 0.03 * xy[:, 1] + rng.normal(0, 0.01, 3000)
    pad = np.hypot(*(xy - [60, 40]).T) < 18
    z[pad] += 3.0
    z[::50] = np.nan
    design = np.column_stack([np.ones(len(z)), xy])
    coef, keep = fit_linear(design, z)
    assert coef == pytest.approx([1.5, 0.02, -0.03], abs=2e-3)
    assert not keep[pad].any() and keep[~pad & np.isfinite(z)].mean() > 0.95
    twin = np.column_stack([design, xy[:, 0]])                  # x twice: the columns are dependent
    coef2, keep2 = fit_linear(twin, z)
    expected = np.linalg.lstsq(twin[keep2], z[keep2], rcond=None)[0]
    assert np.array_equal(keep2, keep) and coef2 == pytest.approx(expected, abs=1e-6)


def test_a_wide_forefoot_at_full_width_for_15_mm_reads_as_the_sulcus_device_it_is():
    """A wide EU45 forefoot runs at its full width over 16 mm: the ball is the middle of that
    stretch, not its back, or the sulcus device reads as full length and its plate starts past the
    first ray's step (a 5.1 mm Morton's extension measured 0; found by the 2,000-draw sweep)."""
    from draws import Draw, run_draw

    outcome = run_draw(Draw("EU45", "wide", "right", "pronation-mild", [
        "accommodations.mortons_extension_mm=5.086", "met_pad.height_mm=3.831", "device.forefoot_thickness_mm=3.889",
        "forefoot_post.angle_deg=6.884", 'device.length="sulcus"', "arch.apex_frac=0.369"]))
    assert outcome.status == "verified", outcome.message
    assert abs(outcome.errors["first_ray_step_mm"]) < 0.3

"""Each feature's own rise, place and side, measured on the mesh: the device with the feature
minus the same device without it (tops by ray casting on a 1 mm grid). Then the verification
itself: a quantity pushed just past its tolerance, or not found, refuses the device; and the
files: stored STL normals agree with the winding, an interrupted write keeps the old bytes."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from helpers import designed
from oracle import top_heights

from insolegen import foot_from_size
from insolegen.device.plan import ball_frame
from insolegen.errors import DesignFailed

RIM_MM = 4.0
MAX_SLOPE = 0.35        # tan 19°: steeper is a wall
FOOT = foot_from_size("EU42")          # the foot designed("EU42") makes the devices for
BASE = ("rearfoot_post.angle_deg=0", "forefoot_post.angle_deg=0", "heel_cup.depth_mm=8", "arch.height_mm=15")


def rise(*feature: str):
    """(grid points (n, 2), the feature's rise there) on the right device."""
    _, meshes = designed("EU42", BASE + feature)
    _, bare = designed("EU42", BASE)
    mesh = meshes["right"]
    (x0, y0, _), (x1, y1, _) = mesh.bounds
    # off the mesh's own grid (a ray down a shared edge can pass between two triangles)
    xs, ys = np.meshgrid(np.arange(x0 + 1.137, x1 - 1, 1.0), np.arange(y0 + 1.219, y1 - 1, 1.0))
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    bare_top = top_heights(bare["right"], pts)
    diff = top_heights(mesh, pts) - bare_top
    # away from the rim and off the cup's walls, where a wall's triangulation moves its top by
    # millimetres between two designs
    gy, gx = np.gradient(bare_top.reshape(xs.shape), 1.0)
    gentle = (np.hypot(gx, gy) < MAX_SLOPE).ravel()
    inner = shapely.Polygon(FOOT.outline).buffer(-RIM_MM)
    ok = np.isfinite(diff) & gentle & shapely.contains_xy(inner, pts[:, 0], pts[:, 1])
    return pts[ok], diff[ok]


def _weighted(pts, diff, share=0.5):
    top = diff >= share * diff.max()
    return (diff[top] @ pts[top]) / diff[top].sum()


def test_the_met_bar_stands_its_offset_behind_the_ball_line_across_the_foot():
    pts, diff = rise("met_bar.height_mm=4", "met_bar.offset_mm=10", "met_bar.width_mm=16")
    point, u, n = ball_frame(FOOT)
    assert diff.max() == pytest.approx(4.0, abs=0.4)
    top = diff >= 0.5 * diff.max()
    along = (pts[top] - point) @ n
    assert np.median(along) == pytest.approx(-10.0, abs=2.0)          # proximal: behind the ball line
    across = (pts[top] - point) @ u
    assert np.ptp(across) > 60.0                                       # a bar, across the forefoot


def test_the_met_pad_stands_at_its_offset_behind_the_second_and_third_heads():
    pts, diff = rise("met_pad.height_mm=5", "met_pad.offset_mm=14")
    foot = FOOT
    expected = 0.5 * (foot.landmarks["mth2_head"].xy + foot.landmarks["mth3_head"].xy) - [14.0, 0.0]   # along the foot
    assert diff.max() == pytest.approx(5.0, abs=0.4)
    assert np.linalg.norm(_weighted(pts, diff, 0.8) - expected) < 2.0


@pytest.mark.parametrize("size", ["EU35", "EU42"])
def test_a_met_pad_at_its_largest_offset_is_found_on_the_smallest_foot(size):
    """met_pad.offset_mm allows 40 mm behind the heads: on an EU35 foot that is a sixth of its
    length, and `measure` looked for the pad's dome only 0.18 of it behind the ball (found by
    the sweep: a true pad read 0.00 and the device refused). The rays see the pad's full height at
    its place, and `measure` reads the same."""
    overrides = ("met_pad.height_mm=4", "met_pad.offset_mm=40")
    made, meshes = designed(size, overrides)
    _, bare = designed(size)
    centre = np.array(made.record["derived"]["features"]["met_pad"]["centre_mm"])
    near = centre + np.array([[dx, dy] for dx in np.arange(-3.0, 3.5, 1.0) for dy in np.arange(-3.0, 3.5, 1.0)])
    rise_at_pad = np.nanmax(top_heights(meshes["right"], near) - top_heights(bare["right"], near))
    assert rise_at_pad == pytest.approx(4.0, abs=0.4)
    checks = {c["quantity"]: c for c in made.record["prescribed_vs_measured"]["checks"]}
    assert checks["met_pad_height_mm"]["measured"] == pytest.approx(rise_at_pad, abs=0.5)


def test_the_lateral_arch_is_its_full_height_on_the_lateral_side():
    pts, diff = rise("lateral_arch.height_mm=6")
    foot = FOOT
    assert diff.max() == pytest.approx(6.0, abs=0.5)
    centre = _weighted(pts, diff, 0.8)
    assert centre[1] < foot.landmarks["heel_center"].y - 10.0            # lateral (-y)
    assert centre[0] == pytest.approx(0.62 * foot.landmarks["mth5_head"].x, abs=10.0)


def _split(foot):
    return 0.5 * (foot.landmarks["mth1_head"].y + foot.landmarks["mth2_head"].y)


@pytest.mark.parametrize("field, height, under_first", [
    ("accommodations.mortons_extension_mm", 3.0, True),
    ("accommodations.reverse_mortons_mm", 3.0, False),
    ("accommodations.first_ray_cutout_mm", -2.0, True),
])
def test_first_and_lesser_ray_accommodations_lie_under_their_rays(field, height, under_first):
    pts, diff = rise(f"{field}={abs(height)}")
    foot = FOOT
    ahead = pts[:, 0] > foot.landmarks["mth1_head"].x
    first = ahead & (pts[:, 1] > _split(foot) + 5.0)
    lesser = ahead & (pts[:, 1] < _split(foot) - 5.0)
    changed, unchanged = (first, lesser) if under_first else (lesser, first)
    assert np.median(diff[changed]) == pytest.approx(height, abs=0.5), field
    assert np.abs(np.median(diff[unchanged])) < 0.3, field


@pytest.mark.parametrize("field, medial", [("accommodations.medial_flange_mm", True), ("accommodations.lateral_flange_mm", False)])
def test_flanges_rise_at_their_own_border_of_the_midfoot(field, medial):
    pts, diff = rise(f"{field}=6")
    foot = FOOT
    centre = _weighted(pts, diff, 0.8)
    assert diff.max() > 4.0
    assert (centre[1] > foot.landmarks["heel_center"].y + 20) if medial else (centre[1] < foot.landmarks["heel_center"].y - 20)
    assert foot.landmarks["heel_center"].x < centre[0] < foot.landmarks["mth1_head"].x


# --- the verification refuses what it should ---------------------------------------------------

def _verify_with(monkeypatch, change):
    """Design EU42 with posts, the measurement altered by ``change(quantities)``."""
    import insolegen.measure as measure_pkg
    from insolegen import foot_from_size, load_prescription
    from insolegen.device.design import design_pair
    from insolegen.device.verify import verify_design

    real = measure_pkg.measure_mesh

    def altered(*args, **kwargs):
        m = real(*args, **kwargs)
        change(m.quantities)
        return m

    monkeypatch.setattr(measure_pkg, "measure_mesh", altered)
    # a posted, skived device with a heel pocket and a Morton's extension: every rearfoot and
    # forefoot quantity is compared
    rx = load_prescription("pronation-moderate", ["accommodations.heel_spur_pocket_mm=2",
                                                  "accommodations.mortons_extension_mm=2", "forefoot_post.angle_deg=3"])
    return verify_design(design_pair(foot_from_size("EU42"), rx))


DOCUMENTED = {"arch_apex_height_mm": 0.5, "rearfoot_post_deg": 0.5, "heel_cup_depth_mm": 1.0, "forefoot_post_deg": 0.5,
              "heel_seat_height_mm": 0.2, "medial_skive_depth_mm": 0.5, "heel_pocket_depth_mm": 0.2,
              "forefoot_thickness_mm": 0.2, "first_ray_step_mm": 0.3}      # as the README documents


@pytest.mark.parametrize("quantity", sorted(DOCUMENTED))
def test_a_quantity_just_past_its_tolerance_or_not_found_refuses_the_device(monkeypatch, quantity):
    from insolegen.device.verify import TOLERANCES

    record = _verify_with(monkeypatch, lambda q: None)
    check = next(c for c in record["checks"] if c["quantity"] == quantity)
    assert check["compared"] and check["ok"]
    prescribed, tolerance = check["prescribed"], TOLERANCES[quantity]
    assert tolerance == DOCUMENTED[quantity]
    with pytest.raises(DesignFailed, match=quantity):
        _verify_with(monkeypatch, lambda q: q.__setitem__(quantity, prescribed + 1.05 * tolerance))
    with pytest.raises(DesignFailed, match=f"{quantity} was not found"):
        _verify_with(monkeypatch, lambda q: q.__setitem__(quantity, None))


# --- the files ---------------------------------------------------------------------------------

def test_stored_stl_normals_agree_with_the_winding():
    result, _ = designed("EU42")
    data = result.files[f"{result.name}_right.stl"]
    record = np.frombuffer(data, dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")], offset=84)
    v = record["v"].astype(float)
    winding = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    length = np.linalg.norm(winding, axis=1)
    ok = length > 1e-9
    cos = np.einsum("ij,ij->i", winding[ok] / length[ok, None], record["n"][ok].astype(float))
    assert cos.min() > 0.99


def test_an_interrupted_write_keeps_the_old_bytes_and_leaves_no_temporary(tmp_path, monkeypatch):
    import os

    from insolegen.outputs import export

    target = tmp_path / "case.stl"
    target.write_bytes(b"old bytes")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export.write_atomic(target, b"new bytes, half written")
    assert target.read_bytes() == b"old bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["case.stl"]


def test_bar_lateral_arch_and_flanges_are_compared_as_what_they_add():
    """Each read on the meshes as the rise over the same device made without it: the record
    compares its height (and the bar's crest place), and a bar moved off its place refuses."""
    from insolegen import foot_from_size, load_prescription
    from insolegen.device.design import design_pair
    from insolegen.device.verify import verify_design

    rx = load_prescription("neutral", ["met_bar.height_mm=3", "met_bar.offset_mm=12", "lateral_arch.height_mm=4",
                                       "accommodations.medial_flange_mm=6", "accommodations.lateral_flange_mm=5"])
    checks = {c["quantity"]: c for c in verify_design(design_pair(foot_from_size("EU40"), rx))["checks"]}
    for quantity, prescribed in (("met_bar_rise_mm", 3), ("lateral_arch_rise_mm", 4), ("medial_flange_rise_mm", 6),
                                 ("lateral_flange_rise_mm", 5)):
        assert checks[quantity]["compared"] and checks[quantity]["prescribed"] == prescribed
        assert abs(checks[quantity]["measured"] - prescribed) < 0.5
    assert checks["met_bar_off_place_mm"]["measured"] < 2.0


def test_a_met_bar_built_off_its_place_refuses_the_device(monkeypatch):
    from dataclasses import replace

    import insolegen.device.features as features
    from insolegen import foot_from_size, load_prescription
    from insolegen.device.design import design_pair
    from insolegen.device.verify import verify_design
    from insolegen.geometry.ramps import smoothstep

    def displaced(p, c):              # a planted bug: the crest 5 mm further behind the ball line
        mb = c.rx.met_bar
        s = c.ball_distance(p) + mb.offset_mm + 5.0
        return mb.height_mm * smoothstep(1.0 - np.abs(s) / (mb.width_mm / 2))

    moved = tuple(replace(f, field=displaced) if f.name == "met_bar" else f for f in features.FEATURES)
    monkeypatch.setattr(features, "FEATURES", moved)
    rx = load_prescription("neutral", ["met_bar.height_mm=3", "met_bar.offset_mm=12"])
    with pytest.raises(DesignFailed, match="met_bar_off_place_mm"):
        verify_design(design_pair(foot_from_size("EU40"), rx))


def test_the_heel_pocket_lies_under_the_plantar_fascia_origin():
    """Ahead of and medial to the heel's centre (the fascia's origin on the calcaneal tubercle),
    as ray casting finds it: the deepest part of the device's top below the same device without it."""
    from oracle import grid, top_heights

    result, meshes = designed(size="EU42", overrides=("accommodations.heel_spur_pocket_mm=3", "device.base_thickness_mm=5"))
    _, bare = designed(size="EU42", overrides=("device.base_thickness_mm=5",))
    ctx = result.design.context
    pts = grid((ctx.heel[0] - 30, ctx.heel[0] + 40), (ctx.heel[1] - 30, ctx.heel[1] + 30), 1.0)
    drop = top_heights(bare["right"], pts) - top_heights(meshes["right"], pts)
    deep = pts[drop > 2.5]
    assert len(deep) > 20
    ahead, medial = (deep.mean(axis=0) - ctx.heel)
    assert 0.02 * ctx.length < ahead < 0.06 * ctx.length        # the design puts it 0.04 L ahead
    assert 2.0 < medial < 0.2 * ctx.heel_width                   # ... and 0.1 of the heel's width medial


@pytest.mark.parametrize("feature, key, sign", [("met_pad.height_mm=5", "met_pad", 1), ("met_bar.height_mm=4", "met_bar", 1),
                                                 ("accommodations.heel_spur_pocket_mm=2", "heel_spur_pocket", -1)])
def test_the_record_says_where_each_feature_was_made_and_the_mesh_agrees(feature, key, sign):
    """derived.features, which the pictures and the view draw from, puts each feature where its
    rise on the mesh is largest (the pad's dome, the bar's crest, the pocket's floor)."""
    result, _ = designed("EU42", BASE + (feature,))
    place = result.record["derived"]["features"][key]
    pts, diff = rise(feature)
    top = pts[sign * diff > 0.5 * np.max(sign * diff)]      # where it rises (or sinks) more than half its most
    if key == "met_bar":        # the crest is a line: that band lies along it
        point, direction = np.array(place["crest_point_mm"]), np.array(place["crest_direction"])
        across = (top - point) @ np.array([direction[1], -direction[0]])
        assert abs(np.median(across)) < 2.0, (np.median(across), place)
    else:
        assert np.linalg.norm(top.mean(axis=0) - place["centre_mm"]) < 2.0, (top.mean(axis=0), place)
    bare, _ = designed("EU42", BASE)
    assert key not in bare.record["derived"]["features"]       # an absent feature has no place

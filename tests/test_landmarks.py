"""Landmarks where a clinician puts them: the marker pins in a real foam print (located by our own
code, given their roles), the device built from them, detection with the pins painted out measured
against them, plausibility, and landmarks in the input file's own coordinates."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh
from helpers import painted_out, run_cli, write_implausible_outline
from oracle import top_heights

from insolegen.errors import InvalidInput
from insolegen.feet.foot import HEAD_NAMES, foot_from_points
from insolegen.feet.image import feet_from_image
from insolegen.feet.read import read_foot

ROOT = Path(__file__).resolve().parents[1]
FOAM = ROOT / "tests" / "data" / "footprints" / "greenai_foamprint_56_half.jpg"
FOAM_FULL = ROOT.parent / "shared" / "data" / "footprints" / "greenai_foamprint_56.jpg"
FIND = ROOT / "tests" / "data" / "scans" / "FIND_template_foot.obj"
DESIGN_ROLES = ("heel_center", *HEAD_NAMES, "met_pad_center", "arch_support", "ball_width_medial", "ball_width_lateral")


@pytest.fixture(scope="module")
def pinned():
    return feet_from_image(FOAM)


@pytest.fixture(scope="module")
def unpinned(tmp_path_factory):
    """The same print with every pin painted over by the foam or print around it."""
    path = tmp_path_factory.mktemp("nopins") / "foamprint_no_pins.jpg"
    painted_out(FOAM, path)
    return feet_from_image(path)


def test_every_pin_of_the_scheme_is_found_and_given_its_role(pinned):
    image, feet = pinned
    assert [f.side for f in feet] == ["right", "left"]
    for foot in feet:
        roles = foot.pins["roles"]
        assert set(DESIGN_ROLES) <= set(roles), sorted(roles)
        xy = {k: np.array(v) for k, v in roles.items()}
        # the heads run medial (MTH1) to lateral (MTH5); the met-pad pin stands behind the 2nd-3rd
        assert all(xy[a][1] > xy[b][1] for a, b in zip(HEAD_NAMES, HEAD_NAMES[1:]))
        assert xy["met_pad_center"][0] < min(xy["mth2_head"][0], xy["mth3_head"][0]) - 5.0
        # heel centre between the heel-width pair, arch support on the medial side behind the heads
        assert xy["heel_width_lateral"][1] < xy["heel_center"][1] < xy["heel_width_medial"][1]
        assert xy["arch_support"][1] > 0 and xy["arch_support"][0] < xy["mth1_head"][0]
        # every pin not given a role is reported, never used, in one line per reason
        for pin in foot.pins["unassigned"]:
            at = f"({pin['xy_mm'][0]:.0f}, {pin['xy_mm'][1]:.0f})"
            assert sum("not used" in w and at in w for w in foot.warnings) == 1, foot.warnings
        assert len([w for w in foot.warnings if "not used" in w]) == len({p["why"] for p in foot.pins["unassigned"]})


def test_pinned_landmarks_lie_on_the_pins(pinned):
    """Each landmark a pin gives lies within 1 mm of that pin, in the image's own pixels."""
    image, feet = pinned
    pins_px = np.array([[p.x_px, p.y_px] for p in image.pins])
    for foot in feet:
        for name in ("heel_center", *HEAD_NAMES, "met_pad_center", "navicular"):
            lm = foot.landmarks[name]
            assert lm.how == "clinician pin", name
            source = foot.landmark_source(name)
            assert source["units"] == "px"
            nearest = np.linalg.norm(pins_px - [source["x"], source["y"]], axis=1).min()
            assert nearest / image.px_per_mm < 1.0, (name, nearest)


def test_only_dots_in_the_imprints_region_are_pins():
    """The print's label carries a QR code and the scanner's lid has specks: dark round dots the
    size of a pin, 40 mm and more from either print. They are not pins, so they are not drawn as
    unused pins nor offered a role; the scheme's own pins, up to 9 mm outside a border, are kept."""
    import shapely
    from PIL import Image

    from insolegen.feet.image import read_footprint_image
    from insolegen.feet.pins import NEAR_FOOT_MM, find_pins

    image = read_footprint_image(FOAM)
    prints = shapely.union_all([shapely.Polygon(f.outline_mm) for f in image.feet])

    def distances(pins):
        return np.array([prints.distance(shapely.Point(p.x_px / image.px_per_mm, -p.y_px / image.px_per_mm)) for p in pins])

    with Image.open(FOAM) as picture:
        every_dot = distances(find_pins(picture.convert("RGB"), image.px_per_mm))
    kept = distances(image.pins)
    assert (every_dot > NEAR_FOOT_MM).sum() >= 3              # the QR code's corners and the lid's specks are there
    assert kept.max() <= NEAR_FOOT_MM and len(kept) == (every_dot <= NEAR_FOOT_MM).sum()
    assert (kept > 0).sum() >= 10                             # the scheme's border pins stay


def test_pins_read_the_same_at_twice_the_resolution(pinned, tmp_path):
    """The full-resolution scan of the print where this checkout has ../shared/data beside it,
    else the half-size copy enlarged twice (the same pins at twice the pixels)."""
    _, half = pinned
    source = FOAM_FULL
    if not source.is_file():
        from PIL import Image

        with Image.open(FOAM) as small:
            source = tmp_path / "enlarged.png"
            small.resize((small.size[0] * 2, small.size[1] * 2), Image.BICUBIC).save(source, dpi=(300, 300))
    _, full = feet_from_image(source)
    for a, b in zip(half, full):
        assert set(DESIGN_ROLES) <= set(a.pins["roles"]) & set(b.pins["roles"])
        for role in DESIGN_ROLES:
            assert np.linalg.norm(np.subtract(a.pins["roles"][role], b.pins["roles"][role])) < 1.5, role


def test_the_met_pad_is_made_where_the_clinician_pinned_it(tmp_path):
    r = run_cli("design", FOAM, "--profile", "metatarsalgia", "--out", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / f"{FOAM.stem}.json").read_text())
    for side in ("right", "left"):
        pad = record["per_side_feet"][side]["foot"]["landmarks"]["met_pad_center"]
        assert pad["how"] == "clinician pin"
        pin = np.array([pad["x_mm"], pad["y_mm"]])
        mesh = trimesh.load(tmp_path / f"{FOAM.stem}_{side}.stl")
        if side == "left":
            pin = pin * [1, -1]                       # the left device in its own frame
        xs, ys = np.meshgrid(np.arange(pin[0] - 30, pin[0] + 30, 1.0), np.arange(pin[1] - 25, pin[1] + 25, 1.0))
        pts = np.column_stack([xs.ravel(), ys.ravel()])
        tops = top_heights(mesh, pts)
        ok = np.isfinite(tops)
        # the pad's rise over the forefoot plate (a plane fitted to the ring around the pad)
        ring = ok & (np.linalg.norm(pts - pin, axis=1) > 22)
        a = np.column_stack([pts[ring], np.ones(ring.sum())])
        plane = np.linalg.lstsq(a, tops[ring], rcond=None)[0]
        rise = np.where(ok, tops - np.column_stack([pts, np.ones(len(pts))]) @ plane, -np.inf)
        peak = pts[np.argmax(rise)]
        assert rise.max() > 3.0                        # the profile's pad is there
        assert np.linalg.norm(peak - pin) < 3.0, (side, peak, pin)


def test_detection_without_pins_against_the_clinicians_pins(pinned, unpinned):
    """With the pins painted out, the landmarks come from the outline and proportions; how far
    they land from the clinician's pins (docs/architecture.md's table) — and never further than before."""
    _, with_pins = pinned
    image, without = unpinned
    assert not image.pins and all(f.pins is None for f in without)
    ppm = image.px_per_mm
    for a, b in zip(with_pins, without):
        assert a.side == b.side

        def off(name):
            sa, sb = a.landmark_source(name), b.landmark_source(name)
            return float(np.hypot(sa["x"] - sb["x"], sa["y"] - sb["y"]) / ppm)

        assert b.landmarks["heel_center"].how == "proportion" and b.landmarks["mth1_head"].how == "proportion"
        # the aim is 3 mm (5 for the pad); the heel's prior is the mean of these pins and two scans' reliefs
        # (feet.priors), the others are not fitted to them. MTH5's limit is what this release achieves (docs/architecture.md, "Landmarks")
        assert off("heel_center") < 3.0
        assert off("mth1_head") < 3.0 and off("mth5_head") < 4.0
        assert off("met_pad_center") < 5.0


def test_the_readmes_landmark_table_is_this_releases(pinned, unpinned):
    from landmark_table import README, readme_table, table

    assert readme_table(README.read_text()) == table(pinned, unpinned), \
        "docs/architecture.md's landmark table is out of date: run `python tests/landmark_table.py --write`"


def test_implausible_landmarks_are_refused_unless_accepted(tmp_path):
    swapped = tmp_path / "swapped.json"
    write_implausible_outline(swapped)
    foot = read_foot(swapped)
    assert any("mth5_head stands" in m for m in foot.implausible)
    r = run_cli("design", swapped, "--out", tmp_path / "a")
    assert r.returncode == 1 and "implausible landmarks" in r.stderr and "--accept-foot" in r.stderr
    assert not (tmp_path / "a").exists()
    r = run_cli("design", swapped, "--out", tmp_path / "b", "--accept-landmarks", "-q")    # the old spelling still works
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "b" / "swapped.json").read_text())
    assert record["foot"]["implausible_landmarks"]


def test_given_landmarks_out_of_a_foot_are_refused_with_their_name():
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    outline = np.column_stack([130 * np.cos(t), 45 * np.sin(t)])
    outline[:, 1] *= 1.0 + 0.2 * np.exp(-(((outline[:, 0] - 60.0) / 25.0) ** 2))     # an oval with a ball
    outline = outline + [130, 0]
    with pytest.raises(InvalidInput, match="mth1_head must be two finite numbers"):
        foot_from_points(outline, side="right", given_landmarks={"mth1_head": [np.nan, 1.0]})
    foot = foot_from_points(outline, side="right", given_landmarks={"heel_center": [1e6, 0.0]})
    assert any("heel_center at" in m for m in foot.implausible)


def test_landmarks_are_given_in_the_input_files_own_coordinates(tmp_path):
    """An outline file in cm, turned and moved: each landmark's source is where it is in that file."""
    pts_mm = read_foot(ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv").outline
    angle = np.radians(37.0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    in_file = (pts_mm @ rot.T + [500.0, -80.0]) / 10.0           # cm
    path = tmp_path / "turned.csv"
    np.savetxt(path, in_file, delimiter=",", header="x,y", comments="")
    reference = foot_from_points(pts_mm, side="right")
    foot = read_foot(path, units="cm", side="right")
    for name in ("heel_center", "ball_medial", "mth1_head", "met_pad_center"):
        source = foot.landmark_source(name)
        expected = (reference.to_input(reference.landmarks[name].xy[None])[0] @ rot.T + [500.0, -80.0]) / 10.0
        assert source["units"] == "cm"
        assert np.hypot(source["x"] - expected[0], source["y"] - expected[1]) < 0.05, name   # 0.5 mm


def test_scan_json_and_the_overlay(tmp_path):
    r = run_cli("scan", FOAM, "--json", "--overlay", tmp_path / "overlay.png")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    heel = doc["feet"][0]["landmarks"]["heel_center"]
    assert heel["how"] == "clinician pin" and heel["source"]["units"] == "px" and heel["sd_mm"] == 0.5
    assert [c["what"] for c in heel["cues"] if c["axis"] == "x"] == ["proportion", "clinician pin"]
    assert set(doc["feet"][0]["pins"]["roles"]) >= set(DESIGN_ROLES)
    from PIL import Image

    picture = np.asarray(Image.open(tmp_path / "overlay.png").convert("RGB")).astype(int)
    original = Image.open(FOAM)
    assert picture.shape[1] / picture.shape[0] == pytest.approx(original.size[0] / original.size[1], rel=0.01)
    # the outline is drawn in blue and the pins' rings in green
    blue = (picture[..., 2] > 200) & (picture[..., 0] < 40)
    green = (picture[..., 1] > 150) & (picture[..., 0] < 40) & (picture[..., 2] < 40)
    assert blue.sum() > 2000 and green.sum() > 500
    r = run_cli("scan", FOAM, "--overlay", tmp_path / "overlay.png")
    assert r.returncode == 1 and "exists" in r.stderr
    r = run_cli("scan", FIND, "--overlay", tmp_path / "x.jpg")
    assert r.returncode == 1 and "PNG" in r.stderr


@pytest.mark.parametrize("what, args", [
    ("3D scan", (FIND,)),
    ("pressure plate", (ROOT / "tests" / "data" / "footprints" / "greenai_raw_pressure_every16th.csv", "--pitch-mm", "5.6")),
    ("outline", (ROOT / "examples" / "batch" / "ansur_m_0001" / "right.csv",)),
])
def test_the_overlay_draws_every_landmark_with_its_ellipse_for_every_kind_of_input(tmp_path, what, args):
    """A plantar view: the outline, each landmark's 1-SD ellipse and label in the colour of how it was
    found (a pressure plate's heads by the relief, its arch from the model's outline)."""
    from PIL import Image

    from insolegen.outputs.overlay import HOW_COLOURS

    r = run_cli("scan", *args, "--overlay", tmp_path / "o.png", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    marks = doc["feet"][0]["landmarks"] if "feet" in doc else doc["landmarks"]
    picture = np.asarray(Image.open(tmp_path / "o.png").convert("RGB")).astype(int)
    outline_blue = (np.abs(picture - [80, 160, 255]).sum(axis=-1) < 10).sum()
    assert outline_blue > 1000, what
    for how in {m["how"] for name, m in marks.items() if name in ("heel_center", "mth1_head", "mth5_head", "navicular")}:
        assert (np.abs(picture - HOW_COLOURS[how]).sum(axis=-1) < 10).sum() > 150, (what, how)


def _turn(yaw_deg, tilt_x_deg=0.0, tilt_y_deg=0.0):
    def about(axis, deg):
        c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
        m = np.eye(3)
        i, j = [k for k in range(3) if k != axis]
        m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
        return m
    return about(2, yaw_deg) @ about(0, tilt_x_deg) @ about(1, tilt_y_deg)


def _write_obj(path, vertices, faces):
    with open(path, "w") as fh:
        fh.write("".join(f"v {x:.9f} {y:.9f} {z:.9f}\n" for x, y, z in vertices))
        fh.write("".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in faces))


@pytest.mark.slow
def test_a_scan_reads_the_same_in_any_pose(tmp_path):
    """One real scan, rigidly moved, mirrored, in metres far away, or finer: the same landmarks
    and arch (the pose, the units and the triangulation must not change an answer). The landmarks
    are held to 2 mm in all 13 poses; the arch's start, apex and end (read from the scan's medial
    profile alone) to 2 mm and 0.5 mm for every rigid pose and 4x and 16x the faces, and to what
    this release achieves with a scanner's 0.3 mm noise (docs/architecture.md, "Landmarks")."""
    from insolegen.feet.scan3d import read_scan

    stored = trimesh.load(ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl")
    v, f = stored.vertices * 1000.0, stored.faces
    finer, finest = trimesh.Trimesh(v, f).subdivide(), trimesh.Trimesh(v, f).subdivide().subdivide()
    exact, loose = (2.0, 0.5), (3.0, 1.0)
    poses = {
        "as stored": (v, f, "mm", exact), "turned 37°": (v @ _turn(37).T, f, "mm", exact),
        "turned 143°": (v @ _turn(143).T, f, "mm", exact), "turned 260°": (v @ _turn(260).T, f, "mm", exact),
        "tilted": (v @ _turn(20, 8, -6).T, f, "mm", exact), "tilted 10°": (v @ _turn(200, -10, 10).T, f, "mm", exact),
        "10 km away, in metres": ((v + [1e7, -3e6, 2e5]) / 1000.0, f, "m", exact),
        "mirrored": (v * [-1, 1, 1], f[:, ::-1], "mm", exact), "4 x the faces": (finer.vertices, finer.faces, "mm", exact),
        "16 x the faces": (finest.vertices, finest.faces, "mm", exact),
        **{f"0.3 mm noise ({seed})": (v + np.random.default_rng(seed).normal(0.0, 0.3, v.shape), f, "mm", loose)
           for seed in (1, 2, 3)},
    }
    names = ("heel_center", "ball_medial", "ball_lateral", "mth1_head", "mth5_head", "met_pad_center", "navicular")
    read = {}
    for pose, (vertices, faces, units, _) in poses.items():
        path = tmp_path / f"{len(read)}.obj"
        _write_obj(path, vertices, faces)
        read[pose] = read_scan(path, units).foot
    ref = read["as stored"]
    for pose, foot in read.items():
        within_mm, height_mm = poses[pose][3]
        assert foot.side == ("right" if pose == "mirrored" else "left"), pose
        for name in names:        # the landmarks: within 2 mm in every one of the 13 poses, noise and 16x included
            assert np.linalg.norm(foot.landmarks[name].xy - ref.landmarks[name].xy) < 2.0, (pose, name)
        for part in ("start_mm", "apex_mm", "end_mm"):
            assert abs(getattr(foot.arch, part) - getattr(ref.arch, part)) < within_mm, (pose, part)
        assert abs(foot.arch.height_mm - ref.arch.height_mm) < height_mm, pose


def test_a_non_weight_bearing_scan_is_said_and_its_indices_not_classified():
    from insolegen.feet.scan3d import read_scan

    plantar = read_scan(ROOT / "tests" / "data" / "scans" / "techmed3d_plantar_scan.obj").foot
    assert any("non-weight-bearing" in w for w in plantar.warnings)
    assert plantar.indices["arch_index"]["class"] is None and plantar.indices["note"].startswith("not classified")
    standing = read_scan(ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl").foot
    assert not any("non-weight-bearing" in w for w in standing.warnings)
    assert standing.indices["arch_index"]["class"] is not None


def test_a_scans_arch_starts_and_ends_where_its_medial_profile_is_half_as_high():
    """The fitted start and end checked against the raw profile they came from: around each,
    the plantar surface stands at about half the apex height."""
    from insolegen.feet.scan3d import read_scan

    scan = read_scan(ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl")
    arch, (x, h) = scan.foot.arch, scan.arch_profile.T
    assert 0.3 * scan.foot.length_mm < arch.apex_mm < 0.55 * scan.foot.length_mm
    for at in (arch.start_mm, arch.end_mm):
        near = np.abs(x - at) <= 3.0
        assert near.sum() >= 5
        assert np.median(h[near]) / arch.height_mm == pytest.approx(0.5, abs=0.15), at


def _plantar_scan_with_lows(heel_low, forefoot_low):
    """An open plantar surface over an EU42 outline (a right foot, canonical frame, mm) whose sole
    is lowest at ``heel_low`` and ``forefoot_low`` (a bowl and a trough across the ball), higher between them, with a
    medial arch between 70 and 150 mm (clear of the bowls): a synthetic scan whose relief is known."""
    import shapely

    from insolegen import foot_from_size

    outline = shapely.Polygon(foot_from_size("EU42").outline)
    xs, ys = np.arange(-2.0, 270.0, 1.5), np.arange(-60.0, 50.0, 1.5)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(outline.buffer(1.0), gx, gy)
    heel = 0.004 * ((gx - heel_low[0]) ** 2 + (gy - heel_low[1]) ** 2)
    fore = 0.006 * (gx - forefoot_low[0]) ** 2 + 0.0006 * (gy - forefoot_low[1]) ** 2     # the ball bears across
    arch = 10.0 * np.clip(1.0 - ((gx - 110.0) / 40.0) ** 2, 0.0, None) ** 2 * np.clip((gy + 5.0) / 40.0, 0.0, 1.0)
    z = np.minimum(np.minimum(heel, fore), 14.0) + arch
    index = -np.ones(gx.shape, int)
    index[inside] = np.arange(inside.sum())
    vertices = np.column_stack([gx[inside], gy[inside], z[inside]])
    a, b, c, d = index[:-1, :-1], index[:-1, 1:], index[1:, :-1], index[1:, 1:]
    quads = (a >= 0) & (b >= 0) & (c >= 0) & (d >= 0)
    faces = np.vstack([np.column_stack([a[quads], b[quads], d[quads]]), np.column_stack([a[quads], d[quads], c[quads]])])
    return vertices, faces


def test_a_scans_heel_and_forefoot_come_from_its_plantar_lows_in_any_pose(tmp_path):
    """Where the relief shows lows the landmarks follow them, wherever the outline would put them:
    the heel centre on the heel's low, the 2nd-3rd heads over the forefoot's (pose must not matter)."""
    from insolegen.feet.scan3d import read_scan

    heel_low, forefoot_low = np.array([47.0, 3.0]), np.array([190.0, 2.0])   # 7 mm ahead of / 7 mm behind the priors
    vertices, faces = _plantar_scan_with_lows(heel_low, forefoot_low)
    turn = _turn(130, 4, -3)
    for pose, (v, units) in {"as made": (vertices, "mm"), "turned and far, in metres": (
            (vertices @ turn.T + [5e5, 2e5, 0]) / 1000.0, "m")}.items():
        path = tmp_path / f"{pose[:4]}.obj"
        _write_obj(path, v, faces)
        foot = read_scan(path, units).foot
        assert foot.side == "right", pose
        assert foot.landmarks["heel_center"].how == "relief" and foot.landmarks["mth2_head"].how == "relief"
        back = np.linalg.inv(turn) if units == "m" else np.eye(3)

        def made(name):                      # the landmark in the frame the surface was made in
            s = foot.landmark_source(name)
            p = np.array([s["x"], s["y"], s["z"]]) * (1000.0 if units == "m" else 1.0)
            return (back @ (p - ([5e5, 2e5, 0] if units == "m" else 0)))[:2]

        # fused with the population's prior (0.150 L, 8 mm behind the low), the relief weighs most
        heel = foot.landmarks["heel_center"]
        relief_weight = sum(c["weight"] for c in heel.cues if c["what"] == "relief" and c["axis"] == "x")
        assert relief_weight > 0.6, heel.cues
        assert np.linalg.norm(made("heel_center") - heel_low) < 3.0, (pose, made("heel_center"))
        mth1, mth5 = made("mth1_head"), made("mth5_head")
        along = np.array([-(mth1 - mth5)[1], (mth1 - mth5)[0]]) / np.linalg.norm(mth1 - mth5)
        # the trough runs across the whole ball and the outline clips it unevenly: its centre is not exact, and the
        # heads' row weighs a quarter against it
        assert abs((forefoot_low - 0.5 * (made("mth2_head") + made("mth3_head"))) @ along) < 5.0, pose
        shift = [c for c in foot.landmarks["mth2_head"].cues if c.get("axis") == "along"]
        assert [c["what"] for c in shift] == ["row model", "relief"] and shift[1]["weight"] > 0.6, shift


def test_a_flat_pressed_sole_shows_no_low_and_says_so():
    from insolegen.feet.scan3d import read_scan

    foot = read_scan(ROOT / "tests" / "data" / "scans" / "dupontgu_left_foot.stl").foot
    assert foot.landmarks["heel_center"].how == "proportion" and foot.landmarks["mth1_head"].how == "proportion"
    assert not any(c["what"] == "relief" for name in ("heel_center", "mth1_head") for c in foot.landmarks[name].cues)
    assert any("show no distinct low" in n for n in foot.notes)


def test_pressure_landmarks_come_from_the_peak_pressure_centres():
    """The real recording: the heel centre lies among the heel's highest-pressure sensors, the
    2nd-3rd heads level with the forefoot's; the same share of the foot at any sensor pitch."""
    from insolegen.feet.pressure import foot_from_pressure, peak_pressure_grid, sensor_centres

    path = ROOT / "tests" / "data" / "footprints" / "greenai_raw_pressure_every16th.csv"
    grid = peak_pressure_grid(path)
    shares = []
    for pitch in (5.0, 8.0):
        foot = foot_from_pressure(path, pitch)
        assert foot.landmarks["heel_center"].how == "relief" and foot.landmarks["mth2_head"].how == "relief"
        sensors = foot.to_canonical(sensor_centres(grid.shape, pitch))
        peak = grid.ravel()
        for name, lo, hi in (("heel_center", 0.0, 0.35), ("forefoot", 0.55, 0.84)):
            region = (sensors[:, 0] >= lo * foot.length_mm) & (sensors[:, 0] <= hi * foot.length_mm) & (peak > 0)
            top = region & (peak >= 0.5 * peak[region].max())
            if name == "heel_center":
                at = foot.landmarks["heel_center"].xy
                assert np.linalg.norm(sensors[top] - at, axis=1).min() < pitch        # on the heel's bearing sensors
                assert sensors[top, 0].min() <= at[0] <= sensors[top, 0].max()
            else:
                mid = 0.5 * (foot.landmarks["mth2_head"].xy + foot.landmarks["mth3_head"].xy)
                assert sensors[top, 0].min() <= mid[0] <= sensors[top, 0].max()
        shares.append(foot.landmarks["heel_center"].x / foot.length_mm)
    assert shares[0] == pytest.approx(shares[1], abs=0.01)

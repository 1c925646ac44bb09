"""The engraved case ID and side on the underside: found by ray casting from below at the place
and depth the record gives, reading true from below on each device, watertight, clear of the
offload pockets, and sliced by PrusaSlicer."""
import json
import subprocess

import numpy as np
import pytest
import trimesh
from helpers import run_cli as run

import insolegen
from insolegen.device.engrave import EDGE_MM, STROKE_OF_HEIGHT, _segments
from insolegen.device.profiles import resolve_prescription
from insolegen.errors import InvalidInput


@pytest.fixture(scope="module")
def labelled():
    rx, _ = resolve_prescription("pronation-mild", ["device.label=auto"])
    case = insolegen.design(insolegen.foot_from_size("EU42"), rx, name="Pat-07")
    meshes = {s: trimesh.load(trimesh.util.wrap_as_stream(case.files[f"Pat-07_{s}.stl"]), file_type="stl") for s in ("left", "right")}
    return case, meshes


def _underside(mesh, xy):
    """The underside's height over each (x, y): the first hit of a ray cast up from below."""
    origins = np.column_stack([xy, np.full(len(xy), -20.0)])
    hits, rays, _ = mesh.ray.intersects_location(origins, np.tile([0.0, 0.0, 1.0], (len(xy), 1)))
    z = np.full(len(xy), np.inf)
    np.minimum.at(z, rays, hits[:, 2])
    return z


def _expected_strokes(text, height, box, side, gx, gy):
    """Where the letters should be, worked out here: from below, in each device's own frame, the
    text runs along +x and a letter's up is -y (the device turned over about its long axis)."""
    unit = height / 6.0
    x0, y0, x1, y1 = box
    yc = 0.5 * (y0 + y1) * (-1.0 if side == "left" else 1.0)
    pad = 0.5 * STROKE_OF_HEIGHT * height + EDGE_MM            # the box holds the strokes' edges
    segs = _segments(text) * unit
    pts = np.stack([x0 + pad + segs[..., 0], yc - (segs[..., 1] - 3 * unit)], axis=-1)
    p = np.column_stack([gx.ravel(), gy.ravel()])
    best = np.full(len(p), np.inf)
    for a, b in pts:
        ab = b - a
        t = np.clip(((p - a) @ ab) / max(ab @ ab, 1e-12), 0, 1)
        best = np.minimum(best, np.hypot(*(p - (a + t[:, None] * ab)).T))
    return (best < 0.5 * STROKE_OF_HEIGHT * height).reshape(gx.shape)


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_letters_are_found_at_their_place_and_depth_and_read_from_below(labelled, side):
    case, meshes = labelled
    label = case.record["prescribed_vs_measured"]["labels"][side]
    assert label["text"] == f"PAT-07 {side[0].upper()}"
    x0, y0, x1, y1 = label["box_mm"]
    ys = sorted([y0, y1]) if side == "right" else sorted([-y0, -y1])
    gx, gy = np.meshgrid(np.arange(x0, x1, 0.2), np.arange(ys[0], ys[1], 0.2))
    z = _underside(meshes[side], np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    raised = z > 0.3
    expected = _expected_strokes(label["text"], label["letter_height_mm"], label["box_mm"], side, gx, gy)
    # the depth: 0.6 mm along the strokes, the ground well away from them
    from scipy.ndimage import binary_dilation

    assert np.median(z[expected]) == pytest.approx(0.6, abs=0.03)
    away = ~binary_dilation(expected, iterations=6) & np.isfinite(z)
    assert away.sum() > 1000 and np.abs(z[away]).max() < 0.02
    iou = (raised & expected).sum() / (raised | expected).sum()
    mirrored = expected[::-1]                       # the same text read from above: mirror writing
    iou_mirrored = (raised & mirrored).sum() / (raised | mirrored).sum()
    assert iou > 0.6 and iou_mirrored < 0.45, (iou, iou_mirrored)


def test_the_labelled_devices_are_watertight_and_lose_the_letters_volume(labelled):
    case, meshes = labelled
    rx, _ = resolve_prescription("pronation-mild", [])
    plain = insolegen.design(insolegen.foot_from_size("EU42"), rx, name="Pat-07")
    for side, mesh in meshes.items():
        assert mesh.is_watertight and mesh.is_winding_consistent and mesh.body_count == 1
        whole = trimesh.load(trimesh.util.wrap_as_stream(plain.files[f"Pat-07_{side}.stl"]), file_type="stl")
        lost = whole.volume - mesh.volume
        assert 30 < lost < 400                                  # a few hundred mm² of strokes, 0.6 mm deep
        # the top is the same device's: only the underside changed
        xy = np.random.default_rng(1).uniform(mesh.bounds[0, :2] + 20, mesh.bounds[1, :2] - 20, (300, 2))
        tops = []
        for m in (whole, mesh):
            hits, rays, _ = m.ray.intersects_location(np.column_stack([xy, np.full(len(xy), 100.0)]),
                                                      np.tile([0.0, 0.0, -1.0], (len(xy), 1)))
            top = np.full(len(xy), np.nan)
            np.fmax.at(top, rays, hits[:, 2])
            tops.append(top)
        both = np.isfinite(tops[0]) & np.isfinite(tops[1])
        assert both.sum() > 100 and np.abs(tops[0][both] - tops[1][both]).max() < 0.1


def test_the_label_keeps_clear_of_offload_pockets_and_thin_places():
    rx, _ = resolve_prescription("neutral", ["device.label=LAB 12", "device.base_thickness_mm=6", "device.forefoot_thickness_mm=6",
                                             "offload.spots=[[120, -25, 8]]"])
    case = insolegen.design(insolegen.foot_from_size("EU42"), rx, name="x")
    label = case.record["prescribed_vs_measured"]["labels"]["right"]
    assert label["text"] == "LAB 12 R"
    x0, y0, x1, y1 = label["box_mm"]
    spot = case.record["offload"]["sites"][0]
    import shapely

    gap = shapely.box(x0, y0, x1, y1).distance(shapely.Point(spot["x_mm"], spot["y_mm"])) - spot["radius_mm"]
    assert gap >= 3.0 - 1e-6                                 # not over the pocket, nor its wall
    alone, _ = resolve_prescription("neutral", ["device.label=LAB 12", "device.base_thickness_mm=6", "device.forefoot_thickness_mm=6"])
    box = insolegen.design(insolegen.foot_from_size("EU42"), alone, name="x").record["prescribed_vs_measured"]["labels"]["right"]["box_mm"]
    assert box != label["box_mm"]                            # without the pocket it would have lain elsewhere
    with pytest.raises(InvalidInput, match="device.label"):
        resolve_prescription("neutral", ["device.label=Ünï"])
    with pytest.raises(InvalidInput, match="at most 22"):
        resolve_prescription("neutral", ["device.label=" + "A" * 30])


def test_prusaslicer_slices_the_labelled_device(labelled, tmp_path):
    case, _ = labelled
    case.save(tmp_path)
    gcode = tmp_path / "r.gcode"
    r = subprocess.run(["prusa-slicer", "--export-gcode", "--bed-shape", "0x0,350x0,350x350,0x350", "--output", str(gcode),
                        str(tmp_path / "Pat-07_right.stl")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and gcode.stat().st_size > 10000, r.stderr[-2000:]


def test_the_cli_engraves_and_measure_still_reads_the_device(tmp_path):
    r = run("design", "--size", "EU40", "--set", "device.label=auto", "--out", tmp_path, "--format", "stl,json", "-q")
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "EU40_medium.json").read_text())
    assert record["prescribed_vs_measured"]["labels"]["left"]["text"] == "EU40_MEDIUM L"
    m = run("measure", tmp_path / "EU40_medium_left.stl", "--json")
    doc = json.loads(m.stdout)
    assert doc["side"] == "left" and doc["arch_apex_height_mm"] == pytest.approx(15.0, abs=0.5)

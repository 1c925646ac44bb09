"""Footprint images in: the real foam-box scan (two feet, pins, an L scale marker, a label),
and drawn footprints of known size for the scale rules."""
import json
from pathlib import Path

import numpy as np
import pytest
import trimesh
from helpers import run_cli as run
from PIL import Image, ImageDraw

from insolegen.errors import InvalidInput
from insolegen.feet.footshape import outline_for_length
from insolegen.feet.image import feet_from_image, read_footprint_image

FOAM = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_foamprint_56_half.jpg"
MARKER = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_marker_crop.jpg"


def test_the_l_marker_gives_the_scale():
    """A full-resolution crop of the real scan around the printed L marker (no DPI in it)."""
    from skimage.filters import threshold_otsu

    from insolegen.feet.image import _marker_scale

    pixels = np.asarray(Image.open(MARKER)).astype(np.int16)
    value = pixels.max(axis=-1)
    assert _marker_scale(pixels, value <= threshold_otsu(value)) == pytest.approx(11.81, rel=0.01)   # data README


def test_the_real_foam_box_scan_gives_both_feet():
    image, feet = feet_from_image(FOAM)
    assert image.px_per_mm == pytest.approx(11.81 / 2, rel=0.02)
    assert [f.side for f in feet] == ["right", "left"]                 # README: the imprint by the marker is the left foot
    for foot in feet:
        assert 255.0 < foot.length_mm < 295.0
        assert 0.33 < foot.measures["ball_width"].value / foot.length_mm < 0.45


def _drawn(tmp_path, length_mm=260.0, px_per_mm=4.0, dpi=True, name="drawn.png"):
    outline = outline_for_length(length_mm) * [px_per_mm, -px_per_mm]     # a right foot seen from above; image y is down
    outline = outline - outline.min(axis=0) + 40 * px_per_mm
    size = (int(outline[:, 0].max() + 40 * px_per_mm), int(outline[:, 1].max() + 40 * px_per_mm))
    image = Image.new("RGB", size, (250, 250, 250))
    ImageDraw.Draw(image).polygon([tuple(p) for p in outline], fill=(30, 30, 30))
    path = tmp_path / name
    image.save(path, dpi=(px_per_mm * 25.4,) * 2) if dpi else image.save(path)
    return path


def test_a_drawn_footprint_of_known_length_at_the_image_dpi(tmp_path):
    path = _drawn(tmp_path, 260.0, 4.0)
    image, (foot,) = feet_from_image(path)
    assert "DPI" in image.scale_how
    assert foot.length_mm == pytest.approx(260.0, abs=2.0)
    assert foot.side == "right"


def test_dpi_given_wins_and_no_scale_is_refused(tmp_path):
    path = _drawn(tmp_path, 260.0, 4.0)
    image, (foot,) = feet_from_image(path, dpi=0.8 * 4.0 * 25.4)     # fewer pixels per mm: a longer foot
    assert image.scale_how == "--dpi 81.28"
    assert foot.length_mm == pytest.approx(325.0, abs=2.5)
    undated = _drawn(tmp_path, 260.0, 4.0, dpi=False, name="no_dpi.png")
    with pytest.raises(InvalidInput, match="no scale"):
        read_footprint_image(undated)
    assert read_footprint_image(undated, dpi=4.0 * 25.4).feet


def test_an_image_with_no_foot_is_refused(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (800, 1000), (240, 240, 240)).save(blank, dpi=(100, 100))
    with pytest.raises(InvalidInput, match="no footprint|uniform"):
        read_footprint_image(blank)
    noise = tmp_path / "dots.png"
    rng = np.random.default_rng(0)
    pixels = np.full((1000, 800, 3), 240, np.uint8)
    for y, x in rng.integers(0, 990, (40, 2)):
        pixels[y:y + 8, x % 790:x % 790 + 8] = 20                      # pins, no foot
    Image.fromarray(pixels).save(noise, dpi=(100, 100))
    with pytest.raises(InvalidInput, match="no footprint"):
        read_footprint_image(noise)


def test_scan_and_design_from_the_image(tmp_path):
    r = run("scan", FOAM, "--json", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [f["side"] for f in doc["feet"]] == ["right", "left"] and len(doc["written"]) == 2
    d = run("design", FOAM, "--foot-side", "left", "--out", tmp_path / "out", "--json")
    assert d.returncode == 0, d.stderr
    assert json.loads(d.stdout)["foot"]["side"] == "left"


def test_an_image_of_both_feet_designs_each_device_from_its_own_foot(tmp_path):
    _, feet = feet_from_image(FOAM)
    lengths = {f.side: f.length_mm for f in feet}
    r = run("design", FOAM, "--out", tmp_path, "--set", "device.outline_offset_mm=0", "-q")
    assert r.returncode == 0, r.stderr
    left = trimesh.load(tmp_path / "greenai_foamprint_56_half_left.stl")
    right = trimesh.load(tmp_path / "greenai_foamprint_56_half_right.stl")
    measured = {side: float(np.ptp(m.vertices[:, 0])) for side, m in (("left", left), ("right", right))}
    assert measured["left"] - measured["right"] == pytest.approx(lengths["left"] - lengths["right"], abs=0.5)
    mirrored = len(left.vertices) == len(right.vertices) and np.allclose(
        np.sort(left.vertices[:, 1]), np.sort(-right.vertices[:, 1]), atol=0.5)
    assert not mirrored
    record = json.loads((tmp_path / "greenai_foamprint_56_half.json").read_text())
    assert {s: p["foot"]["side"] for s, p in record["per_side_feet"].items()} == {"left": "left", "right": "right"}
    assert all(all(c["ok"] for c in p["prescribed_vs_measured"]["checks"]) for p in record["per_side_feet"].values())
    # each side's record carries its own print's indices (the report shows them)
    for foot in feet:
        recorded = record["per_side_feet"][foot.side]["foot"]["indices"]
        assert recorded["arch_index"]["value"] == foot.indices["arch_index"]["value"]
    assert feet[0].indices["arch_index"]["value"] != feet[1].indices["arch_index"]["value"]


def test_indices_from_a_print_fall_when_the_arch_lifts_off(tmp_path):
    """The same drawn print, then with the medial half of its middle third lifted (left blank):
    the Cavanagh-Rodgers arch index and the Staheli index must both fall."""
    flat = _drawn(tmp_path, 260.0, 4.0, name="flat.png")
    image = Image.open(flat)
    pixels = np.asarray(image).copy()
    dark_cols = np.flatnonzero((pixels.max(axis=-1) < 128).any(axis=0))
    dark_rows = np.flatnonzero((pixels.max(axis=-1) < 128).any(axis=1))
    x0, x1 = dark_cols.min(), dark_cols.max()
    third = (x1 - x0) // 3
    y_mid = (dark_rows.min() + dark_rows.max()) // 2          # a right foot drawn from above: medial is up (low rows)
    pixels[: y_mid + 8, x0 + third + 10: x1 - third - 60] = 250
    Image.fromarray(pixels).save(tmp_path / "high.png", dpi=(4.0 * 25.4,) * 2)
    found = {}
    for name in ("flat", "high"):
        r = run("scan", tmp_path / f"{name}.png", "--json")
        assert r.returncode == 0, r.stderr
        found[name] = json.loads(r.stdout)["feet"][0]["indices"]
    assert found["high"]["arch_index"]["value"] < found["flat"]["arch_index"]["value"] - 0.05
    assert found["high"]["staheli_index"]["value"] < found["flat"]["staheli_index"]["value"] - 0.1
    assert "weight-bearing contact" in found["flat"]["note"]

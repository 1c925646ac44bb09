"""Preview pictures laid out for print, checked on their pixels at three picture sizes: no text
lies on a device (or on another text), every device lies inside its frame with white around it,
type grows with the picture, and the annotations say what the mesh has (the heel seat's section
gives the seat, not the rim; the arch and the post are the mesh's)."""
import json
import re

import numpy as np
import pytest
import trimesh
from helpers import run_cli as run
from helpers import run_cli_headless
from PIL import Image

from insolegen.outputs.numbers import fixed

SIZES = ("1200x700", "1600x900", "2400x900")


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("case")
    r = run("design", "--out", out, "-q", "--set", "rearfoot_post.angle_deg=4", "--set", "met_pad.height_mm=5")
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def pictures(case):
    found = {}
    for size in SIZES:
        png = case / f"all_{size}.png"
        r = run_cli_headless("preview", case / "EU42_medium.json", "--view", "all", "--sections", "--image-size", size, "--out", png)
        assert r.returncode == 0, r.stderr
        image = Image.open(png)
        found[size] = (np.asarray(image.convert("RGB")).astype(int), json.loads(image.text["insolegen-layout"]))
    return found


def _coloured(pixels: np.ndarray) -> np.ndarray:
    """A device's pixels (colour-mapped, shaded, or a section's fill) and the red dimension lines;
    text is grey on white, so none of it counts."""
    hi, lo = pixels.max(axis=-1), pixels.min(axis=-1)
    return (hi - lo > 25) & ((hi - lo) > 0.3 * np.maximum(hi, 1))


def _inside(box, shape, shrink=0):
    x0, y0, x1, y1 = box
    return slice(max(y0 + shrink, 0), min(y1 - shrink, shape[0])), slice(max(x0 + shrink, 0), min(x1 - shrink, shape[1]))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", SIZES)
def test_no_text_lies_on_a_device_or_on_another_text(pictures, size):
    pixels, layout = pictures[size]
    assert pixels.shape[1::-1] == tuple(int(v) for v in size.split("x"))
    coloured = _coloured(pixels)
    texts = layout["texts"]
    assert len(texts) > 20
    for t in texts:
        assert not coloured[_inside(t["box"], coloured.shape)].any(), t
        assert 0 <= t["box"][0] and t["box"][2] <= pixels.shape[1] and t["box"][3] <= pixels.shape[0], t
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            assert not _overlap(a["box"], b["box"]), (a, b)
    for t in texts:
        for f in layout["frames"]:
            assert not _overlap(t["box"], f["box"]), (t, f)


@pytest.mark.parametrize("size", SIZES)
def test_every_device_lies_inside_its_frame(pictures, size):
    pixels, layout = pictures[size]
    coloured = _coloured(pixels)
    outside = coloured.copy()
    views = [f for f in layout["frames"] if f["what"] != "legend"]
    assert len(views) == 2 * 5 + 2 * 3                    # two devices: five views and three sections each
    for f in layout["frames"]:
        rows, cols = _inside(f["box"], coloured.shape)
        outside[rows, cols] = False
        if f["what"] == "legend":
            continue
        inner = coloured[rows, cols]
        assert inner.mean() > 0.01, f                      # the device is drawn...
        ring = inner.copy()
        ring[2:-2, 2:-2] = False
        assert not ring.any(), f                           # ...and nothing of it touches the frame's edge
    assert not outside.any()
    for i, a in enumerate(layout["frames"]):
        for b in layout["frames"][i + 1:]:
            assert not _overlap(a["box"], b["box"]), (a, b)


def test_type_grows_with_the_picture(pictures):
    heights = {}
    for size, (_, layout) in pictures.items():
        boxes = [t["box"] for t in layout["texts"] if re.match(r"^(LEFT|RIGHT), top$", t["text"])]
        heights[size] = np.median([b[3] - b[1] for b in boxes])
    assert heights["1200x700"] >= 15                     # 6 pt at 300 dpi, about 19 px, for a 700 px high picture
    assert heights["2400x900"] > 1.2 * heights["1200x700"]


def test_the_annotations_are_the_meshs(pictures, case):
    _, layout = pictures["2400x900"]
    text = " ".join(t["text"] for t in layout["texts"])
    mesh = trimesh.load(case / "EU42_medium_right.stl")
    record = json.loads((case / "EU42_medium.json").read_text())
    # every number is the record's measurement of the mesh, rounded once (nothing re-fitted here)
    measured = record["prescribed_vs_measured"]["measurement"]
    heel = re.search(r"heel seat at (\d+) mm: seat ([\d.]+), cup ([\d.]+) mm \(red\); post ([+-]?[\d.]+)°", text)
    assert heel, text
    station, seat, cup, post = (float(v) for v in heel.groups())
    assert (heel.group(2), heel.group(3), heel.group(4)) == (
        fixed(measured["heel_seat_height_mm"], 1), fixed(measured["heel_cup_depth_mm"], 1),
        fixed(measured["rearfoot_post_deg"], 1, sign=True))
    assert post == pytest.approx(4.0, abs=0.3) and seat < cup
    apex = re.search(r"arch apex at (\d+) mm: ([\d.]+) mm high", text)
    assert apex.group(2) == fixed(measured["arch_apex_height_mm"], 1)
    cut = mesh.section(plane_origin=[float(apex.group(1)), 0, 0], plane_normal=[1, 0, 0]).vertices
    assert float(apex.group(2)) == pytest.approx(cut[:, 2].max(), abs=0.3)
    assert f"rearfoot post {fixed(measured['rearfoot_post_deg'], 1, sign=True)}°" in text
    assert "heights x3" in text


def test_a_picture_too_small_for_its_views_is_refused(case):
    png = case / "tiny.png"
    r = run_cli_headless("preview", case / "EU42_medium.json", "--view", "all", "--sections", "--image-size", "300x200", "--out", png)
    assert r.returncode == 1 and "too small" in r.stderr and "give at least" in r.stderr
    r = run_cli_headless("preview", case / "EU42_medium.json", "--view", "all", "--sections", "--image-size", "640x560", "--out", png)
    assert r.returncode == 1 and "the sections need about" in r.stderr
    assert not png.exists()


@pytest.mark.parametrize("size", ("600x300", "1000x260", "400x900"))
def test_the_pair_stays_in_frame_at_odd_sizes(case, size):
    """One view of the pair, wide, flat or tall: each device whole in its frame, no text on it."""
    png = case / f"iso_{size}.png"
    r = run_cli_headless("preview", case / "EU42_medium.json", "--view", "top", "--image-size", size, "--out", png)
    assert r.returncode == 0, r.stderr
    image = Image.open(png)
    pixels, layout = np.asarray(image.convert("RGB")).astype(int), json.loads(image.text["insolegen-layout"])
    coloured = _coloured(pixels)
    devices = [f for f in layout["frames"] if f["what"] != "legend"]
    assert len(devices) == 2
    for f in devices:
        inner = coloured[_inside(f["box"], coloured.shape)]
        ring = inner.copy()
        ring[2:-2, 2:-2] = False
        assert inner.mean() > 0.03 and not ring.any(), f
    for t in layout["texts"]:
        assert not coloured[_inside(t["box"], coloured.shape)].any(), t


def test_the_stated_exaggeration_is_the_drawn_one(case):
    spans = {}
    for factor in ("1", "3"):
        png = case / f"medial_{factor}.png"
        r = run_cli_headless("preview", case / "EU42_medium.json", "--single", "--view", "medial", "--exaggeration", factor,
                             "--image-size", "1600x900", "--out", png)
        assert r.returncode == 0, r.stderr
        image = Image.open(png)
        layout = json.loads(image.text["insolegen-layout"])
        assert any(f"heights x{factor}" in t["text"] for t in layout["texts"])
        frame = next(f["box"] for f in layout["frames"] if f["what"] == "right medial")
        drawn = _coloured(np.asarray(image.convert("RGB")).astype(int))[_inside(frame, (900, 1600))]
        rows, cols = np.nonzero(drawn)
        spans[factor] = (np.ptp(rows), np.ptp(cols))
    assert spans["3"][1] == pytest.approx(spans["1"][1], rel=0.02)          # the same length across...
    assert spans["3"][0] / spans["1"][0] == pytest.approx(3.0, rel=0.1)     # ...three times the height
    r = run_cli_headless("preview", case / "EU42_medium.json", "--exaggeration", "0", "--out", case / "x.png")
    assert r.returncode == 1 and "--exaggeration 0 is outside 1-10" in r.stderr


def _edge_blend(pixels: np.ndarray, box) -> float:
    """The share of a device's edge pixels (drawn, with a white neighbour) that blend the device
    into the white around it: an anti-aliased edge is mostly blends, a jagged one has none."""
    from scipy import ndimage

    cell = pixels[_inside(box, pixels.shape)]
    luminance = cell.mean(axis=-1)
    drawn = luminance < 250
    edge = drawn & ~ndimage.binary_erosion(drawn)
    interior = ndimage.binary_erosion(drawn, iterations=3)
    # the device's own shade beside each pixel: its nearest interior pixel's
    _, (rows, cols) = ndimage.distance_transform_edt(~interior, return_indices=True)
    shade = luminance[rows, cols]
    blended = edge & (luminance > shade + 25) & (luminance < 250)
    return blended.sum() / max(edge.sum(), 1)


def test_device_edges_are_anti_aliased(pictures):
    """Each view is rendered at three times its size and shrunk, so a device's silhouette is smooth on
    paper: over half its edge pixels blend into the white (a render at its own size has almost none)."""
    pixels, layout = pictures["2400x900"]
    for frame in layout["frames"]:
        if frame["what"].endswith(("top", "iso")):
            assert _edge_blend(pixels, frame["box"]) > 0.5, frame["what"]

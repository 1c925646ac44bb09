"""Previews render off-screen here (no display: VTK through OSMesa), and the pictures are
looked at: size, how much of them the devices cover, colour maps that differ, a left and a
right device that are mirror images of each other and not the same foot twice."""
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli as run
from helpers import run_cli_headless
from PIL import Image

PLANTAR = Path(__file__).resolve().parent / "data" / "scans" / "techmed3d_plantar_scan.obj"


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("case")
    r = run("design", "--out", out, "-q", "--set", "rearfoot_post.angle_deg=4")
    assert r.returncode == 0, r.stderr
    return out / "EU42_medium.json"


def _render(target, png, *args):
    r = run_cli_headless("preview", target, "--out", png, *args)
    assert r.returncode == 0, r.stderr
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def _ink(pixels):
    return (np.abs(pixels - 255).sum(axis=-1) > 60)


def test_a_pair_renders_side_by_side_at_the_requested_size(case, tmp_path):
    pixels = _render(case, tmp_path / "pair.png", "--image-size", "900x400", "--color", "none")
    assert pixels.shape == (400, 900, 3)
    left, right = pixels[60:, :450], pixels[60:, 450:]          # below the labels
    for half in (left, right):
        assert 0.05 < _ink(half).mean() < 0.6
    # the left device seen from its medial-side iso view is the right one's mirror image...
    mirrored = np.abs(_ink(left).astype(int) - _ink(right[:, ::-1]).astype(int)).mean()
    same = np.abs(_ink(left).astype(int) - _ink(right).astype(int)).mean()
    assert mirrored < 0.5 * same                                  # ...not the same foot twice


def test_height_and_thickness_colour_maps_differ(tmp_path):
    """On a shell (hollow under the arch) the thickness is not the height."""
    r = run("design", "--out", tmp_path, "-q", "--set", "device.mode=shell")
    assert r.returncode == 0, r.stderr
    case = tmp_path / "EU42_medium.json"
    height = _render(case, tmp_path / "h.png", "--image-size", "600x300", "--view", "top")
    thickness = _render(case, tmp_path / "t.png", "--image-size", "600x300", "--view", "top", "--color", "thickness")
    plain = _render(case, tmp_path / "n.png", "--image-size", "600x300", "--view", "top", "--color", "none")
    covered = _ink(plain)
    differs = np.abs(height - thickness).sum(axis=-1)[covered] > 30
    assert differs.mean() > 0.05                                   # under the arch, where the shell is hollow
    colours = lambda p: len(np.unique(p[covered].reshape(-1, 3) // 16, axis=0))  # noqa: E731
    assert colours(height) > 3 * colours(plain) or colours(height) > 20


def test_every_view_and_the_sections(case, tmp_path):
    import json

    pixels = _render(case, tmp_path / "all.png", "--view", "all", "--sections", "--image-size", "1800x600")
    assert pixels.shape == (600, 1800, 3)
    layout = json.loads(Image.open(tmp_path / "all.png").text["insolegen-layout"])
    frames = [f["what"] for f in layout["frames"]]
    for side in ("left", "right"):
        assert [f for f in frames if f.startswith(side) and not f.endswith("section")] == [
            f"{side} {view}" for view in ("top", "medial", "lateral", "posterior", "iso")]
        # a met pad's section only where the device has one
        has_pad = json.loads(case.read_text())["prescription"]["met_pad"]["height_mm"] > 0
        assert [f for f in frames if f.startswith(side) and f.endswith("section")] == [
            f"{side} {what} section" for what in ("heel seat", "arch apex", "met pad")[:3 if has_pad else 2]]
    for f in layout["frames"]:
        x0, y0, x1, y1 = f["box"]
        assert _ink(pixels[y0:y1, x0:x1]).mean() > 0.01, f


def test_a_design_from_a_scan_is_drawn_with_the_scan(tmp_path):
    r = run("design", PLANTAR, "--contour", "scan", "--set", "arch.fill_frac=1", "--foot-side", "right", "--side", "right", "--out", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    record = tmp_path / "techmed3d_plantar_scan.json"
    alone = _render(record, tmp_path / "alone.png", "--view", "medial", "--image-size", "600x300", "--color", "none")
    fit = _render(record, tmp_path / "fit.png", "--view", "medial", "--image-size", "600x300", "--color", "none", "--scan", PLANTAR)
    assert _ink(fit).mean() > 1.2 * _ink(alone).mean()            # the scan stands over the device


def test_bad_preview_requests_are_refused(case, tmp_path):
    r = run("preview", case, "--out", tmp_path / "x.png", "--view", "underneath")
    assert r.returncode == 2 and "--view" in r.stderr and "underneath" in r.stderr
    r = run("preview", tmp_path / "missing.json", "--out", tmp_path / "x.png")
    assert r.returncode == 1 and "no such file" in r.stderr
    r = run("preview", case, "--out", tmp_path / "x.jpg")
    assert r.returncode == 1 and ".png" in r.stderr
    assert not (tmp_path / "x.png").exists()


def test_design_preview_writes_a_picture_beside_the_meshes(tmp_path):
    r = run_cli_headless("design", "--out", tmp_path, "--preview", "-q")
    assert r.returncode == 0, r.stderr
    pixels = np.asarray(Image.open(tmp_path / "EU42_medium_preview.png").convert("RGB")).astype(int)
    assert pixels.shape == (900, 2400, 3) and 0.03 < _ink(pixels).mean() < 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "EU42_medium.3mf", "EU42_medium.json", "EU42_medium_left.stl", "EU42_medium_preview.png", "EU42_medium_right.stl"]


def test_no_display_and_no_off_screen_renderer_is_a_clear_refusal_not_a_segfault(case, tmp_path):
    """Without a display and without OSMesa, VTK dies with a segmentation fault (exit 139) when
    its first window opens: the preview finds out first, says what to install, exits 1."""
    import os
    import subprocess
    import sys

    code = ("import ctypes.util, sys; ctypes.util.find_library = lambda name: None; "
            "from insolegen.cli import main; sys.argv = ['insolegen', 'preview', sys.argv[1], '--out', sys.argv[2]]; main()")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "VTK_DEFAULT_OPENGL_WINDOW")}
    png = tmp_path / "x.png"
    r = subprocess.run([sys.executable, "-c", code, str(case), str(png)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "libosmesa6" in r.stderr and "xvfb-run" in r.stderr
    assert not png.exists()

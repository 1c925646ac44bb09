"""The interactive 3D view, opened from disk in headless Chromium as a technician would: it
draws both devices, asks for nothing over the network, logs no error, its section slider draws
the profile the mesh has there, and its side toggle and scan switch change what is drawn."""
import base64
import gzip
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import trimesh
from browser import ink, open_page
from helpers import run_cli as run

from insolegen.outputs.webview import _clustered, _packed_mesh

SCAN = Path(__file__).resolve().parent / "data" / "scans" / "dupontgu_left_foot.stl"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    out = tmp_path_factory.mktemp("pair")
    r = run("design", "--out", out, "-q", "--html", "--set", "met_pad.height_mm=5", "--set", "rearfoot_post.angle_deg=4")
    assert r.returncode == 0, r.stderr
    return out


def _click(page, selector):
    page.locator(selector).click()
    page.wait_for_timeout(150)          # one frame


def test_the_pair_draws_offline_without_errors(pair, browser):
    html = pair / "EU42_medium_view.html"
    assert html.stat().st_size <= 5 * 2**20
    view = open_page(browser, html)
    _click(view.page, "[data-view=top]")
    pixels = view.pixels("#view")
    drawn = ink(pixels)
    width = pixels.shape[1]
    # seen from above, toes up: the left device on the left half, the right one on the right
    left_half, right_half = drawn[:, : width // 2], drawn[:, width // 2:]
    assert left_half.mean() > 0.04 and right_half.mean() > 0.04, (left_half.mean(), right_half.mean())
    assert view.errors == []
    assert view.foreign_requests(html) == []
    # the features are labelled on screen, and the record's table is beside the view
    labels = view.page.locator(".label.feature:visible").all_inner_texts()
    assert any(t.startswith("arch apex 15.0 mm") for t in labels), labels
    assert any(t.startswith("met pad") for t in labels), labels
    rows = view.page.locator("#checks tbody tr").all_inner_texts()
    assert any(r.startswith("rearfoot post (°)") for r in rows)
    view.page.close()


def test_the_side_toggle_shows_one_device(pair, browser):
    view = open_page(browser, pair / "EU42_medium_view.html")
    _click(view.page, "[data-view=top]")
    both = ink(view.pixels("#view"))
    _click(view.page, "#sides [data-side='1']")                 # the right device alone, centred
    one = ink(view.pixels("#view"))
    columns = np.nonzero(one.any(axis=0))[0]
    centre = 0.5 * (columns.min() + columns.max())
    assert abs(centre - one.shape[1] / 2) < 0.1 * one.shape[1]
    # from above, toes up, the camera fits the length either way: one device as long on screen
    # as the pair, with half of its ink
    span = lambda drawn: np.ptp(np.nonzero(drawn.any(axis=1))[0])  # noqa: E731
    assert span(one) == pytest.approx(span(both), rel=0.1)
    assert 0.35 < one.mean() / both.mean() < 0.65
    assert view.errors == []
    view.page.close()


def test_the_section_slider_draws_the_meshs_profile(pair, browser):
    view = open_page(browser, pair / "EU42_medium_view.html")
    page = view.page
    mesh = trimesh.load(pair / "EU42_medium_right.stl")
    profiles, highs = [], []
    for station in (40, 150):
        page.locator("#station").fill(str(station))
        page.wait_for_timeout(100)
        profiles.append(view.pixels("#profile"))
        readout = page.locator("#readout").inner_text()
        highs.append(float(re.search(r"top ([\d.]+) mm high", readout).group(1)))
        # the height the page reports is the mesh's own: the highest point of its section there
        section = mesh.section(plane_origin=[station, 0, 0], plane_normal=[1, 0, 0])
        assert abs(highs[-1] - section.vertices[:, 2].max()) < 0.6, (station, readout)
    assert np.abs(profiles[0] - profiles[1]).sum(axis=-1).astype(bool).mean() > 0.02
    assert highs[0] > highs[1] + 5          # the heel cup's rim stands above the forefoot plate
    assert view.errors == []
    page.close()


def test_standard_views_turn_the_camera(pair, browser):
    view = open_page(browser, pair / "EU42_medium_view.html")
    _click(view.page, "#sides [data-side='1']")
    view.page.locator("#show-labels").uncheck()
    shapes = {}
    for name in ("top", "medial", "posterior"):
        _click(view.page, f"[data-view={name}]")
        drawn = ink(view.pixels("#view"))
        rows, cols = np.nonzero(drawn)
        shapes[name] = np.ptp(cols) / max(np.ptp(rows), 1)      # the device's aspect on screen
    assert shapes["top"] < 0.7                  # long and narrow, toes up
    assert shapes["medial"] > 4                 # a long, low side view
    assert shapes["posterior"] > 2              # the heel's width over its height
    view.page.close()


@pytest.mark.slow
def test_a_scan_design_draws_the_scan_translucent(tmp_path, browser):
    shutil.copy(SCAN, tmp_path / SCAN.name)
    r = run("design", tmp_path / SCAN.name, "--contour", "scan", "--out", tmp_path / "out", "-q", "--html")
    assert r.returncode == 0, r.stderr
    html = tmp_path / "out" / f"{SCAN.stem}_view.html"
    view = open_page(browser, html)
    with_scan = view.pixels("#view")
    view.page.locator("#show-scan").uncheck()
    view.page.wait_for_timeout(150)
    without = view.pixels("#view")
    # the scan adds a faint veil around the devices, not an opaque body
    veil = np.abs(with_scan - without).sum(axis=-1) > 15
    assert veil.mean() > 0.02
    assert view.errors == [] and view.foreign_requests(html) == []
    view.page.close()


def test_a_mesh_alone_shows_without_a_record(pair, tmp_path, browser):
    stl = tmp_path / "device.stl"
    shutil.copy(pair / "EU42_medium_right.stl", stl)
    r = run("preview", stl, "--html", tmp_path / "device.html")
    assert r.returncode == 0, r.stderr
    view = open_page(browser, tmp_path / "device.html")
    assert ink(view.pixels("#view")).mean() > 0.05
    assert view.page.locator("#checks-none").is_visible()
    assert view.errors == []
    view.page.close()


def test_the_page_is_the_same_bytes_each_time(pair, tmp_path):
    r = run("preview", pair / "EU42_medium.json", "--html", tmp_path / "again.html")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "again.html").read_bytes() == (pair / "EU42_medium_view.html").read_bytes()
    r = run("preview", pair / "EU42_medium.json", "--html", tmp_path / "again.png")
    assert r.returncode == 1 and "name it .html" in r.stderr


def test_packed_geometry_keeps_every_vertex_within_a_hundredth_of_a_mm():
    mesh = trimesh.load(SCAN)
    mesh.apply_scale(1000.0)                   # the scan is in metres; the view is given mm
    packed = _packed_mesh(mesh.vertices, mesh.faces)
    assert packed["step"] <= 0.01
    q = np.frombuffer(gzip.decompress(base64.b64decode(packed["positions"]["data"])), "<i2").reshape(-1, 3)
    back = np.asarray(packed["centre"]) + q * packed["step"]
    assert np.abs(back - mesh.vertices).max() <= 0.5 * packed["step"] + 1e-6
    faces = np.frombuffer(gzip.decompress(base64.b64decode(packed["faces"]["data"])), packed["faces"]["dtype"]).reshape(-1, 3)
    assert np.array_equal(faces, mesh.faces)


def test_a_large_scan_is_thinned_for_the_view_but_keeps_its_shape():
    mesh = trimesh.load(SCAN).subdivide()                         # about 4 times the triangles
    mesh.apply_scale(1000.0)                                      # metres to mm
    vertices, faces = _clustered(mesh.vertices, mesh.faces, 20_000)
    assert len(faces) <= 20_000
    assert np.abs(vertices.min(axis=0) - mesh.vertices.min(axis=0)).max() < 4.0
    assert np.abs(vertices.max(axis=0) - mesh.vertices.max(axis=0)).max() < 4.0
    thinned = trimesh.Trimesh(vertices, faces)
    assert abs(thinned.area / mesh.area - 1) < 0.1


def test_each_devices_section_puts_its_medial_side_where_seen_from_behind(pair, browser):
    """Seen from behind, a right device's medial side is on the left, a left device's on the
    right; with a varus post the seat's medial side stands higher, so the profile's highest
    point is on that side."""
    view = open_page(browser, pair / "EU42_medium_view.html")
    page = view.page
    sides = {}
    for index, side in ((0, "left"), (1, "right")):
        _click(page, f"#sides [data-side='{index}']")
        page.locator("#jumps button", has_text="heel seat").click()
        page.wait_for_timeout(100)
        profile = view.pixels("#profile")
        outline = np.abs(profile - np.array([36, 88, 179])).sum(axis=-1) < 60
        rows, cols = np.nonzero(outline)
        highest = cols[rows == rows.min()].mean()
        sides[side] = highest / profile.shape[1]
        readout = page.locator("#readout").inner_text()
        assert int(re.search(r"(\d+) mm from the medial edge", readout).group(1)) < 20, readout
    assert sides["right"] < 0.5 < sides["left"], sides
    page.close()


VIEWS = ("top", "medial", "lateral", "posterior", "iso")


def _layout(page) -> dict:
    return page.evaluate("window.insolegenLayout")


def _inside(inner: dict, width: float, height: float, margin: float) -> bool:
    return inner["left"] >= margin and inner["top"] >= margin and inner["right"] <= width - margin and inner["bottom"] <= height - margin


def test_every_view_frames_the_devices_with_a_margin_and_labels_clear_of_them(pair, browser):
    """On load (iso) and in every standard view and side mode, each device lies inside the
    canvas with a margin (its projected box, and the drawn pixels); every label stands inside the
    canvas and off every device's box; seen from the side no label is drawn over the wall."""
    view = open_page(browser, pair / "EU42_medium_view.html")
    page = view.page
    layout = _layout(page)
    assert len(layout["devices"]) == 2 and layout["labels"]            # the first frame, before any click
    for rect in layout["devices"]:
        assert _inside(rect, layout["width"], layout["height"], 0.02 * layout["height"]), rect
    for side in ("both", "0", "1"):
        _click(page, f"#sides [data-side='{side}']")
        for name in VIEWS:
            _click(page, f"[data-view={name}]")
            layout = _layout(page)
            w, h = layout["width"], layout["height"]
            assert len(layout["devices"]) == (2 if side == "both" else 1)
            for rect in layout["devices"]:
                assert _inside(rect, w, h, 0.02 * h), (side, name, rect)
            # the drawn devices alone: the labels' layer lies over the canvas in a screenshot
            page.evaluate("for (const id of ['labels', 'leaders']) document.getElementById(id).style.visibility = 'hidden'")
            drawn = ink(view.pixels("#view"))
            page.evaluate("for (const id of ['labels', 'leaders']) document.getElementById(id).style.visibility = ''")
            rows, cols = np.nonzero(drawn.any(axis=1))[0], np.nonzero(drawn.any(axis=0))[0]
            assert rows.min() > 0.01 * h and rows.max() < 0.99 * h and cols.min() > 0.01 * w and cols.max() < 0.99 * w
            if name in ("medial", "lateral", "posterior"):
                assert layout["labels"] == [] and page.locator(".label:visible").count() == 0, (side, name)
            for label in layout["labels"]:
                assert _inside(label, w, h, 1)
                for rect in layout["devices"]:
                    apart = label["right"] <= rect["left"] or rect["right"] <= label["left"] or \
                        label["bottom"] <= rect["top"] or rect["bottom"] <= label["top"]
                    assert apart, (side, name, label, rect)
            for a, b in zip(layout["labels"], layout["labels"][1:]):
                assert a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
    assert view.errors == []
    view.page.close()


def test_the_views_numbers_are_the_records_and_the_pictures(pair, browser):
    """The table's rows are the record's checks rounded once (human names, no -0.00), the
    labels carry the record's measurements, the legend's ticks are the picture's and the section
    draws heights x3, as the PNG does."""
    import json

    from insolegen.outputs.numbers import fixed
    from insolegen.outputs.readings import human_name
    from insolegen.outputs.scene import EXAGGERATION

    record = json.loads((pair / "EU42_medium.json").read_text())
    view = open_page(browser, pair / "EU42_medium_view.html")
    page = view.page
    rows = [r.split("\t") for r in page.locator("#checks tbody tr").all_inner_texts()]
    compared = [c for c in record["prescribed_vs_measured"]["checks"] if c["compared"]]
    by_name = {r[0]: r for r in rows}
    for c in compared:
        row = by_name[human_name(c["quantity"])]
        assert row[1:3] == [fixed(c["prescribed"]), fixed(c["measured"])], row
    assert "-0.00" not in page.locator("aside").inner_text()
    measured = record["prescribed_vs_measured"]["measurement"]
    labels = page.locator(".label.feature:visible").all_inner_texts()
    assert f"rearfoot post {fixed(measured['rearfoot_post_deg'], 1, sign=True)}°" in labels, labels
    assert f"arch apex {fixed(measured['arch_apex_height_mm'], 1)} mm" in labels, labels
    ticks = page.locator("#legend-ticks span").all_inner_texts()
    z_max = max(trimesh.load(pair / f"EU42_medium_{side}.stl").vertices[:, 2].max() for side in ("left", "right"))
    assert ticks == [fixed(v, 1) for v in np.linspace(0, z_max, 5)[:-1]] + [f"{fixed(z_max, 1)} mm"]
    assert f"heights ×{EXAGGERATION:g}" in page.locator("#profile").get_attribute("data-exaggeration")
    items = page.locator("#prescription li").all_inner_texts()
    assert "Rearfoot post: 4° varus, intrinsic" in items and any(i.startswith("Not prescribed:") for i in items)
    view.page.close()


def test_the_readmes_page_size_is_the_pages():
    """The README states the default pair's view size; a test holds it to the page made today."""
    import re

    from helpers import run_cli as run_again

    readme = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text()
    stated = float(re.search(r"a parametric pair is ([\d.]+) MB", readme).group(1))
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        assert run_again("design", "--out", out, "-q", "--html").returncode == 0
        size = (Path(out) / "EU42_medium_view.html").stat().st_size / 2**20
    assert size == pytest.approx(stated, abs=0.02), size

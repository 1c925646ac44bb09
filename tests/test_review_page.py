"""The batch review page (OUT/index.html), opened in headless Chromium: a row per case with the
status, failures in red, filters and sorting that work, relative links that resolve (also after
the folder is moved), and a case's link that opens its 3D view. `insolegen review` rebuilds it
from what is on disk, with another printer's verdicts or a record's failed check."""
import json
import re
import shutil

import numpy as np
import pytest
from browser import ink, open_page
from helpers import run_cli as run
from test_batch import _ansur, _outline

from insolegen.outputs.scene import Shown
from insolegen.outputs.thumbnail import thumbnail_png


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    a, b = _ansur(2)
    lengths = {"short": _outline(root / "scans" / "short", "right.csv", a), "long": _outline(root / "scans" / "long", "right.csv", b)}
    if lengths["short"] > lengths["long"]:
        (root / "scans" / "short").rename(root / "scans" / "tmp")
        (root / "scans" / "long").rename(root / "scans" / "short")
        (root / "scans" / "tmp").rename(root / "scans" / "long")
    (root / "scans" / "broken").mkdir()
    (root / "scans" / "broken" / "left.stl").write_bytes(b"solid nothing\n")
    out = root / "out"
    r = run("batch", root / "scans", "--out", out, "--workers", "2")
    assert r.returncode == 1, r.stderr            # the broken case fails; the others are made
    return out


def _rows(page) -> list[str]:
    return page.locator("#cases tbody tr:visible td.case").all_inner_texts()


def test_one_row_per_case_with_failures_in_red(batch_out, browser):
    view = open_page(browser, batch_out / "index.html", ready=None)
    page = view.page
    assert sorted(_rows(page)) == ["broken", "long", "short"]
    failed = page.locator("tr[data-status=failed] .status")
    assert failed.inner_text() == "failed"
    red = failed.evaluate("e => getComputedStyle(e).color")
    assert red == "rgb(179, 38, 30)"
    assert "holds no triangles" in page.locator("tr[data-status=failed] .message").inner_text()
    # the made cases: a picture of the pair, their foot length, every check within tolerance, printable
    for case in ("long", "short"):
        row = page.locator(f"tr[data-case={case}]")
        assert "within tolerance" in row.inner_text() and "printable" in row.inner_text()
        picture = row.locator("img")
        picture.scroll_into_view_if_needed()                # the page loads its pictures lazily
        assert picture.evaluate("img => img.decode().then(() => img.naturalWidth)") > 50
    assert view.errors == []
    assert all(u.startswith(batch_out.resolve().as_uri()) for u in view.requests)
    page.close()


def test_filter_and_sort(batch_out, browser):
    page = open_page(browser, batch_out / "index.html", ready=None).page
    page.locator("[data-filter=failed]").click()
    assert _rows(page) == ["broken"]
    page.locator("[data-filter=ok]").click()
    assert sorted(_rows(page)) == ["long", "short"]
    page.locator("[data-filter=all]").click()
    page.locator("#search").fill("lon")
    assert _rows(page) == ["long"]
    page.locator("#search").fill("")
    header = page.locator("th[data-key=length]")
    header.click()
    assert _rows(page) == ["short", "long", "broken"]           # ascending; a case with no length last
    header.click()
    assert _rows(page) == ["long", "short", "broken"]
    page.close()


def test_links_are_relative_and_open_the_cases_view(batch_out, browser, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(batch_out, moved)                 # as if copied to a file share
    view = open_page(browser, moved / "index.html", ready=None)
    page = view.page
    hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(not h.startswith(("/", "file:", "http")) for h in hrefs)
    assert all((moved / h).is_file() for h in hrefs)
    page.locator("tr[data-case=long] a", has_text="view").click()
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=30000)
    assert page.url == (moved / "long" / "long_view.html").as_uri()
    drawn = ink(view.pixels("#view"))
    assert drawn.mean() > 0.05
    assert view.errors == []
    page.close()


def test_review_rebuilds_the_page_from_disk(batch_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    r = run("review", out)
    assert r.returncode == 0, r.stderr
    assert (out / "index.html").read_bytes() == (batch_out / "index.html").read_bytes()
    # another printer: a 165 mm bed takes no full-length insole
    r = run("review", out, "--printer", "formlabs-fuse1")
    assert r.returncode == 0, r.stderr
    page = (out / "index.html").read_text()
    assert page.count('<span class="bad">not printable</span>') == 2 and "does not fit the 165 x 165 x 300 mm build volume" in page
    # a record whose check failed (as a lab's older tool version might have written it) is shown in red
    record_path = out / "long" / "long.json"
    record = json.loads(record_path.read_text())
    check = record["prescribed_vs_measured"]["checks"][2]
    check.update(measured=check["prescribed"] + 3.0, ok=False)
    record_path.write_text(json.dumps(record))
    assert run("review", out).returncode == 0
    page = (out / "index.html").read_text()
    from insolegen.outputs.numbers import fixed
    from insolegen.outputs.readings import human_name

    assert (f'<div class="bad">{human_name(check["quantity"])}: {fixed(check["measured"])}, prescribed '
            f'{fixed(check["prescribed"])} ± {check["tolerance"]:g}</div>') in page
    assert "1 need a look" not in page and "2 need a look" in page


def test_review_refuses_a_folder_that_is_not_a_batch(tmp_path):
    r = run("review", tmp_path)
    assert r.returncode == 1 and "no manifest.json here" in r.stderr
    (tmp_path / "manifest.json").write_text("[1, 2")
    r = run("review", tmp_path)
    assert r.returncode == 1 and "not a batch manifest" in r.stderr
    assert not (tmp_path / "index.html").exists()


def test_a_missing_thumbnail_is_drawn_again_from_the_meshes(batch_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    thumb = out / "short" / "short_thumb.png"
    before = thumb.read_bytes()
    thumb.unlink()
    assert run("review", out).returncode == 0
    assert thumb.read_bytes() == before


def test_the_thumbnail_puts_the_left_device_on_the_left():
    import io

    import trimesh
    from PIL import Image

    box = trimesh.creation.box([200.0, 60.0, 4.0])
    box.apply_translation([100.0, 0.0, 2.0])
    wedge = box.copy()
    wedge.vertices[:, 2] += np.where(wedge.vertices[:, 2] > 1, 0.05 * wedge.vertices[:, 0], 0)   # higher toward the toes
    png = thumbnail_png([Shown("right", "right", box.vertices, box.faces), Shown("left", "left", wedge.vertices, wedge.faces)])
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    half = pixels.shape[1] // 2
    # viridis: yellow (high) has the most red; the left tile is the wedge, brightest at the top (toes)
    left, right = pixels[:, :half], pixels[:, half:]
    assert left[5:15, :, 0].mean() > left[-15:-5, :, 0].mean() + 40
    assert abs(right[5:15, :, 0].mean() - right[-15:-5, :, 0].mean()) < 10


def test_a_hand_edited_manifest_cannot_link_outside_or_inject(batch_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch_out, out)
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "secret.json").write_text("{}")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["rows"] += [{"case": "../secret", "side": "right", "status": "ok", "message": ""},
                         {"case": "<script>alert(1)</script>", "side": "left", "status": "failed", "message": "<b>x</b>"}]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert run("review", out).returncode == 0
    page = (out / "index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert links and not [h for h in links if "secret" in h or h.startswith(("/", ".."))]


@pytest.mark.parametrize("printer_name, size, fits", [("generic", "EU46", True), ("prusa-mk4", "EU38", True),
                                                      ("prusa-mk4", "EU46", False), ("formlabs-fuse1", "EU38", False)])
def test_a_records_own_bed_plan_and_the_reworked_verdict_agree(printer_name, size, fits):
    """The review takes a record's bed plan for the printer it was made for and works out any
    other printer's: both ways give one verdict, whether the pair fits or does not. A plan that
    says a side does not fit is believed."""
    from insolegen.batch.review import record_printability
    from insolegen.case import CaseRequest, design_case

    record = design_case(CaseRequest(size=size, printer=printer_name)).record
    planned = record_printability(record, printer_name)
    worked_out = record_printability({**record, "printing": {}}, printer_name)
    assert planned == worked_out
    assert planned[0] == fits
    edited = {**record, "printing": {**record["printing"], "not_on_bed": ["left"]}}
    ok, reasons = record_printability(edited, printer_name)
    assert not ok and any(r.startswith("left: does not fit") for r in reasons)

"""The shoe where people look: the report draws the sock-liner with the device inside it and says
the fit's numbers (the record's, in one wording); the 3D view draws the liner under each device
(the left one mirrored) with a toggle, and lists the same lines; the review page carries them, and
a style accepted beyond its limits as a warning."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from browser import ink, open_page
from helpers import run_cli

from insolegen.feet.footshape import foot_from_size
from insolegen.outputs.preview import load_preview_input
from insolegen.outputs.readings import shoe_lines
from insolegen.outputs.webview import scene_data


@pytest.fixture(scope="module")
def shod(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shod")
    liner = folder / "liner.csv"
    np.savetxt(liner, foot_from_size("EU44", "wide").outline, delimiter=",")
    r = run_cli("design", "--size", "EU42", "--shoe", liner, "--set", "shoe.style=dress", "--set", "heel_cup.depth_mm=14",
                "--accept-shoe", "--report", "--html", "--out", folder / "out", "-q")
    assert r.returncode == 0, r.stderr
    return folder / "out"


def test_the_report_draws_the_liner_and_says_the_fit(shod):
    record = json.loads((shod / "EU42_medium.json").read_text())
    text = " ".join(subprocess.run(["pdftotext", str(shod / "EU42_medium_report.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "The shoe: the sock-liner (grey) and the device (black)" in text
    for line in shoe_lines(record, with_warnings=False):
        assert " ".join(line.split()) in text, line
    residual = f"{record['shoe']['registration']['residual_mm']:.2f} mm apart"
    assert residual in text


def test_the_view_draws_the_liner_under_each_device(shod, browser):
    inp = load_preview_input(shod / "EU42_medium.json")
    scene = scene_data(inp)
    record = json.loads((shod / "EU42_medium.json").read_text())
    liner = np.array(record["shoe"]["liner_mm"])
    by_side = {d["side"]: d for d in scene["devices"]}
    assert np.allclose(by_side["right"]["liner"], liner, atol=0.06)
    assert np.allclose(by_side["left"]["liner"], liner * [1.0, -1.0], atol=0.06)
    assert scene["shoe"] == shoe_lines(record) and any("Accepted beyond" in line for line in scene["shoe"])

    view = open_page(browser, shod / "EU42_medium_view.html")
    page = view.page
    assert page.locator("#liner-toggle").is_visible()
    assert page.locator("#shoe li").count() == len(scene["shoe"])
    page.locator("button[data-view='top']").click()
    page.wait_for_timeout(200)
    with_liner = ink(view.pixels("#view"))
    page.locator("#show-liner").uncheck()
    page.wait_for_timeout(200)
    without = ink(view.pixels("#view"))
    assert (with_liner & ~without).sum() > 200          # the liner's line, drawn outside the devices' edges
    assert view.errors == []
    page.close()


def test_the_review_page_carries_the_shoe_and_the_accepted_warning(tmp_path):
    case = tmp_path / "cases" / "p1"
    case.mkdir(parents=True)
    np.savetxt(case / "shoe.csv", foot_from_size("EU44", "wide").outline, delimiter=",")
    np.savetxt(case / "right.csv", foot_from_size("EU42", "medium").outline, delimiter=",")
    (case / "prescription.toml").write_text('[input]\naccept_shoe = true\n\n[shoe]\nstyle = "dress"\n\n[heel_cup]\ndepth_mm = 14\n')
    r = run_cli("batch", tmp_path / "cases", "--out", tmp_path / "out", "--workers", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    page = (tmp_path / "out" / "index.html").read_text()
    assert "Sock-liner shoe.csv" in page and 'class="bad">Accepted beyond the style' in page

"""The one-page case report: written by `design --report` and `report`, read back as a reader
would see it (pdftotext for its words, pdftoppm for its page), and held to the meshes it
describes (the mass is the STL's own volume times the material's density)."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import trimesh
from helpers import run_cli as run
from helpers import run_cli_headless
from PIL import Image

from insolegen import __version__
from insolegen.measure.printing import MATERIALS

DATA = Path(__file__).parent / "data"
FOAM = DATA / "footprints" / "greenai_foamprint_56_half.jpg"
TECHMED = DATA / "scans" / "techmed3d_plantar_scan.obj"


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _text(pdf: Path) -> str:
    """The page's words, in reading order, with every run of white space as one space."""
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(words.split())


def _page_png(pdf: Path, tmp_path: Path) -> np.ndarray:
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    return np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)


@pytest.fixture(scope="module")
def size_case(tmp_path_factory):
    out = tmp_path_factory.mktemp("size")
    r = run_cli_headless("design", "--size", "EU40", "--out", out, "--report", "--set", "arch.height_mm=18", "-q")
    assert r.returncode == 0, r.stderr
    return out


def test_design_report_is_one_a4_page_with_the_pictures(size_case, tmp_path):
    pdf = size_case / "EU40_medium_report.pdf"
    assert _pages(pdf) == 1
    page = _page_png(pdf, tmp_path)
    height, width, _ = page.shape
    assert height / width == pytest.approx(297 / 210, rel=0.01)
    # the pictures are there: colour-mapped (saturated) pixels, as a renderer draws and text is not
    saturation = page.max(axis=-1) - page.min(axis=-1)
    assert (saturation > 40).mean() > 0.015
    # and the page is not a blank or a black one
    assert 0.05 < (page.mean(axis=-1) < 200).mean() < 0.6


def test_the_report_says_what_a_podiatrist_files(size_case):
    text = _text(size_case / "EU40_medium_report.pdf")
    for words in ("EU40_medium", dt.date.today().isoformat(), f"insolegen {__version__}", "arch height (mm)",
                  "Landmarks", "Clinical indices", "PRINTABLE", "Designed by", "Checked by"):
        assert words in text, words
    row = re.search(r"arch height \(mm\)\s+([\d.]+)\s+([\d.]+)", text)
    assert float(row.group(1)) == pytest.approx(18.0) and abs(float(row.group(2)) - 18.0) <= 0.5


def test_the_reported_mass_is_the_meshs_volume_times_the_density(size_case):
    text = _text(size_case / "EU40_medium_report.pdf")
    masses = [float(m) for m in re.findall(r"tpu95a, ([\d.]+) g", text)]
    assert len(masses) == 2
    for side, mass in zip(("left", "right"), masses):
        mesh = trimesh.load(size_case / f"EU40_medium_{side}.stl")
        assert mass == pytest.approx(mesh.volume / 1000.0 * MATERIALS["tpu95a"].density_g_cm3, abs=0.06)


def test_a_printer_too_small_is_reported_not_printable_with_why(size_case, tmp_path):
    pdf = tmp_path / "fuse.pdf"
    r = run_cli_headless("report", size_case, "--out", pdf, "--printer", "formlabs-fuse1", "--material", "pa12-sls")
    assert r.returncode == 0, r.stderr
    assert "NOT printable" in r.stdout
    text = _text(pdf)
    assert "NOT PRINTABLE" in text and "does not fit the build volume" in text and "pa12-sls" in text


def test_an_image_of_two_feet_reports_each_foot_and_its_indices(tmp_path):
    r = run_cli_headless("design", FOAM, "--out", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    r = run_cli_headless("report", tmp_path / "greenai_foamprint_56_half.json")
    assert r.returncode == 0, r.stderr
    pdf = tmp_path / "greenai_foamprint_56_half_report.pdf"
    assert _pages(pdf) <= 2         # two feet's tables flow onto a second page rather than shrink the type
    text = _text(pdf)
    assert "Clinical indices, left device" in text and "Clinical indices, right device" in text
    assert len(re.findall(r"arch index\s+0\.\d+", text)) == 2


@pytest.mark.slow
def test_a_total_contact_design_from_a_scan_reports_the_fit(tmp_path):
    r = run_cli_headless("design", TECHMED, "--contour", "scan", "--out", tmp_path, "--report", "-q")
    assert r.returncode == 0, r.stderr
    pdf = tmp_path / "techmed3d_plantar_scan_report.pdf"
    assert _pages(pdf) <= 2
    text = _text(pdf)
    assert "Total contact" in text and "The scan is drawn translucent" in text
    assert "not classified: the footprint covers" in text      # a plantar scan taken non-weight-bearing


def test_the_same_case_and_date_give_the_same_bytes(size_case):
    from insolegen.outputs.report import gather, report_pdf

    inp = gather(size_case, picture=False)
    day = dt.date(2026, 1, 2)
    assert report_pdf(inp, day) == report_pdf(inp, day)
    assert report_pdf(inp, day) != report_pdf(inp, dt.date(2026, 1, 3))


def test_refusals_name_the_problem(size_case, tmp_path):
    r = run("report", size_case / "EU40_medium_left.stl")
    assert r.returncode == 1 and "not a mesh" in r.stderr
    r = run("report", size_case)
    assert r.returncode == 1 and "exists; use --force" in r.stderr
    r = run("report", size_case, "--out", tmp_path / "report.html")
    assert r.returncode == 1 and "name it .pdf" in r.stderr
    r = run("report", tmp_path / "nothing_here")
    assert r.returncode == 1 and "no such file or folder" in r.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_crossings_are_counted_on_each_mesh_of_the_pair(size_case, tmp_path):
    """A pair's left is its right mirrored, and the report counts the (no) crossings once for
    both; a mesh that is no longer the other's mirror image is counted on its own."""
    import shutil

    from insolegen.measure.intersect import count_self_intersections
    from insolegen.outputs.report import gather

    case = tmp_path / "case"
    shutil.copytree(size_case, case)
    assert [m.state.self_intersections for m in gather(case, picture=False).measurements.values()] == [0, 0]
    right_stl = next(case.glob("*_right.stl"))
    right = trimesh.load(right_stl, process=True)
    top = np.flatnonzero(right.vertices[:, 2] > 2.5)
    heel = top[np.argmin(np.hypot(right.vertices[top, 0] - 40.0, right.vertices[top, 1]))]
    right.vertices[heel, 2] = -1.0                  # pulled down through the bottom: its faces cross it
    right.export(right_stl)
    assert count_self_intersections(right.vertices, right.faces) > 0
    measured = gather(case, picture=False).measurements
    assert measured["left"].state.self_intersections == 0 and measured["left"].printable
    assert measured["right"].state.self_intersections == count_self_intersections(right.vertices, right.faces)
    assert not measured["right"].printable and any("cross each other" in r for r in measured["right"].reasons)

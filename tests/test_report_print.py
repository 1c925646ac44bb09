"""The case report at print quality, on six kinds of case (a size, two feet in one image, a 3D
scan, total contact, a pressure plate with offloading, print zones): every font embedded, no
type under 7 pt, no word outside the page's margins or over another word, the prescription in a
clinician's words, every prescribed and measured number the record's own, and the bytes fixed by
SOURCE_DATE_EPOCH. Read back with poppler (pdffonts, pdftotext -bbox), as a lab's reader would."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from helpers import run_cli

from insolegen.outputs.numbers import fixed
from insolegen.outputs.readings import device_size, human_name, verification_of

DATA = Path(__file__).parent / "data"
CASES = {
    "size": [],
    "two_feet": [DATA / "footprints" / "greenai_foamprint_56_half.jpg"],
    "scan": [DATA / "scans" / "dupontgu_left_foot.stl"],
    "total_contact": [DATA / "scans" / "techmed3d_plantar_scan.obj", "--contour", "scan"],
    "pressure": [DATA / "footprints" / "greenai_raw_pressure_every16th.csv", "--pitch-mm", "5.6",
                 "--set", "offload.above_percentile=95"],
    "zones": ["--set", "zones.layout=regions", "--set", "offload.sites=[\"mth5\"]", "--set", "accommodations.mortons_extension_mm=3"],
}
MARGIN_PT = 12.0 * 72 / 25.4        # the report's page margin
EPOCH = 1767323045                   # 2026-01-02 03:04:05 UTC


def _design(case: str, out: Path, env=None) -> tuple[Path, dict]:
    r = run_cli("design", *CASES[case], "--out", out, "--report", "-q", env=env)
    assert r.returncode == 0, r.stderr
    record_path = next(p for p in out.glob("*.json"))
    return out / f"{record_path.stem}_report.pdf", json.loads(record_path.read_text())


def _words(pdf: Path) -> list[dict]:
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    root = ElementTree.fromstring(re.sub(r' xmlns="[^"]+"', "", xml, count=1))
    words = []
    for number, page in enumerate(root.iter("page"), start=1):
        size = float(page.get("width")), float(page.get("height"))
        for w in page.iter("word"):
            box = [float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append({"page": number, "size": size, "box": box, "text": w.text or ""})
    return words


@pytest.fixture(scope="module", params=list(CASES))
def report(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    pdf, record = _design(request.param, out, env)
    return request.param, pdf, record


def test_every_font_is_embedded(report):
    _, pdf, _ = report
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert listing, "no fonts listed"
    for line in listing:
        name, emb = line.split()[0], line.split()[-5]
        assert emb == "yes", f"{name} is not embedded"


def test_no_type_under_7_pt_and_no_word_off_the_page_or_over_another(report):
    case, pdf, _ = report
    words = _words(pdf)
    assert len(words) > 200
    heights = np.array([w["box"][3] - w["box"][1] for w in words])
    assert heights.min() >= 7.0 - 1e-3, [w["text"] for w, h in zip(words, heights) if h < 7][:10]
    for w in words:
        x0, y0, x1, y1 = w["box"]
        width, height = w["size"]
        inside = x0 >= MARGIN_PT - 1 and x1 <= width - MARGIN_PT + 1 and y0 >= MARGIN_PT - 1 and y1 <= height - MARGIN_PT * 0.5
        assert inside, (case, w["page"], w["text"], w["box"])
    for page in {w["page"] for w in words}:
        boxes = np.array([w["box"] for w in words if w["page"] == page])
        texts = [w["text"] for w in words if w["page"] == page]
        # two words overlap when their boxes share more than half a point each way
        dx = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0], boxes[None, :, 0])
        dy = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1], boxes[None, :, 1])
        clash = np.triu((dx > 0.5) & (dy > 0.5), k=1)
        pairs = [(texts[i], texts[j]) for i, j in zip(*np.nonzero(clash))]
        assert not pairs, (case, page, pairs[:5])


def test_a_report_flows_onto_a_second_page_only_at_a_section(report):
    """One page where the case fits; else the second page begins with a section's heading, not
    the middle of a table."""
    case, pdf, _ = report
    words = _words(pdf)
    pages = max(w["page"] for w in words)
    assert pages <= 2
    if case == "size":
        assert pages == 1
    if pages == 2:
        first_line = " ".join(w["text"] for w in words if w["page"] == 2 and
                              abs(w["box"][1] - min(v["box"][1] for v in words if v["page"] == 2)) < 1)
        headings = ("Prescribed and measured", "Landmarks", "Clinical indices", "Meshes and printability", "Total contact",
                    "Offloading", "Print zones", "The prescription", "Notes")
        assert first_line.startswith(headings), first_line


def test_every_prescribed_and_measured_number_is_the_records(report):
    """Each compared check's row reads the record's prescribed and measured values, rounded once;
    each device's size is the measured one; no "-0.00" anywhere."""
    case, pdf, record = report
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "-0.00" not in flat
    for side in record["devices"]:
        size = device_size(record, side)
        assert f"{fixed(size['length_mm'])} x {fixed(size['width_mm'])} x {fixed(size['height_mm'])} mm" in flat
        for check in verification_of(record, side)["checks"]:
            if not check["compared"]:
                continue
            first_word = re.escape(human_name(check["quantity"]).split()[0])
            stated = [check["prescribed"], check["measured"]]
            if "from_scan" in check:        # total contact: the prescription's amount, the scan's own, their sum
                stated = [check["rx_amount"], check["from_scan"], *stated]
            row = rf"{first_word}.*?" + r"\s+".join(re.escape(fixed(v)) for v in stated) + r"\s+±"
            assert re.search(row, text), (case, side, check)
    if case == "total_contact":
        assert "the scan's own" in flat and "the prescription governs only what is added" in flat
        cup = next(c for c in record["prescribed_vs_measured"]["checks"] if c["quantity"] == "heel_cup_depth_mm")
        assert cup["rx_amount"] == record["prescription"]["heel_cup"]["depth_mm"]
        assert cup["prescribed"] == pytest.approx(cup["rx_amount"] + cup["from_scan"], abs=0.002)


def test_the_prescription_reads_as_a_clinician_writes_it(report):
    case, pdf, record = report
    flat = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "mortons extension mm" not in flat and "mortons_extension" not in flat
    cup = record["prescription"]["heel_cup"]["depth_mm"]
    assert f"Heel cup {cup:g} mm deep" in flat
    assert f"{record['prescription']['arch']['height_mm']:g} mm high" in flat
    if case == "zones":
        assert "Morton's extension 3 mm" in flat and "pockets 2 mm deep under 5th met head" in flat
        assert "Print zones regions layout" in flat
    else:
        listed, absent = flat.split("The prescription as prescribed")[1].split("Not prescribed:")
        assert "Morton's extension" not in listed and "morton's extension" in absent


def test_source_date_epoch_dates_the_report_and_fixes_its_bytes(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    pdf, _ = _design("size", tmp_path / "once", env)
    info = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CreationDate:\s+2026-01-02T03:04:05", info), info
    flat = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Report date 2026-01-02" in flat
    again, _ = _design("size", tmp_path / "again", env)
    assert again.read_bytes() == pdf.read_bytes()

"""The order desk end to end in Debian's Chromium (Playwright), on a real server on loopback: a
clinician submits a foam-print order; a technician drags the left MTH1 and the met-pad pin (the
clinician's own, so it moves only when dragged) 5 mm and sees both move in the new revision, changes arch.height_mm, approves and releases; the clinician sees
"released" and downloads the package, whose files are the revision's bytes and measure as
prescribed. Another clinic's user gets 404. (benchmarks/bench_desk.py times the redesign.)"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest
from served import PASSWORD, add_people, running

from insolegen.measure import measure_file

FOAM = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_foamprint_56_half.jpg"


def _sign_in(chromium, url: str, name: str):
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: errors.append(f"network: {r.url}") if not r.url.startswith(url) else None)
    page.goto(f"{url}/desk/signin")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/desk")
    return page, errors


def _wait_for(page, text: str, timeout_s: float = 60) -> None:
    """Wait until the page shows ``text``: a page whose revision is still designing reloads itself
    when it is done, and a redesign swaps its new page in (a reload from here would race both)."""
    page.get_by_text(text).first.wait_for(timeout=timeout_s * 1000)


@pytest.mark.slow
def test_an_order_from_a_clinic_to_release_in_a_browser(browser, tmp_path):
    data = tmp_path / "lab"
    add_people(data, {"ann": ("Clinic", "clinician"), "tom": ("Clinic", "technician"), "cat": ("Other", "clinician")})
    with running(data) as (_, url):
        ann, ann_errors = _sign_in(browser, url, "ann")
        ann.goto(f"{url}/desk/new")
        ann.fill("#patient_ref", "P-0042")
        ann.set_input_files("#foot", str(FOAM))
        ann.click("summary:has-text('met pad')")
        ann.fill("#met_pad-height_mm", "4")
        ann.click("button:has-text('Submit the order')")
        ann.wait_for_url(f"{url}/desk/orders/*")
        order_id = int(ann.url.rsplit("/", 1)[1])
        _wait_for(ann, "Download the print package")

        tom, tom_errors = _sign_in(browser, url, "tom")
        tom.goto(f"{url}/desk/orders/{order_id}")
        assert "Approve revision 1" in tom.content() and "Approve" not in ann.content()
        # drag the left MTH1 and the left met-pad pin 5 mm toward the toes, as a technician's mouse would
        px_per_mm = _px_per_mm(url, order_id)
        tom.locator('g.mark[data-side="left"][data-name="met_pad_center"]').scroll_into_view_if_needed()
        for name in ("mth1_head", "met_pad_center"):
            _drag(tom, name, 5.0 * px_per_mm)
        assert "left mth1_head, left met_pad_center" in tom.inner_text("#moved-text")
        tom.click("#redesign-landmarks")
        tom.wait_for_load_state()
        assert tom.url.endswith(f"/desk/orders/{order_id}"), (tom.url, tom.inner_text("main")[:600])
        _wait_for(tom, "Revision 1 → revision 2")
        before, after = (_record(url, order_id, n)["per_side_feet"]["left"] for n in (1, 2))
        mth1 = [np.array([r["foot"]["landmarks"]["mth1_head"][k] for k in ("x_mm", "y_mm")]) for r in (before, after)]
        assert np.linalg.norm(mth1[1] - mth1[0]) == pytest.approx(5.0, abs=0.7)
        assert after["foot"]["landmarks"]["mth1_head"]["how"] == "clinician"
        pads = [np.array(r["derived"]["features"]["met_pad"]["centre_mm"]) for r in (before, after)]
        assert np.linalg.norm(pads[1] - pads[0]) == pytest.approx(5.0, abs=0.7)
        assert (pads[1] - pads[0])[0] > 4.0                                             # toward the toes

        # a prescription field, redesigned: click to the new revision's view
        tom.fill("#field", "arch.height_mm")
        tom.fill("#value", "21")
        tom.evaluate("() => { window.samePage = true; }")
        tom.click("button:has-text('Redesign')")
        tom.wait_for_selector('iframe[title="3D view of revision 3"]', timeout=60_000)
        tom.frame_locator('iframe[title="3D view of revision 3"]').locator("canvas").first.wait_for()
        assert tom.evaluate("() => window.samePage === true")         # the new revision swapped in, no navigation
        assert "Revision 2 → revision 3" in tom.inner_text("#diff")
        assert "arch.height_mm: — → 21" in tom.content() or "arch.height_mm" in tom.inner_text("#diff")
        tom.click("button:has-text('Approve revision 3')")
        tom.click("button:has-text('Release to print')")
        assert "released" in tom.inner_text("h1")

        ann.goto(f"{url}/desk")
        assert "released" in ann.inner_text(f'tr[data-id="{order_id}"]')
        ann.goto(f"{url}/desk/orders/{order_id}")
        with ann.expect_download() as got:
            ann.click("text=Download the print package (ZIP)")
        package = Path(got.value.path()).read_bytes()
        token = httpx.post(f"{url}/api/v1/token", data={"username": "ann", "password": PASSWORD}).json()["access_token"]
        with zipfile.ZipFile(io.BytesIO(package)) as z:
            for name in z.namelist():
                api = httpx.get(f"{url}/api/v1/orders/{order_id}/files/{name}?revision=3", headers={"Authorization": f"Bearer {token}"})
                assert z.read(name) == api.content, name
            stl = next(n for n in z.namelist() if n.endswith("_left.stl"))
            (tmp_path / "left.stl").write_bytes(z.read(stl))
        found, _ = measure_file(tmp_path / "left.stl")
        assert found[0].quantities["arch_apex_height_mm"] == pytest.approx(21.0, abs=0.5)

        cat, _ = _sign_in(browser, url, "cat")
        assert cat.goto(f"{url}/desk/orders/{order_id}").status == 404
        assert cat.goto(f"{url}/desk/orders/{order_id}/package.zip").status == 404
        assert not [e for e in ann_errors + tom_errors if "network:" in e], ann_errors + tom_errors


def _drag(page, name: str, screen_px_in_image: float) -> None:
    """Drag the left foot's ``name`` away from its heel by this many image pixels (in screen pixels
    as the picture is drawn), with the mouse."""
    def centre(n):
        box = page.locator(f'g.mark[data-side="left"][data-name="{n}"] .dot').bounding_box()
        return np.array([box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])

    def in_image(n):
        return np.array([float(page.locator(f'g.mark[data-side="left"][data-name="{n}"]').get_attribute(a)) for a in ("data-x", "data-y")])

    start, heel = centre(name), centre("heel_center")
    along = start - heel
    scale = np.linalg.norm(along) / np.linalg.norm(in_image(name) - in_image("heel_center"))   # screen pixels per image pixel
    end = start + along / np.linalg.norm(along) * screen_px_in_image * scale
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def _px_per_mm(url: str, order_id: int) -> float:
    record = _record(url, order_id, 1)["per_side_feet"]["left"]["foot"]["landmarks"]
    a, b = record["heel_center"], record["met_pad_center"]
    return float(np.hypot(a["source"]["x"] - b["source"]["x"], a["source"]["y"] - b["source"]["y"])
                 / np.hypot(a["x_mm"] - b["x_mm"], a["y_mm"] - b["y_mm"]))


def _record(url: str, order_id: int, revision: int) -> dict:
    token = httpx.post(f"{url}/api/v1/token", data={"username": "tom", "password": PASSWORD}).json()["access_token"]
    r = httpx.get(f"{url}/api/v1/orders/{order_id}/files/order{order_id}_r{revision}.json", headers={"Authorization": f"Bearer {token}"})
    return json.loads(r.content)


"""The order desk in a browser's place: pages rendered by the server, signed in by cookie, every
form with its CSRF token. A clinician submits an order from the form; a technician redesigns,
approves and releases it from its page; the clinician downloads the print package, whose files
are the revision's own bytes and measure as prescribed. Another clinic finds nothing."""
from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from insolegen.measure import measure_file
from insolegen.serve import auth
from insolegen.serve.app import create_app

PEOPLE = {"ann": ("North Clinic", "clinician"), "cat": ("South Clinic", "clinician"), "tom": ("Lab", "technician")}


def password(name):
    return f"{name} signs in with this"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("desk"), workers=1)
    with app.state.server.sessions() as db:
        for name, (clinic, role) in PEOPLE.items():
            auth.add_user(db, name, clinic, role, password(name))
        db.commit()
    with TestClient(app):                 # runs the service's start and stop
        yield app


def browser(app, name: str | None = None) -> TestClient:
    """A browser of its own (its own cookies), signed in as ``name``."""
    b = TestClient(app, follow_redirects=False)
    if name:
        page = b.get("/desk/signin")
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
        r = b.post("/desk/signin", data={"username": name, "password": password(name), "nonce": nonce})
        assert r.status_code == 303 and r.headers["location"] == "/desk", r.text
    return b


def csrf(page_html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', page_html).group(1)


def wait_state(b: TestClient, order_id: int, states=("review", "failed")) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        row = next(o for o in b.get("/desk/orders.json").json()["orders"] if o["id"] == order_id)
        if row["state"] in states:
            return row
        time.sleep(0.2)
    raise AssertionError(f"order {order_id} not {states}")


def test_sign_in_sets_a_strict_http_only_cookie_and_pages_forbid_the_network(desk):
    b = TestClient(desk, follow_redirects=False)
    assert b.get("/desk").status_code == 303                        # not signed in: to the sign-in page
    page = b.get("/desk/signin")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "http" not in policy
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    assert b.post("/desk/signin", data={"username": "ann", "password": "wrong", "nonce": nonce}).headers["location"].endswith("error=1")
    r = b.post("/desk/signin", data={"username": "ann", "password": password("ann"), "nonce": nonce})
    cookie = r.headers["set-cookie"].lower()
    assert "insolegen_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    listing = b.get("/desk")
    assert listing.status_code == 200 and "ann · clinician · North Clinic" in listing.text
    for path in ("/desk", "/desk/new", "/desk/signin"):
        html = b.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html), path        # nothing from the network
        assert all(f'for="{i}"' in html for i in re.findall(r'<input id="([^"]+)"', html)), path   # every input labelled


def test_a_form_without_its_csrf_token_is_refused(desk):
    b = browser(desk, "ann")
    assert b.post("/desk/new", data={"patient_ref": "P-1", "size": "EU42"}).status_code in (403, 422)
    assert b.post("/desk/new", data={"patient_ref": "P-1", "size": "EU42", "csrf": "0" * 64}).status_code == 403
    assert b.post("/desk/signout", data={}).status_code in (403, 422)
    fresh = TestClient(desk, follow_redirects=False)
    assert fresh.post("/desk/signin", data={"username": "ann", "password": password("ann"), "nonce": "made-up"}).status_code == 403


def test_an_order_from_the_form_to_the_released_package(desk, tmp_path):
    ann, tom, cat = browser(desk, "ann"), browser(desk, "tom"), browser(desk, "cat")
    form = ann.get("/desk/new").text
    assert "arch.height_mm" in form and "(mm)" in form                   # the schema's fields with units
    bad = ann.post("/desk/new", data={"csrf": csrf(form), "patient_ref": "P-77", "size": "EU42", "arch.height_mm": "99"})
    assert bad.status_code == 422 and "arch.height_mm = 99 is out of range" in bad.text and "has-error" in bad.text
    r = ann.post("/desk/new", data={"csrf": csrf(form), "patient_ref": "P-77", "size": "EU42", "arch.height_mm": "18"})
    assert r.status_code == 303
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert f'href="/desk/orders/{order_id}"' in ann.get("/desk").text        # in the list at once
    wait_state(ann, order_id)

    # another clinic: no page, no package
    assert cat.get(f"/desk/orders/{order_id}").status_code == 404
    assert cat.get(f"/desk/orders/{order_id}/package.zip").status_code == 404

    # the technician's page: the table, the view, the buttons only a technician sees
    page = tom.get(f"/desk/orders/{order_id}").text
    assert "arch height (mm)" in page and "_view.html" in page and "Approve revision 1" in page
    assert "Approve" not in ann.get(f"/desk/orders/{order_id}").text
    assert ann.post(f"/desk/orders/{order_id}/approve", data={"csrf": csrf(ann.get("/desk").text)}).status_code == 403

    r = tom.post(f"/desk/orders/{order_id}/redesign", data={"csrf": csrf(page), "field": "arch.height_mm", "value": "21"})
    assert r.status_code == 303
    wait_state(tom, order_id)
    page = tom.get(f"/desk/orders/{order_id}").text
    assert "Revision 2" in page and "arch.height_mm: 18 → 21" in page
    # the diff of the two revisions: the field, the measured arch side by side, both pictures
    diff = page[page.index('id="diff"'):page.index("</section>", page.index('id="diff"'))]
    assert "Revision 1 → revision 2" in diff and "arch.height_mm: 18 → 21" in diff
    arch_row = re.search(r"<td>arch height \(mm\)</td><td>([\d.]+)</td><td>([\d.]+)</td><td>([+\-\d.]+)", diff)
    assert arch_row and float(arch_row.group(2)) - float(arch_row.group(1)) == pytest.approx(3.0, abs=0.6), arch_row
    for thumb in re.findall(r'<img src="([^"]+_thumb\.png[^"]*)"', diff):
        picture = tom.get(thumb.replace("&amp;", "&"))
        assert picture.status_code == 200 and picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "_thumb.png" in tom.get("/desk").text
    assert tom.post(f"/desk/orders/{order_id}/approve", data={"csrf": csrf(page)}).status_code == 303
    page = tom.get(f"/desk/orders/{order_id}").text
    assert tom.post(f"/desk/orders/{order_id}/release", data={"csrf": csrf(page)}).status_code == 303
    assert next(o for o in ann.get("/desk/orders.json").json()["orders"] if o["id"] == order_id)["state"] == "released"

    package = ann.get(f"/desk/orders/{order_id}/package.zip")
    assert package.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert {f"order{order_id}_r2_left.stl", f"order{order_id}_r2_right.stl", f"order{order_id}_r2.3mf", f"order{order_id}_r2.json"} <= set(names)
    with zipfile.ZipFile(io.BytesIO(package.content)) as z:
        for name in names:                                                  # the revision's own bytes
            assert z.read(name) == ann.get(f"/api/v1/orders/{order_id}/files/{name}?revision=2").content, name
        (tmp_path / "r.stl").write_bytes(z.read(f"order{order_id}_r2_right.stl"))
    found, _ = measure_file(tmp_path / "r.stl")
    assert found[0].quantities["arch_apex_height_mm"] == pytest.approx(21.0, abs=0.5)


def test_a_pin_dragged_on_the_footprint_moves_the_met_pad_in_the_new_revision(desk):
    """A foam print of both feet: the order page draws the image with each foot's landmarks (in
    its pixels); the left met-pad pin, dragged 5 mm toward the toes, makes a revision whose left
    met pad stands 5 mm further forward and whose right one has not moved."""
    import json

    data = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_foamprint_56_half.jpg"
    tom = browser(desk, "tom")
    form = tom.get("/desk/new").text
    r = tom.post("/desk/new", data={"csrf": csrf(form), "patient_ref": "P-foam", "met_pad.height_mm": "4"},
                 files={"foot": ("foam.jpg", data.read_bytes())})
    assert r.status_code == 303, r.text[-2000:]
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert wait_state(tom, order_id)["state"] == "review"
    page = tom.get(f"/desk/orders/{order_id}").text
    assert f'href="/desk/orders/{order_id}/input/foot"' in page and 'data-name="met_pad_center"' in page
    assert tom.get(f"/desk/orders/{order_id}/input/foot").content == data.read_bytes()

    def pads(revision):
        record = json.loads(tom.get(f"/api/v1/orders/{order_id}/files/order{order_id}_r{revision}.json").content)
        assert "per_side_feet" in record, (revision, list(record)[:8], str(record)[:300])
        return {side: part["derived"]["features"]["met_pad"]["centre_mm"] for side, part in record["per_side_feet"].items()}

    marks = re.findall(r'data-side="(\w+)" data-name="(\w+)" data-x="([\d.]+)" data-y="([\d.]+)"', page)
    shown = {(side, name): (float(x), float(y)) for side, name, x, y in marks}
    record = json.loads(tom.get(f"/api/v1/orders/{order_id}/files/order{order_id}_r1.json").content)
    left = record["per_side_feet"]["left"]["foot"]["landmarks"]
    heel, toe = np.array(shown[("left", "heel_center")]), np.array(shown[("left", "met_pad_center")])
    along = (toe - heel) / np.linalg.norm(toe - heel)                                       # toward the toes, in pixels
    px_per_mm = np.linalg.norm(toe - heel) / np.hypot(left["met_pad_center"]["x_mm"] - left["heel_center"]["x_mm"],
                                                      left["met_pad_center"]["y_mm"] - left["heel_center"]["y_mm"])
    moved = (toe + along * 5.0 * px_per_mm).round(1).tolist()
    r = tom.post(f"/desk/orders/{order_id}/landmarks",
                 data={"csrf": csrf(page), "landmarks": json.dumps({"foot": {"left": {"met_pad_center": moved}}})})
    assert r.status_code == 303, r.text[-1500:]
    second = wait_state(tom, order_id)
    assert second["revision"] == 2 and second["state"] == "review", second
    before, after = pads(1), pads(2)
    assert np.hypot(*(np.array(after["left"]) - before["left"])) == pytest.approx(5.0, abs=0.5)
    assert after["right"] == before["right"]
    history = tom.get(f"/desk/orders/{order_id}").text
    assert "landmarks.left.met_pad_center" in history


PLATE = Path(__file__).resolve().parent / "data" / "footprints" / "greenai_raw_pressure_every16th.csv"
SCAN = Path(__file__).resolve().parent / "data" / "scans" / "dupontgu_left_foot.stl"


def _left_foot_order(b: TestClient, path: Path, what: str, **fields) -> tuple[int, str, dict]:
    """An order of one left foot file with a 4 mm met pad, designed: (its id, its page, each
    landmark shown on the file's picture, in the picture's pixels)."""
    form = b.get("/desk/new").text
    r = b.post("/desk/new", data={"csrf": csrf(form), "patient_ref": f"P-{path.suffix[1:]}", "met_pad.height_mm": "4", **fields},
               files={"left": (f"left{path.suffix}", path.read_bytes())})
    assert r.status_code == 303, r.text[-1500:]
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert wait_state(b, order_id)["state"] == "review"
    page = b.get(f"/desk/orders/{order_id}").text
    assert f'aria-label="{what} (left) with its landmarks"' in page
    picture = b.get(f"/desk/orders/{order_id}/input/left")
    assert picture.status_code == 200 and picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    shown = {name: np.array([float(x), float(y)]) for name, x, y in
             re.findall(r'data-side="left" data-name="(\w+)" data-x="([\d.]+)" data-y="([\d.]+)"', page)}
    return order_id, page, shown


def _landmarks_and_pad(b: TestClient, order_id: int, revision: int) -> tuple[dict, np.ndarray]:
    import json

    record = json.loads(b.get(f"/api/v1/orders/{order_id}/files/order{order_id}_r{revision}.json").content)
    return record["foot"]["landmarks"], np.array(record["derived"]["features"]["met_pad"]["centre_mm"])


def _mth1_moved_on_the_picture(b: TestClient, order_id: int, page: str, shown: dict, mm: float) -> np.ndarray:
    """Post MTH1 moved ``mm`` away from the heel on the left picture; MTH1's step in the record (canonical mm)."""
    import json

    first, _ = _landmarks_and_pad(b, order_id, 1)
    apart_mm = np.hypot(first["mth1_head"]["x_mm"] - first["heel_center"]["x_mm"], first["mth1_head"]["y_mm"] - first["heel_center"]["y_mm"])
    along = shown["mth1_head"] - shown["heel_center"]
    moved = (shown["mth1_head"] + along / apart_mm * mm).round(1).tolist()        # the picture's pixels per mm, from the record
    r = b.post(f"/desk/orders/{order_id}/landmarks", data={"csrf": csrf(page), "landmarks": json.dumps({"left": {"left": {"mth1_head": moved}}})})
    assert r.status_code == 303, r.text[-1500:]
    assert wait_state(b, order_id)["revision"] == 2
    second, _ = _landmarks_and_pad(b, order_id, 2)
    assert second["mth1_head"]["how"] == "clinician" and first["mth1_head"]["how"] != "clinician"
    return np.array([second["mth1_head"][k] - first["mth1_head"][k] for k in ("x_mm", "y_mm")])


def test_mth1_dragged_on_a_pressure_plate_moves_the_heads_and_the_pad_as_the_cli_would(desk, tmp_path):
    """A plate's order is drawn as the plate (its sensors shaded) with the landmarks in the
    picture's pixels. MTH1 dragged 5 mm toward the toes: the new revision's MTH1 stands 5 mm on
    (how: clinician), and the met pad drawn from the heads moves; the revision's bytes are those
    of `insolegen design --landmark mth1_head=X,Y` with the point the desk kept."""
    from insolegen.case import CaseRequest, design_case

    tom = browser(desk, "tom")
    form = tom.get("/desk/new").text
    bad = tom.post("/desk/new", data={"csrf": csrf(form), "patient_ref": "P-plate", "pitch_mm": "50"},
                   files={"left": ("plate.csv", PLATE.read_bytes())})
    assert bad.status_code == 422 and "pitch_mm = 50.0 is out of range 1 … 20" in bad.text and "has-error" in bad.text
    order_id, page, shown = _left_foot_order(tom, PLATE, "pressure plate", pitch_mm="5.6")
    _, pad_before = _landmarks_and_pad(tom, order_id, 1)
    step = _mth1_moved_on_the_picture(tom, order_id, page, shown, 5.0)
    assert np.linalg.norm(step) == pytest.approx(5.0, abs=0.3) and step[0] > 4.0          # 5 mm, toward the toes
    # the other heads (and the pad drawn from them) are read again from the new row's end and the
    # plate's forefoot load centre: they move, by less than MTH1 (the load still says where they are)
    _, pad_after = _landmarks_and_pad(tom, order_id, 2)
    assert 0.3 < np.linalg.norm(pad_after - pad_before) < 5.0

    # the desk kept the point in the plate's own coordinates: the CLI given it makes the same device
    kept = tom.get(f"/api/v1/orders/{order_id}").json()["revisions"][-1]["landmarks"]["left"]["mth1_head"]
    (tmp_path / "left.csv").write_bytes(PLATE.read_bytes())
    cli = design_case(CaseRequest(foot_file=tmp_path / "left.csv", foot_side="left", sides=("left",), pitch_mm=5.6,
                                  overrides=("met_pad.height_mm=4",), landmarks=(("mth1_head", tuple(kept), "left"),),
                                  name=f"order{order_id}_r2"))
    served = tom.get(f"/api/v1/orders/{order_id}/files/order{order_id}_r2_left.stl").content
    assert cli.files[f"order{order_id}_r2_left.stl"] == served


def test_mth1_dragged_on_a_scans_plantar_view_moves_the_met_pad_with_it(desk):
    """A 3D scan's order is drawn as the scan seen from below (shaded by height); MTH1 dragged
    5 mm toward the toes is kept as a point on the scan's ground (x, y, z), and on this scan,
    whose sole shows no forefoot load, the 2nd-3rd heads' row follows MTH1 and the met pad with it."""
    tom = browser(desk, "tom")
    order_id, page, shown = _left_foot_order(tom, SCAN, "3D scan")
    _, pad_before = _landmarks_and_pad(tom, order_id, 1)
    step = _mth1_moved_on_the_picture(tom, order_id, page, shown, 5.0)
    assert np.linalg.norm(step) == pytest.approx(5.0, abs=0.3) and step[0] > 4.0
    kept = tom.get(f"/api/v1/orders/{order_id}").json()["revisions"][-1]["landmarks"]["left"]["mth1_head"]
    assert len(kept) == 3                                               # a point of the scan's own (x, y, z)
    _, pad_after = _landmarks_and_pad(tom, order_id, 2)
    assert pad_after[0] - pad_before[0] > 3.0                          # the pad follows the heads' row forward


def test_the_list_filters_by_clinic_and_sorts_by_a_column(desk):
    ann, cat, tom = browser(desk, "ann"), browser(desk, "cat"), browser(desk, "tom")
    made = {}
    for who, ref in ((ann, "A-sort-2"), (cat, "C-sort-1"), (ann, "A-sort-1")):
        form = who.get("/desk/new").text
        r = who.post("/desk/new", data={"csrf": csrf(form), "patient_ref": ref, "size": "EU40"})
        assert r.status_code == 303
        made[ref] = int(r.headers["location"].rsplit("/", 1)[1])
    page = tom.get("/desk?clinic=South+Clinic&sort=patient&dir=asc").text
    ids = [int(i) for i in re.findall(r'<tr data-id="(\d+)"', page)]
    assert made["C-sort-1"] in ids and made["A-sort-1"] not in ids and made["A-sort-2"] not in ids
    page = tom.get("/desk?sort=patient&dir=asc").text
    refs = [ref for ref in re.findall(r"<td>([A-Z]-sort-\d)</td>", page)]
    assert refs == ["A-sort-1", "A-sort-2", "C-sort-1"] and 'aria-sort="ascending"' in page
    page = tom.get("/desk?sort=patient&dir=desc").text
    assert re.findall(r"<td>([A-Z]-sort-\d)</td>", page) == ["C-sort-1", "A-sort-2", "A-sort-1"]
    assert "South Clinic" not in ann.get("/desk").text.split("<tbody>")[0]          # a clinician's filter offers her clinic only
    live = tom.get("/desk/orders.json?clinic=North+Clinic").json()["orders"]
    assert {o["clinic"] for o in live} == {"North Clinic"}


def test_the_shoe_and_the_day_it_is_needed_by_are_kept_shown_and_checked(desk):
    import datetime as dt

    ann = browser(desk, "ann")
    form = ann.get("/desk/new").text
    assert 'for="shoe_description"' in form and 'type="date"' in form
    base = {"csrf": csrf(form), "patient_ref": "P-shoe", "size": "EU41"}
    bad = ann.post("/desk/new", data={**base, "due": "2020-01-01"})
    assert bad.status_code == 422 and "due = 2020-01-01 is out of range" in bad.text and "has-error" in bad.text
    assert ann.post("/desk/new", data={**base, "due": "next week"}).status_code == 422
    due = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    r = ann.post("/desk/new", data={**base, "due": due, "shoe_description": "dress, Loake oxford, UK 8"})
    assert r.status_code == 303
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = ann.get(f"/desk/orders/{order_id}").text
    assert "shoe: dress, Loake oxford, UK 8" in page and f"needed by {due}" in page
    listing = ann.get("/desk?sort=due&dir=asc").text
    assert f'<time datetime="{due}">' in listing
    detail = ann.get(f"/api/v1/orders/{order_id}").json()
    assert detail["shoe_description"] == "dress, Loake oxford, UK 8" and detail["due"] == due

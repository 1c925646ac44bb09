"""`insolegen serve`: a lab's orders over HTTP. Driven in-process through FastAPI's test client
(the server's own worker processes design), on SQLite and on a throwaway PostgreSQL cluster;
the devices that come back are measured from their meshes. The restart after SIGKILL runs a real
server on loopback (tests/test_serve_restart.py)."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hostile import hostile_cases
from postgres import throwaway_cluster

from insolegen.measure import measure_file
from insolegen.serve import auth
from insolegen.serve.app import create_app
from insolegen.serve.models import Order

DATA = Path(__file__).resolve().parent / "data"
PEOPLE = {"ann": ("North Clinic", "clinician"), "cat": ("South Clinic", "clinician"), "tom": ("Lab", "technician"),
          "ada": ("Lab", "admin")}
WAIT_S = 180


def password(name: str) -> str:
    return f"{name} has a long password"


class Service:
    def __init__(self, client: TestClient, server):
        self.client, self.server = client, server
        self._tokens: dict[str, str] = {}

    def as_(self, name: str) -> dict:
        if name not in self._tokens:
            r = self.client.post("/api/v1/token", data={"username": name, "password": password(name)})
            assert r.status_code == 200, r.text
            self._tokens[name] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[name]}"}

    def wait(self, order_id: int, who: str = "tom", until=("review", "failed")) -> dict:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            order = self.client.get(f"/api/v1/orders/{order_id}", headers=self.as_(who)).json()
            if order["state"] in until and order["revisions"][-1]["state"] in ("done", "failed"):
                return order
            time.sleep(0.2)
        raise AssertionError(f"order {order_id} still {order['state']} after {WAIT_S} s")

    def file(self, order_id: int, name: str, who: str = "tom", revision: int | None = None) -> bytes:
        r = self.client.get(f"/api/v1/orders/{order_id}/files/{name}", headers=self.as_(who),
                            params={"revision": revision} if revision else None)
        assert r.status_code == 200, r.text
        return r.content

    def counts(self) -> tuple[int, int]:
        """Orders in the database, files in the store."""
        with self.server.sessions() as db:
            orders = db.query(Order).count()
        return orders, sum(1 for p in (self.server.data / "blobs").rglob("*") if p.is_file())


def _start(data: Path, db_url: str | None = None):
    app = create_app(data, db_url, workers=1)
    with app.state.server.sessions() as db:
        for name, (clinic, role) in PEOPLE.items():
            auth.add_user(db, name, clinic, role, password(name))
        db.commit()
    return app


@pytest.fixture(scope="module")
def postgresql_url():
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request, tmp_path_factory):
    """The service on SQLite in its data folder, and on the throwaway PostgreSQL cluster: every
    test of this module runs on both."""
    url = request.getfixturevalue("postgresql_url") if request.param == "postgresql" else None
    app = _start(tmp_path_factory.mktemp(f"service-{request.param}"), url)
    assert app.state.server.sessions().get_bind().dialect.name == request.param
    with TestClient(app) as client:
        yield Service(client, app.state.server)


def _measured(data: bytes, tmp: Path, name: str) -> dict:
    path = tmp / name
    path.write_bytes(data)
    found, _ = measure_file(path)
    return found[0].quantities


def order_life(svc: Service, tmp: Path) -> None:
    """A clinician orders a device, a technician corrects the arch, approves and releases it; each
    revision's device is measured from its mesh, and the history names who changed what."""
    r = svc.client.post("/api/v1/orders", headers=svc.as_("ann"),
                        data={"size": "EU42", "patient_ref": "P-0042", "set": ["arch.height_mm=18"], "notes": "left knee pain"})
    assert r.status_code == 202 and r.json()["state"] in ("received", "designing"), r.text
    order_id = r.json()["id"]
    assert r.headers["location"] == f"/api/v1/orders/{order_id}"
    order = svc.wait(order_id, "ann")
    assert order["state"] == "review", order["reason"]
    files = order["revisions"][0]["files"]
    name = f"order{order_id}_r1"
    assert {f"{name}_left.stl", f"{name}_right.stl", f"{name}.3mf", f"{name}.json", f"{name}_view.html"} <= set(files)
    first = svc.file(order_id, f"{name}_right.stl", "ann")
    assert _measured(first, tmp, "r1.stl")["arch_apex_height_mm"] == pytest.approx(18.0, abs=0.5)
    record = json.loads(svc.file(order_id, f"{name}.json", "ann"))
    assert record["order"] == {"id": order_id, "revision": 1}

    # a clinician may not approve; a technician corrects the arch first
    assert svc.client.post(f"/api/v1/orders/{order_id}/approve", headers=svc.as_("ann")).status_code == 403
    r = svc.client.post(f"/api/v1/orders/{order_id}/revisions", headers=svc.as_("tom"), json={"set": ["arch.height_mm=22"]})
    assert r.status_code == 202, r.text
    order = svc.wait(order_id)
    assert [rev["number"] for rev in order["revisions"]] == [1, 2] and order["state"] == "review"
    second = svc.file(order_id, f"order{order_id}_r2_right.stl")
    assert _measured(second, tmp, "r2.stl")["arch_apex_height_mm"] == pytest.approx(22.0, abs=0.5)
    assert svc.file(order_id, f"{name}_right.stl", revision=1) == first       # a revision's files stay as they were

    assert svc.client.post(f"/api/v1/orders/{order_id}/release", headers=svc.as_("tom")).status_code == 409   # not approved yet
    assert svc.client.post(f"/api/v1/orders/{order_id}/approve", headers=svc.as_("tom")).json()["state"] == "approved"
    frozen = svc.client.post(f"/api/v1/orders/{order_id}/revisions", headers=svc.as_("tom"), json={"set": ["arch.height_mm=20"]})
    assert frozen.status_code == 409 and "approved" in frozen.json()["detail"]
    assert svc.client.post(f"/api/v1/orders/{order_id}/release", headers=svc.as_("tom")).json()["state"] == "released"
    assert svc.client.get(f"/api/v1/orders/{order_id}", headers=svc.as_("ann")).json()["state"] == "released"

    events = svc.client.get(f"/api/v1/orders/{order_id}/history", headers=svc.as_("ann")).json()["events"]
    assert [(e["who"], e["what"]) for e in events] == [
        ("ann", "received"), ("server", "designing"), ("server", "designed"), ("tom", "revised"), ("server", "designing"),
        ("server", "designed"), ("tom", "approved"), ("tom", "released")]
    assert events[3]["changes"] == [{"field": "arch.height_mm", "old": "18", "new": "22"}]
    assert events[5]["outputs"][f"order{order_id}_r2_right.stl"] == hashlib.sha256(second).hexdigest()


def test_an_order_is_designed_corrected_approved_and_released(service, tmp_path):
    order_life(service, tmp_path)


def test_another_clinic_finds_nothing_and_a_technician_sees_all(service):
    r = service.client.post("/api/v1/orders", headers=service.as_("ann"), data={"size": "EU40", "patient_ref": "P-7"})
    order_id = r.json()["id"]
    service.wait(order_id, "ann")
    for path in (f"/api/v1/orders/{order_id}", f"/api/v1/orders/{order_id}/files/order{order_id}_r1.json",
                 f"/api/v1/orders/{order_id}/history"):
        assert service.client.get(path, headers=service.as_("cat")).status_code == 404, path
    assert service.client.post(f"/api/v1/orders/{order_id}/cancel", headers=service.as_("cat")).status_code == 404
    assert order_id not in [o["id"] for o in service.client.get("/api/v1/orders", headers=service.as_("cat")).json()["orders"]]
    assert order_id in [o["id"] for o in service.client.get("/api/v1/orders", headers=service.as_("tom")).json()["orders"]]
    assert service.client.get("/api/v1/orders/999999", headers=service.as_("tom")).status_code == 404


def test_signing_in_tokens_and_who_manages_users(service):
    c = service.client
    assert c.post("/api/v1/token", data={"username": "ann", "password": "wrong password"}).status_code == 401
    assert c.post("/api/v1/token", data={"username": "nobody", "password": "wrong password"}).status_code == 401
    unauthenticated = c.get("/api/v1/orders")
    assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"] == "Bearer"
    assert c.get("/api/v1/orders", headers={"Authorization": "Bearer made-up"}).status_code == 401
    with service.server.sessions() as db:
        expired = auth.sign_in(db, "ann", password("ann"), hours=-0.01)
        db.commit()
    assert c.get("/api/v1/orders", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    new = {"name": "eve", "clinic": "East Clinic", "role": "clinician", "password": "eve's long password"}
    assert c.post("/api/v1/users", headers=service.as_("tom"), json=new).status_code == 403
    assert c.post("/api/v1/users", headers=service.as_("ada"), json=new).status_code == 201
    assert c.post("/api/v1/token", data={"username": "eve", "password": new["password"]}).status_code == 200
    assert c.get("/healthz").json()["status"] == "ok"


def test_bad_input_is_refused_at_submission_with_the_clis_words_and_nothing_kept(service, monkeypatch):
    c, who = service.client, service.as_("ann")
    before = service.counts()
    r = c.post("/api/v1/orders", headers=who, data={"size": "EU42", "patient_ref": "P-1", "set": ["arch.height_mm=99"]})
    assert r.status_code == 422 and "arch.height_mm = 99 is out of range 5 … 40 mm" in r.json()["detail"]
    r = c.post("/api/v1/orders", headers=who, data={"patient_ref": "P-1"}, files={"foot": ("Smith J.csv", b"x,y\n" + b"a,b\n" * 50)})
    assert r.status_code == 422 and "Smith J.csv" in r.json()["detail"] and "/tmp" not in r.json()["detail"], r.text
    r = c.post("/api/v1/orders", headers=who, data={"patient_ref": "P-1"}, files={"foot": ("notes.docx", b"PK..")})
    assert r.status_code == 422 and ".docx" in r.json()["detail"]
    r = c.post("/api/v1/orders", headers=who, data={"patient_ref": "P-1"},
               files={"prescription": ("rx.toml", b"[arch]\nheight_mm = 'high'\n"), "foot": ("f.csv", (DATA / "dupontgu_left_sole_outline.csv").read_bytes())})
    assert r.status_code == 422 and "arch.height_mm" in r.json()["detail"], r.text
    monkeypatch.setenv("INSOLEGEN_MAX_OUTLINE_MB", "0.001")
    r = c.post("/api/v1/orders", headers=who, data={"patient_ref": "P-1"}, files={"foot": ("big.svg", b"<svg>" + b" " * 5000 + b"</svg>")})
    assert r.status_code == 413 and "big.svg" in r.json()["detail"]
    assert service.counts() == before


def test_a_clients_file_name_is_never_a_path_and_a_key_makes_one_order(service):
    outline = (DATA / "dupontgu_left_sole_outline.csv").read_bytes()
    files = {"left": ("../../../etc/evil (L).csv", outline), "prescription": ("../rx.toml", b'[input]\nunits = "m"\n')}
    first = service.client.post("/api/v1/orders", headers={**service.as_("ann"), "Idempotency-Key": "form-77"},
                                data={"patient_ref": "P-9"}, files=files)
    assert first.status_code == 202, first.text
    again = service.client.post("/api/v1/orders", headers={**service.as_("ann"), "Idempotency-Key": "form-77"},
                                data={"patient_ref": "P-9"}, files=files)
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    order = service.wait(first.json()["id"], "ann")
    assert order["state"] == "review", order["reason"]
    stored = order["inputs"]["files"][0]
    assert [f["name"] for f in order["inputs"]["files"]] == ["evil (L).csv", "rx.toml"] and stored["name"] == "evil (L).csv" and stored["sha256"] == hashlib.sha256(outline).hexdigest()
    assert (service.server.data / "blobs" / stored["sha256"][:2] / stored["sha256"]).read_bytes() == outline
    assert not list(service.server.data.rglob("evil*"))
    assert [k for k in order["revisions"][0]["files"] if "left" in k or "right" in k] == [f"order{order['id']}_r1_left.stl"]


def test_a_worker_that_dies_fails_its_revision_and_the_next_order_designs(service):
    scan = (DATA / "scans" / "dupontgu_left_foot.stl").read_bytes()
    r = service.client.post("/api/v1/orders", headers=service.as_("ann"), data={"patient_ref": "P-crash"},
                            files={"left": ("left.stl", scan)})
    order_id = r.json()["id"]
    deadline = time.monotonic() + 60
    while not service.server.engine.worker_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    # at once: the job is in the pool (queued before the answer came) and takes tenths of a second;
    # a pool whose workers die fails every job in it, running or waiting
    for pid in service.server.engine.worker_pids():
        os.kill(pid, signal.SIGKILL)
    order = service.wait(order_id, "ann")
    assert order["state"] == "failed" and "worker" in order["reason"], order
    after = service.client.post("/api/v1/orders", headers=service.as_("ann"), data={"size": "EU41", "patient_ref": "P-after"})
    assert service.wait(after.json()["id"], "ann")["state"] == "review"


def test_the_migrations_make_the_tables_the_models_describe(tmp_path, postgresql_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, text

    from insolegen.serve.database import database_url, make_engine, migrate
    from insolegen.serve.models import Base

    pg = database_url(tmp_path, postgresql_url)
    server = create_engine(pg, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:                       # a database of its own: the module's is at the head already
        connection.execute(text("drop database if exists insolegen_upgrade"))
        connection.execute(text("create database insolegen_upgrade"))
    server.dispose()
    for engine in (make_engine(database_url(tmp_path, None)), make_engine(pg.replace("/insolegen?", "/insolegen_upgrade?"))):
        # a lab's database made by the first release, with an order in it, upgraded by this one
        assert migrate(engine, "0001") == "0001"
        with engine.begin() as connection:
            connection.execute(text("insert into clinics (id, name) values (1, 'Old Clinic')"))
            connection.execute(text("insert into users (id, name, clinic_id, role, password_hash, active, created_at) "
                                    "values (1, 'old', 1, 'clinician', 'x', true, '2026-01-02 03:04:05')"))
            connection.execute(text("insert into orders (id, clinic_id, created_by, patient_ref, notes, state, reason, inputs, "
                                    "created_at, updated_at) values (1, 1, 1, 'P-old', '', 'released', '', '{}', "
                                    "'2026-01-02 03:04:05', '2026-01-02 03:04:05')"))
        assert migrate(engine) == "0002"
        assert migrate(engine) == "0002"                       # a second start changes nothing
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == [], engine.dialect.name
            assert connection.execute(text("select count(*) from alembic_version")).scalar() == 1
            assert connection.execute(text("select patient_ref, shoe, due from orders")).one() == ("P-old", "", None)
        engine.dispose()


@pytest.mark.slow
def test_the_hostile_corpus_over_http_is_refused_cleanly(service, tmp_path):
    """Every foot file and prescription of the CLI's hostile corpus, uploaded: refused at
    submission (413 or 422, one message) or accepted and then failed with the CLI's reason;
    never a server error, never a device."""
    refused = failed = 0
    for case in hostile_cases(tmp_path / "corpus"):
        if case.args[0] != "design" or len(case.args) < 2 or not Path(case.args[1]).is_file():
            continue
        path = Path(case.args[1])
        extra = list(case.args[2:])
        sets = [extra[i + 1] for i, a in enumerate(extra) if a == "--set"]
        toml = b"[input]\npitch_mm = 8\n" if "--pitch-mm" in extra else b""
        files = {"foot": (path.name, path.read_bytes())}
        if toml:
            files["prescription"] = ("rx.toml", toml)
        r = service.client.post("/api/v1/orders", headers=service.as_("ann"), data={"patient_ref": "P-h", "set": sets}, files=files)
        assert r.status_code in (202, 413, 422), (case.name, r.status_code, r.text)
        if r.status_code != 202:
            assert r.json()["detail"] and "Traceback" not in r.text, case.name
            refused += 1
            continue
        order = service.wait(r.json()["id"], "ann")
        assert order["state"] == "failed" and order["reason"] and not order["revisions"][-1]["files"], (case.name, order)
        failed += 1
    assert refused >= 20, (refused, failed)


@pytest.mark.slow
def test_on_a_dask_cluster_an_order_gives_the_local_bytes(tmp_path):
    """--scheduler: the jobs go to a real scheduler and worker (separate processes on loopback),
    and the files are those the server's own workers make."""
    from test_batch_dask import Cluster

    cluster = Cluster(workers=1)
    try:
        made = {}
        for where, scheduler in (("local", None), ("cluster", cluster.address)):
            app = create_app(tmp_path / where, None, workers=1, scheduler=scheduler)
            with app.state.server.sessions() as db:
                auth.add_user(db, "ann", "North Clinic", "clinician", password("ann"))
                db.commit()
            with TestClient(app) as client:
                svc = Service(client, app.state.server)
                r = client.post("/api/v1/orders", headers=svc.as_("ann"), data={"size": "EU39", "patient_ref": "P-d"})
                order = svc.wait(r.json()["id"], "ann")
                assert order["state"] == "review", order["reason"]
                made[where] = {name: svc.file(order["id"], name, "ann") for name in order["revisions"][0]["files"]
                               if name.endswith((".stl", ".3mf", ".json"))}
        assert made["cluster"] == made["local"] and len(made["local"]) == 4
    finally:
        cluster.close()


def test_an_order_says_how_to_read_its_file_the_shoe_and_its_day(service):
    """A pressure plate needs its sensor pitch (the file does not store it): given as a form field,
    checked against the CLI's range, and kept with the order; so are the shoe and the day."""
    import datetime as dt

    plate = (DATA / "footprints" / "greenai_raw_pressure_every16th.csv").read_bytes()
    post = dict(headers=service.as_("ann"), files={"left": ("plate.csv", plate)})
    r = service.client.post("/api/v1/orders", data={"patient_ref": "P-pitch"}, **post)
    assert r.status_code == 422 and "pitch" in r.json()["detail"]
    r = service.client.post("/api/v1/orders", data={"patient_ref": "P-pitch", "pitch_mm": "50"}, **post)
    assert r.status_code == 422 and "pitch_mm = 50.0 is out of range 1 … 20" in r.json()["detail"]
    due = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    r = service.client.post("/api/v1/orders", data={"patient_ref": "P-pitch", "pitch_mm": "5.6", "due": due,
                                                    "shoe_description": "athletic, UK 7"}, **post)
    assert r.status_code == 202, r.text
    order = service.wait(r.json()["id"], "ann")
    assert order["state"] == "review", order["reason"]
    assert order["due"] == due and order["shoe_description"] == "athletic, UK 7"
    record = json.loads(service.client.get(order["revisions"][0]["files"][f"order{order['id']}_r1.json"],
                                           headers=service.as_("ann")).content)
    assert record["inputs"]["foot"]["pitch_mm"] == 5.6              # what the plate's size was read with


def test_an_order_with_its_shoe_is_cut_to_the_sock_liner(service, tmp_path):
    """The order's shoe file (a tracing) is its sock-liner, as `design --shoe` takes it."""
    import numpy as np

    from insolegen.feet.footshape import foot_from_size

    np.savetxt(tmp_path / "liner.csv", foot_from_size("EU44", "wide").outline, delimiter=",")
    r = service.client.post("/api/v1/orders", headers=service.as_("ann"), data={"patient_ref": "P-shoe", "size": "EU42"},
                            files={"shoe": ("sock liner.csv", (tmp_path / "liner.csv").read_bytes())})
    assert r.status_code == 202, r.text
    order = service.wait(r.json()["id"], "ann")
    assert order["state"] == "review", order["reason"]
    record = json.loads(service.client.get(order["revisions"][0]["files"][f"order{order['id']}_r1.json"], headers=service.as_("ann")).content)
    assert record["shoe"]["file"] == "shoe.csv" and record["shoe"]["length_mm"] > 275

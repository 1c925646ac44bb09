"""The HTTP routes: parse, check who is asking, call ``orders``, answer. OpenAPI at /docs."""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, File, Form, Header, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from insolegen import __version__
from insolegen.batch.cases import check_input_settings
from insolegen.errors import InsolegenError
from insolegen.limits import limit
from insolegen.serve import auth, desk, orders
from insolegen.serve.blobs import Blobs
from insolegen.serve.database import open_database
from insolegen.serve.jobs import Engine, Job, case_name, check_job, drawn_file, drawn_names
from insolegen.serve.models import ORDER_STATES, Order, Revision, User

CONTENT_TYPES = {".stl": "model/stl", ".3mf": "model/3mf", ".json": "application/json", ".pdf": "application/pdf",
                 ".html": "text/html; charset=utf-8", ".png": "image/png"}
PATIENT_REF = re.compile(r"[A-Za-z0-9 ._/-]+")
# the 3D view is one file: its scripts and geometry inline, nothing from the network
VIEW_POLICY = ("default-src 'none'; script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; img-src data: blob:; "
               "connect-src data: blob:; worker-src blob:; frame-ancestors 'self'")
FOOT_SUFFIXES = (".stl", ".ply", ".obj", ".png", ".jpg", ".jpeg", ".csv", ".json", ".svg", ".dxf")


def upload_cap(suffix: str) -> int:
    """The CLI's limit on a file of this kind, in bytes."""
    if suffix in (".stl", ".ply", ".obj"):
        return int(limit("MESH_MB") * 1e6)
    if suffix in (".png", ".jpg", ".jpeg"):
        return int(limit("IMAGE_MB") * 1e6)
    if suffix == ".toml":
        return int(limit("PROFILE_KB") * 1e3)
    if suffix == ".csv":
        return int(max(limit("OUTLINE_MB"), limit("PRESSURE_MB")) * 1e6)
    return int(limit("OUTLINE_MB") * 1e6)


class Server:
    """The database, the files and the engine the routes share."""

    def __init__(self, data: Path, db_url: str | None, workers: int, scheduler: str | None):
        self.data = Path(data)
        self.data.mkdir(parents=True, exist_ok=True)
        self.sessions: sessionmaker[Session] = open_database(self.data, db_url)
        self.blobs = Blobs(self.data)
        self.workers, self.scheduler = workers, scheduler
        self.engine: Engine | None = None
        self._finished = threading.Condition()      # notified whenever a revision is designed or fails
        self._finished_keys: set[tuple[int, int]] = set()
        self._draw_locks = [threading.Lock() for _ in range(64)]     # by (revision, file): one drawer at a time

    def start(self) -> None:
        self.engine = Engine(self.job_done, self.workers, self.scheduler)
        with self.sessions() as db:      # what a stopped server left undone is designed again
            waiting = list(db.scalars(select(Revision.id).where(Revision.state.in_(("queued", "designing"))).order_by(Revision.id)))
            for revision_id in waiting:
                self.queue(db, db.get(Revision, revision_id))

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.close()

    def job_of(self, db: Session, revision: Revision) -> Job:
        order = revision.order
        files = {f["sha256"]: self.blobs.get(f["sha256"]) for f in order.inputs.get("files", [])}
        return Job(order.id, revision.number, order.inputs, files, tuple(revision.sets), revision.landmarks,
                   revision.created_at.date().isoformat())

    def queue(self, db: Session, revision: Revision, read: tuple | None = None) -> None:
        """Hand a revision to the engine, on the caller's session (a request holds one connection,
        never two), with its feet as read when it was checked (``Job.read``)."""
        job = replace(self.job_of(db, revision), read=read)
        orders.start(db, revision)
        db.commit()
        self.engine.submit(job)

    def submit_order(self, db: Session, me: User, patient_ref: str, notes: str, uploads: dict[str, UploadFile], size: str | None,
                     width: str, profile: str | None, sets: list[str], idempotency_key: str | None,
                     reading: dict | None = None, shoe: str = "", due: str | None = None) -> Order:
        """A new order from a form (the API's or the desk's): refused with the CLI's words and
        nothing kept (HTTPException 422 or 413), or kept and queued. ``reading``: how to read the
        foot files (units, dpi, pitch_mm, contour), as a case's [input] table says it; ``shoe``:
        the shoe as the clinic describes it; ``due``: the day it is needed by (YYYY-MM-DD)."""
        before = orders.submitted(db, me, idempotency_key)
        if before is not None:
            return before
        shoe = (shoe or "").strip()
        if len(shoe) > 200 or not shoe.isprintable():
            raise HTTPException(422, "shoe_description: describe the shoe in at most 200 printable characters (style, make, size)")
        due_day = _due_day(due)
        reading = {k: v for k, v in (reading or {}).items() if v is not None}
        try:
            check_input_settings(reading, "")
        except InsolegenError as exc:
            raise HTTPException(422, str(exc).strip()) from None
        feet = {role: f for role, f in uploads.items() if role in ("left", "right", "foot")}
        if "foot" in feet and len(feet) > 1:
            raise HTTPException(422, "give foot (one file holding both feet), or left and/or right, not both")
        if not feet and not size:
            raise HTTPException(422, "give the foot: left and/or right, or foot, or a size (EU42, UK8, MP265)")
        if feet and size:
            raise HTTPException(422, "give a foot file or a size, not both")
        if not patient_ref or len(patient_ref) > 80 or not PATIENT_REF.fullmatch(patient_ref):
            raise HTTPException(422, f"patient_ref {patient_ref!r}: give a reference of 1 to 80 letters, digits, spaces and . _ / -")
        files = []
        for role, upload in uploads.items():
            suffix = Path(upload.filename or "").suffix.lower()
            allowed = (".toml",) if role == "prescription" else FOOT_SUFFIXES
            if suffix not in allowed:
                raise HTTPException(422, f"{role}: {upload.filename!r} is not a {'prescription (.toml)' if role == 'prescription' else 'foot file'}"
                                         f" this tool reads; use one of {', '.join(allowed)}")
            data = _read_capped(upload, upload_cap(suffix), role)
            files.append({"role": role, "suffix": suffix, "name": _shown_name(upload.filename), "bytes": data})
        inputs = {"files": [{k: v for k, v in f.items() if k != "bytes"} | {"sha256": _sha(f["bytes"])} for f in files],
                  "size": size, "width": width, "profile": profile, **({"reading": reading} if reading else {})}
        job = Job(0, 0, inputs, {_sha(f["bytes"]): f["bytes"] for f in files}, tuple(sets), {}, dt.date.today().isoformat())
        checked = _check_or_422(job)                         # the CLI's refusals, before anything is kept
        for f in files:
            self.blobs.put(f["bytes"])
        try:
            order = orders.submit(db, me, orders.Submission(me.clinic_id, patient_ref, notes, inputs, tuple(sets), {}, idempotency_key,
                                                                 shoe, due_day))
            db.commit()
        except IntegrityError:             # the same key posted twice at once: the first one made the order
            db.rollback()
            return orders.submitted(db, me, idempotency_key)
        self.queue(db, order.revisions[0], checked.read)
        return order

    def revise_order(self, db: Session, me: User, order: Order, sets: list[str], landmarks: dict) -> Revision:
        """A new revision with these changes, checked as the CLI would before it is kept."""
        before = orders.latest(order)
        job = self.job_of(db, before)
        checked = _check_or_422(Job(job.order_id, job.revision + 1, job.inputs, job.files, (*before.sets, *sets),
                                    orders.merged_landmarks(before.landmarks, landmarks), job.date))
        revision = orders.revise(db, me, order, sets, landmarks)
        db.commit()
        self.queue(db, revision, checked.read)
        return revision

    def file_bytes(self, db: Session, revision: Revision, name: str) -> bytes:
        """A revision's file: kept, or (its view and report) drawn now and kept."""
        if name in revision.files:
            return self.blobs.get(revision.files[name])
        if revision.state == "done" and name in drawn_names(case_name(revision.order_id, revision.number)):
            return self.draw(db, revision, name)
        raise HTTPException(404, f"order {revision.order_id} has no file {name!r} in revision {revision.number}")

    def offered(self, order_id: int, revision: Revision) -> list[str]:
        return _offered(order_id, revision)

    def order_detail(self, db: Session, order: Order) -> dict:
        """The API's view of an order, and the prescribed-vs-measured table of its latest designed revision."""
        from insolegen.outputs.readings import check_table, verification_of

        detail = _detail(order)
        done = [r for r in order.revisions if r.state == "done"]
        if done:
            headers, rows = check_table(verification_of(self.record_of(done[-1]), None), with_uncompared=False)
            detail["table"] = {"headers": headers, "rows": rows}
        if len(done) >= 2:
            detail["diff"] = self.revision_diff(order, done[-2], done[-1])
        return detail

    def record_of(self, revision: Revision) -> dict:
        """A designed revision's record, as kept."""
        return json.loads(self.blobs.get(revision.files[f"{case_name(revision.order_id, revision.number)}.json"]))

    def revision_diff(self, order: Order, a: Revision, b: Revision) -> dict:
        """What changed from revision a to b: the prescription's fields and the landmarks, and every
        measured quantity side by side (each read from its own revision's record)."""
        from insolegen.outputs.numbers import fixed
        from insolegen.outputs.readings import human_name

        def measured(revision):
            checks = self.record_of(revision)["prescribed_vs_measured"]["checks"]
            return {c["quantity"]: c["measured"] for c in checks if c["compared"]}
        old, new = orders.set_values(a.sets), orders.set_values(b.sets)
        fields = [{"field": k, "old": old.get(k), "new": v} for k, v in new.items() if old.get(k) != v]
        was, now_at = orders.flat_landmarks(a.landmarks), orders.flat_landmarks(b.landmarks)
        fields += [{"field": f"landmarks.{k}", "old": was.get(k), "new": v} for k, v in now_at.items() if was.get(k) != v]
        ma, mb = measured(a), measured(b)
        rows = []
        for q in [*ma, *(q for q in mb if q not in ma)]:
            va, vb = ma.get(q), mb.get(q)
            delta = None if va is None or vb is None else vb - va
            rows.append({"quantity": human_name(q), "a": fixed(va), "b": fixed(vb), "delta": fixed(delta, sign=True),
                         "changed": delta is None or abs(delta) >= 0.005})
        rows.sort(key=lambda r: not r["changed"])
        thumb = "/api/v1/orders/{}/files/{}_thumb.png?revision={}"
        return {"a": a.number, "b": b.number, "fields": fields, "measured": rows,
                "thumbs": [thumb.format(order.id, case_name(order.id, r.number), r.number) for r in (a, b)]}

    def draw(self, db: Session, revision: Revision, name: str) -> bytes:
        """A revision's view or report, drawn from its kept files the first time it is asked for,
        then kept; drawn once however many ask at the same moment."""
        with self._draw_locks[hash((revision.id, name)) % len(self._draw_locks)]:
            db.refresh(revision)                  # another thread may have drawn it (or the other one) meanwhile
            if name in revision.files:
                return self.blobs.get(revision.files[name])
            case = case_name(revision.order_id, revision.number)
            data = drawn_file({n: self.blobs.get(sha) for n, sha in revision.files.items()}, case, name,
                              revision.created_at.date().isoformat())
            sha = self.blobs.put(data)
            revision.files = {**revision.files, name: sha}
            orders.event(db, revision.order, None, "drawn", revision.number, outputs={name: sha})
            db.commit()
            return data

    def job_done(self, job: Job, result: dict | None, error: str | None) -> None:
        """Called on the engine's thread: the files kept first (content-addressed, each whole),
        then the revision's state, in one commit."""
        stored = {name: self.blobs.put(data) for name, data in result["files"].items()} if result else None
        with self.sessions() as db:
            revision = db.scalar(select(Revision).join(Order).where(Order.id == job.order_id, Revision.number == job.revision))
            if revision is None or revision.state not in ("queued", "designing"):
                return
            orders.finish(db, revision, stored, result["checks"] if result else None, error)
            db.commit()
        with self._finished:
            self._finished_keys.add((job.order_id, job.revision))
            self._finished.notify_all()

    def wait_designed(self, order_id: int, number: int, seconds: float) -> bool:
        """Wait (at most ``seconds``) until this server has finished designing the revision; whether it has.
        The desk answers a redesign with the new revision when it comes this quickly, not a page that waits."""
        key = (order_id, number)
        with self._finished:
            done = self._finished.wait_for(lambda: key in self._finished_keys, timeout=seconds)
            self._finished_keys.discard(key)
            if len(self._finished_keys) > 10_000:        # revisions nobody waited for
                self._finished_keys.clear()
        return done


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.server.sessions() as db:
        yield db


Db = Annotated[Session, Depends(_session)]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)


def _current_user(request: Request, db: Db, token: Annotated[str | None, Depends(_bearer)]) -> User:
    """The bearer token's person; for a read (GET), the desk's session cookie's too (a page's
    frame and links carry no header). A change through the API always needs the bearer token:
    a cookie alone could be another site's forged form."""
    if token is None and request.method in ("GET", "HEAD"):
        token = request.cookies.get(desk.SESSION_COOKIE)
    user = auth.user_of(db, token) if token else None
    if user is None:
        raise HTTPException(401, "sign in: no token, or it has expired" if token is None else "the token is unknown or has expired",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


Me = Annotated[User, Depends(_current_user)]


class Correction(BaseModel):
    set: list[str] = Field(default=[], max_length=200, description="prescription changes, as the CLI's --set: section.field=value")
    landmarks: dict[str, list[float] | dict[str, list[float]]] = Field(
        default={}, description="corrected landmarks, NAME: [x, y] in the input's own coordinates, or per side: {\"left\": {NAME: [x, y]}}")


class NewUser(BaseModel):
    name: str
    clinic: str
    role: str
    password: str = Field(min_length=10)


def create_app(data: Path, db_url: str | None = None, workers: int = 1, scheduler: str | None = None) -> FastAPI:
    server = Server(data, db_url, workers, scheduler)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        server.start()
        try:
            yield
        finally:
            server.stop()

    app = FastAPI(title="insolegen", version=__version__, lifespan=lifespan,
                  description="A lab's orders: submit a foot and a prescription, review, correct, approve, release.")
    app.state.server = server
    app.include_router(desk.make_router(server, _session))
    app.mount("/desk/static", StaticFiles(directory=desk.HERE / "static"), name="desk-static")

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/desk", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    @app.exception_handler(orders.Refused)
    async def refused(_: Request, exc: orders.Refused):
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.get("/healthz")
    def healthz(db: Db):
        db.execute(select(1))
        return {"status": "ok", "version": __version__}

    @app.post("/api/v1/token")
    def token(db: Db, form: Annotated[OAuth2PasswordRequestForm, Depends()]):
        issued = auth.sign_in(db, form.username, form.password)
        if issued is None:
            raise HTTPException(401, "the name or the password is wrong", headers={"WWW-Authenticate": "Bearer"})
        db.commit()
        return {"access_token": issued, "token_type": "bearer", "expires_in": int(auth.TOKEN_HOURS * 3600)}

    @app.post("/api/v1/orders", status_code=202)
    def submit(db: Db, me: Me, request: Request,
                     patient_ref: Annotated[str, Form(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9 ._/-]+$")],
                     left: Annotated[UploadFile | None, File()] = None, right: Annotated[UploadFile | None, File()] = None,
                     foot: Annotated[UploadFile | None, File()] = None, size: Annotated[str | None, Form()] = None,
                     width: Annotated[str, Form()] = "medium", profile: Annotated[str | None, Form()] = None,
                     sets: Annotated[list[str], Form(alias="set")] = [],  # noqa: B006 (FastAPI copies it)
                     prescription: Annotated[UploadFile | None, File()] = None, shoe: Annotated[UploadFile | None, File()] = None,
                     notes: Annotated[str, Form(max_length=4000)] = "",
                     units: Annotated[str | None, Form(pattern="^(mm|cm|m|in)$")] = None,
                     dpi: Annotated[float | None, Form()] = None, pitch_mm: Annotated[float | None, Form()] = None,
                     contour: Annotated[str | None, Form(pattern="^(flat|scan)$")] = None,
                     shoe_description: Annotated[str, Form(max_length=200)] = "", due: Annotated[str | None, Form()] = None,
                     idempotency_key: Annotated[str | None, Header(max_length=200)] = None):
        uploads = {role: f for role, f in (("left", left), ("right", right), ("foot", foot), ("prescription", prescription),
                                           ("shoe", shoe)) if f is not None}
        reading = {"units": units, "dpi": dpi, "pitch_mm": pitch_mm, "contour": contour}
        return _accepted(server.submit_order(db, me, patient_ref, notes, uploads, size, width, profile, sets, idempotency_key,
                                             reading, shoe_description, due))

    @app.get("/api/v1/orders")
    def list_orders(db: Db, me: Me, state: Annotated[str | None, Query(pattern="|".join(ORDER_STATES))] = None):
        return {"orders": [orders.summary(o) for o in orders.listed(db, me, state)]}

    @app.get("/api/v1/orders/{order_id}")
    def order(db: Db, me: Me, order_id: int):
        return _detail(orders.visible(db, me, order_id))

    @app.get("/api/v1/orders/{order_id}/files/{name}")
    def file(db: Db, me: Me, order_id: int, name: str, revision: int | None = None):
        found = orders.visible(db, me, order_id)
        # without ?revision=, the newest revision that has the file (a file's name carries its revision)
        chosen = [r for r in found.revisions if (r.number == revision if revision else name in _offered(order_id, r))]
        if not chosen:
            raise HTTPException(404, f"order {order_id} has no file {name!r}" + (f" in revision {revision}" if revision else ""))
        data = server.file_bytes(db, chosen[-1], name)
        headers = {"Content-Disposition": f'{"inline" if name.endswith(".html") else "attachment"}; filename="{name}"'}
        if name.endswith(".html"):
            headers["Content-Security-Policy"] = VIEW_POLICY
        return Response(data, media_type=CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream"), headers=headers)

    @app.post("/api/v1/orders/{order_id}/revisions", status_code=202)
    def revise(db: Db, me: Me, order_id: int, body: Correction):
        found = orders.visible(db, me, order_id)
        server.revise_order(db, me, found, body.set, body.landmarks)
        return _accepted(found)

    @app.post("/api/v1/orders/{order_id}/approve")
    def approve(db: Db, me: Me, order_id: int):
        found = orders.visible(db, me, order_id)
        orders.approve(db, me, found)
        db.commit()
        return orders.summary(found)

    @app.post("/api/v1/orders/{order_id}/release")
    def release(db: Db, me: Me, order_id: int):
        found = orders.visible(db, me, order_id)
        orders.release(db, me, found)
        db.commit()
        return orders.summary(found)

    @app.post("/api/v1/orders/{order_id}/cancel")
    def cancel(db: Db, me: Me, order_id: int):
        found = orders.visible(db, me, order_id)
        orders.cancel(db, me, found)
        db.commit()
        return orders.summary(found)

    @app.get("/api/v1/orders/{order_id}/history")
    def history(db: Db, me: Me, order_id: int):
        return {"events": orders.history(db, orders.visible(db, me, order_id))}

    @app.post("/api/v1/users", status_code=201)
    def add_user(db: Db, me: Me, body: NewUser):
        if me.role != "admin":
            raise HTTPException(403, "only an admin manages users")
        try:
            user = auth.add_user(db, body.name, body.clinic, body.role, body.password)
        except InsolegenError as exc:
            raise HTTPException(422, str(exc)) from None
        db.commit()
        return {"name": user.name, "role": user.role, "clinic": body.clinic}

    return app


def _accepted(order: Order) -> JSONResponse:
    return JSONResponse({"id": order.id, "state": order.state}, status_code=202, headers={"Location": f"/api/v1/orders/{order.id}"})


def _due_day(text: str | None) -> dt.date | None:
    """The day an order is needed by: YYYY-MM-DD, from today to a year ahead; None when not given."""
    if not text or not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(422, f"due = {text!r}: give the day it is needed by as YYYY-MM-DD") from None
    today = dt.datetime.now(dt.UTC).date()
    if not today <= day <= today + dt.timedelta(days=366):
        raise HTTPException(422, f"due = {day.isoformat()} is out of range {today.isoformat()} … "
                                 f"{(today + dt.timedelta(days=366)).isoformat()} (today to a year ahead)")
    return day


def _detail(order: Order) -> dict:
    return {**orders.summary(order), "notes": order.notes,
            "inputs": {"files": [{k: f[k] for k in ("role", "name", "sha256")} for f in order.inputs.get("files", [])],
                       "size": order.inputs.get("size"), "profile": order.inputs.get("profile")},
            "revisions": [{"number": r.number, "state": r.state, "reason": r.reason, "set": r.sets, "landmarks": r.landmarks,
                           "frozen": r.frozen, "checks": r.checks,
                           "files": {name: f"/api/v1/orders/{order.id}/files/{name}?revision={r.number}"
                                     for name in _offered(order.id, r)}}
                          for r in order.revisions]}


def _offered(order_id: int, revision: Revision) -> list[str]:
    """A revision's files: those kept, and (once it is designed) its view and report, drawn when first asked for."""
    drawn = drawn_names(case_name(order_id, revision.number)) if revision.state == "done" else []
    return [*revision.files, *(n for n in drawn if n not in revision.files)]


def _read_capped(upload: UploadFile, cap: int, role: str) -> bytes:
    chunks, size = [], 0
    while chunk := upload.file.read(1 << 20):
        size += len(chunk)
        if size > cap:
            raise HTTPException(413, f"{role}: {upload.filename!r} is over the limit of {cap / 1e6:,.1f} MB for its kind "
                                     "(the server's INSOLEGEN_MAX_* variables raise it)")
        chunks.append(chunk)
    if not size:
        raise HTTPException(422, f"{role}: {upload.filename!r} is empty")
    return b"".join(chunks)


def _shown_name(name: str | None) -> str:
    """A client's file name as the record shows it: its last part, printable, at most 120 characters."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in last if c.isprintable())[:120] or "unnamed"


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _check_or_422(job: Job) -> Job:
    """The CLI's refusal of these inputs, as a 422 naming the client's own file names; else the
    job as checked (with its feet as read)."""
    try:
        return check_job(job)
    except InsolegenError as exc:
        raise HTTPException(422, str(exc)) from None

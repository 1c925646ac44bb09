"""The order desk: the pages a clinic and a lab use every day, rendered on the server (Jinja2)
over the same orders, people and rules as the API. Signed in by an HttpOnly, SameSite=Strict
session cookie; every form carries a CSRF token derived from the session (a page of another
site can neither read the cookie nor make the token); a Content-Security-Policy lets nothing load
from the network."""

import datetime as dt
import hashlib
import io
import json
import secrets
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from insolegen.serve import auth, orders
from insolegen.serve.models import ORDER_STATES, User, now
from insolegen.serve.pictures import IMAGES, pictures_of

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "insolegen_session"
SIGNIN_COOKIE = "insolegen_signin"
# nothing from the network: pages, scripts and styles from this server, the 3D view in a frame of it
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; frame-src 'self'; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# a redesign answers with the new revision when it is designed this quickly (most take under a
# second), else with the page that waits for it: a click shows the new device, not a spinner
REDESIGN_WAIT_S = 3.0
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def csrf_token(session_token: str) -> str:
    """The form token of a session: only someone who holds the session's cookie can make it."""
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


def render(name: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status,
                        headers={"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "same-origin", "Cache-Control": "no-store"})


def make_router(server, session_dep) -> APIRouter:
    router = APIRouter(prefix="/desk", include_in_schema=False)
    Db = Annotated[Session, Depends(session_dep)]

    def signed_in(request: Request, db: Db) -> tuple[User, str]:
        token = request.cookies.get(SESSION_COOKIE)
        user = auth.user_of(db, token) if token else None
        if user is None:
            raise HTTPException(303, headers={"Location": "/desk/signin"})
        return user, token

    Who = Annotated[tuple[User, str], Depends(signed_in)]

    def checked(token: str, form_token: str) -> None:
        if not form_token or not secrets.compare_digest(form_token, csrf_token(token)):
            raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page and try again")

    def page(name: str, who: tuple[User, str], status: int = 200, **context) -> HTMLResponse:
        user, token = who
        return render(name, status, me=user, csrf=csrf_token(token), states=ORDER_STATES, **context)

    @router.get("/signin")
    def signin_page(request: Request):
        nonce = secrets.token_urlsafe(16)
        response = render("signin.html", nonce=nonce, error=request.query_params.get("error"))
        response.set_cookie(SIGNIN_COOKIE, nonce, httponly=True, samesite="strict", path="/desk")
        return response

    @router.post("/signin")
    def signin(request: Request, db: Db, username: Annotated[str, Form()], password: Annotated[str, Form()],
               nonce: Annotated[str, Form()]):
        expected = request.cookies.get(SIGNIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, nonce):
            raise HTTPException(403, "the sign-in form's token is missing or wrong: reload the page and try again")
        token = auth.sign_in(db, username, password)
        if token is None:
            return RedirectResponse("/desk/signin?error=1", status_code=303)
        db.commit()
        response = RedirectResponse("/desk", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https", max_age=int(auth.TOKEN_HOURS * 3600))
        response.delete_cookie(SIGNIN_COOKIE, path="/desk")
        return response

    @router.post("/signout")
    def signout(db: Db, who: Who, csrf: Annotated[str, Form()]):
        checked(who[1], csrf)
        auth.sign_out(db, who[1])
        db.commit()
        response = RedirectResponse("/desk/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def listed_rows(db, user, state, clinic, sort, descending) -> tuple[list[dict], list[str]]:
        everyone = [_row(o) for o in orders.listed(db, user, state if state in ORDER_STATES else None)]
        clinics = sorted({r["clinic"] for r in everyone})
        rows = [r for r in everyone if not clinic or r["clinic"] == clinic]
        key = SORTS.get(sort, SORTS["order"])
        return sorted(rows, key=key, reverse=descending), clinics

    @router.get("")
    def order_list(db: Db, who: Who, state: str | None = None, clinic: str | None = None, sort: str = "order",
                   dir: str = "desc"):
        sort = sort if sort in SORTS else "order"
        rows, clinics = listed_rows(db, who[0], state, clinic, sort, dir != "asc")
        return page("list.html", who, rows=rows, state=state, clinic=clinic, clinics=clinics, sort=sort,
                    dir="asc" if dir == "asc" else "desc", columns=COLUMNS)

    @router.get("/orders.json")
    def order_states(db: Db, who: Who, state: str | None = None, clinic: str | None = None):
        """The list's live part: each order's state, age and checks, under the page's filters (the page polls it)."""
        rows, _ = listed_rows(db, who[0], state, clinic, "order", False)
        return JSONResponse({"orders": rows}, headers={"Cache-Control": "no-store"})

    def new_page(who, status: int = 200, values: dict | None = None, errors: dict | None = None) -> HTMLResponse:
        errors = errors or {}
        return page("new.html", who, status, groups=field_groups(), values=values or {}, errors=errors,
                    open_sections={"arch", *(name.split(".")[0] for name in errors)},
                    reading_fields=[name for name, _, _ in READING_FIELDS], reading_fields_shown=READING_FIELDS)

    @router.get("/new")
    def new_order(who: Who):
        return new_page(who)

    @router.post("/new")
    async def submit(request: Request):
        """Read the whole form here (its prescription fields are named section.field), then do
        the work in a request thread: nothing blocking on the event loop."""
        form = await request.form()
        return await run_in_threadpool(_submit, request, form)

    def _submit(request: Request, form) -> Response:
        with server.sessions() as db:
            who = signed_in(request, db)
            checked(who[1], str(form.get("csrf", "")))
            text = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            sets = [f"{name}={value.strip()}" for name, value in text.items() if "." in name and value.strip()]
            uploads = {role: form[role] for role in ("foot", "left", "right") if isinstance(form.get(role), StarletteUpload)
                       and form[role].filename}
            try:
                reading = _reading(text)
                order = server.submit_order(db, who[0], text.get("patient_ref", "").strip(), text.get("notes", ""), uploads,
                                            text.get("size", "").strip() or None, text.get("width", "medium"),
                                            text.get("profile", "").strip() or None, sets, None, reading,
                                            text.get("shoe_description", ""), text.get("due", "").strip() or None)
            except HTTPException as exc:
                if exc.status_code not in (413, 422):
                    raise
                return new_page(who, 422, text, _field_errors(str(exc.detail)))
            return RedirectResponse(f"/desk/orders/{order.id}", status_code=303)

    def order_html(db, who, order, status: int = 200, error: str | None = None, pictures=None) -> HTMLResponse:
        """The order's page; ``error`` above it (a refused change, 422); ``pictures`` when already drawn."""
        designing = order.revisions and order.revisions[-1].state in ("queued", "designing")
        if pictures is None:
            pictures = [] if designing else pictures_of(server, db, order)      # a page waiting for its revision stays light
        return page("order.html", who, status, order=order, detail=server.order_detail(db, order),
                    history=orders.history(db, order), pictures=pictures, error=error)

    def revised(order_id: int, revision) -> RedirectResponse:
        """To the order's page, once the new revision is designed if that comes within REDESIGN_WAIT_S."""
        server.wait_designed(order_id, revision.number, REDESIGN_WAIT_S)
        return RedirectResponse(f"/desk/orders/{order_id}", status_code=303)

    @router.get("/orders/{order_id}")
    def order_page(db: Db, who: Who, order_id: int):
        return order_html(db, who, orders.visible(db, who[0], order_id))

    @router.get("/orders/{order_id}/input/{role}")
    def input_picture(db: Db, who: Who, order_id: int, role: str):
        """The picture an order's foot file is drawn as: a footprint image as it came, a scan, a
        plate or an outline as its plantar view."""
        order = orders.visible(db, who[0], order_id)
        item = next((f for f in order.inputs.get("files", []) if f["role"] == role), None)
        if item is not None and item["suffix"] in IMAGES:
            return Response(server.blobs.get(item["sha256"]), media_type=IMAGES[item["suffix"]],
                            headers={"Cache-Control": "private, max-age=3600"})
        picture = next((p for p in pictures_of(server, db, order) if p.role == role), None)
        if picture is None:
            raise HTTPException(404, f"order {order_id} has no foot file {role!r} drawn yet")
        return Response(picture.png(), media_type="image/png", headers={"Cache-Control": "private, max-age=60"})

    @router.post("/orders/{order_id}/landmarks")
    def move_landmarks(db: Db, who: Who, order_id: int, csrf: Annotated[str, Form()], landmarks: Annotated[str, Form()]):
        """A revision with the landmarks a person dragged: {role: {side: {NAME: [x, y]}}} in the
        pixels of the role's picture, kept in the input's own coordinates."""
        checked(who[1], csrf)
        order = orders.visible(db, who[0], order_id)
        pictures = pictures_of(server, db, order)
        try:
            revision = server.revise_order(db, who[0], order, [], _in_source(json.loads(landmarks), pictures))
        except (ValueError, KeyError, TypeError, HTTPException, orders.Refused) as exc:
            return order_html(db, who, order, 422, str(getattr(exc, "detail", exc)), pictures)
        return revised(order_id, revision)

    @router.post("/orders/{order_id}/redesign")
    def redesign(request: Request, db: Db, who: Who, order_id: int, csrf: Annotated[str, Form()], field: Annotated[str, Form()],
                 value: Annotated[str, Form()]):
        checked(who[1], csrf)
        order = orders.visible(db, who[0], order_id)
        try:
            revision = server.revise_order(db, who[0], order, [f"{field.strip()}={value.strip()}"], {})
        except (HTTPException, orders.Refused) as exc:
            return order_html(db, who, order, 422, str(getattr(exc, "detail", exc)))
        return revised(order_id, revision)

    @router.post("/orders/{order_id}/{action}")
    def act(db: Db, who: Who, order_id: int, action: str, csrf: Annotated[str, Form()]):
        checked(who[1], csrf)
        order = orders.visible(db, who[0], order_id)
        if action not in ("approve", "release", "cancel"):
            raise HTTPException(404, f"no action {action!r}")
        getattr(orders, action)(db, who[0], order)
        db.commit()
        return RedirectResponse(f"/desk/orders/{order_id}", status_code=303)

    @router.get("/orders/{order_id}/package.zip")
    def package(db: Db, who: Who, order_id: int):
        """The print package of the order's latest designed revision: 3MF, STLs, record, report."""
        order = orders.visible(db, who[0], order_id)
        done = [r for r in order.revisions if r.state == "done"]
        if not done:
            raise HTTPException(404, f"order {order_id} has no designed revision yet")
        revision = done[-1]
        names = sorted(n for n in server.offered(order.id, revision) if not n.endswith("_view.html"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=revision.created_at.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, server.file_bytes(db, revision, name))
        return Response(buffer.getvalue(), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="order{order.id}_r{revision.number}.zip"'})

    return router


def _in_source(moved, pictures) -> dict:
    """{role: {side: {NAME: [px, py]}}} on the pictures -> {side: {NAME: coordinates in the input's own frame}}."""
    if not isinstance(moved, dict) or not moved:
        raise ValueError("no landmark was moved")
    by_role = {p.role: p for p in pictures}
    out: dict[str, dict] = {}
    for role, sides in moved.items():
        if role not in by_role or not isinstance(sides, dict):
            raise ValueError(f"no picture {role!r} to move landmarks on")
        for side, marks in sides.items():
            if side not in ("left", "right") or not isinstance(marks, dict):
                raise ValueError(f"{role}: {side!r} is not left or right")
            for name, px in marks.items():
                if not (isinstance(px, list) and len(px) == 2 and all(isinstance(v, (int, float)) for v in px)):
                    raise ValueError(f"{role} {side} {name}: expected [x, y] in the picture's pixels, got {px!r}")
                out.setdefault(side, {})[name] = by_role[role].to_source(side, px)
    return out


# the list's columns: (key, heading, sortable); and how each sorts
COLUMNS = (("picture", "Picture", False), ("order", "Order", True), ("state", "State", True), ("clinic", "Clinic", True),
           ("patient", "Patient", True), ("age", "Age", True), ("due", "Due", True), ("revision", "Revision", True),
           ("checks", "Checks", True))
SORTS = {"order": lambda r: r["id"], "state": lambda r: (ORDER_STATES.index(r["state"]), r["id"]),
         "clinic": lambda r: (r["clinic"].lower(), r["id"]), "patient": lambda r: (r["patient_ref"].lower(), r["id"]),
         "age": lambda r: (-r["age_s"], r["id"]), "due": lambda r: (r["due"] or "9999", r["id"]), "revision": lambda r: (r["revision"] or 0, r["id"]),
         "checks": lambda r: (r["checks"].get("ok", 0) / r["checks"]["compared"] if r["checks"].get("compared") else -1.0, r["id"])}


def _row(order) -> dict:
    """An order's row in the list: the API's summary, its age in words, whether it is overdue, its thumbnail."""
    age = now() - order.created_at
    done = [r for r in order.revisions if r.state == "done"]
    return {**orders.summary(order), "age": _age(age), "age_s": int(age.total_seconds()),
            "overdue": bool(order.due and order.due < now().date() and order.state not in ("released", "cancelled")),
            "thumb": (f"/api/v1/orders/{order.id}/files/order{order.id}_r{done[-1].number}_thumb.png?revision={done[-1].number}"
                      if done else None)}


def _age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def field_groups() -> list[tuple[str, list[dict]]]:
    """The prescription's fields, section by section, with unit, range and meaning: the new-order form."""
    from insolegen.device.prescription import describe_fields

    groups: dict[str, list[dict]] = {}
    for row in describe_fields():
        section = row["field"].split(".")[0]
        if section in ("zones", "offload"):
            continue
        name = row["field"].split(".")[1]
        stem, _, last = name.rpartition("_")
        shown = stem if stem and last in ("mm", "pct", "deg", "kpa") and row.get("unit") else name   # the unit follows in brackets
        groups.setdefault(section, []).append({**row, "label": shown.replace("_", " ")})
    return list(groups.items())


READING_FIELDS = (("units", "Units of an outline or scan", "what one unit of the file is (a scan in metres, an outline in inches)"),
                  ("dpi", "Image resolution (DPI)", "footprint images: pixels per inch, when the image has no scale marker; 50 … 4800"),
                  ("pitch_mm", "Sensor pitch (mm)", "pressure recordings: the distance between sensors (not stored in the file); 1 … 20"),
                  ("contour", "Top surface", "flat, or scan: the top follows a 3D scan's sole"))


def _reading(text: dict) -> dict:
    """The form's reading settings, numbers as numbers (422 naming the field when one is not)."""
    out = {}
    for name, _, _ in READING_FIELDS:
        value = text.get(name, "").strip()
        if not value:
            continue
        if name in ("dpi", "pitch_mm"):
            try:
                out[name] = float(value)
            except ValueError:
                raise HTTPException(422, f"{name} = {value!r}: give a number") from None
        else:
            out[name] = value
    return out


def _field_errors(message: str) -> dict[str, str]:
    """The message under every field it names (section.field, or a reading setting), and as the form's own error."""
    import re

    found = {name: message for name in re.findall(r"\b([a-z_]+\.[a-z_]+)\b", message)}
    found |= {name: message for name in [n for n, _, _ in READING_FIELDS] + ["shoe_description", "due"] if re.match(rf"\s*{name}\b", message)}
    return {**found, "_form": message}

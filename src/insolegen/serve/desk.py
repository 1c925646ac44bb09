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

import numpy as np
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from insolegen.serve import auth, orders
from insolegen.serve.models import ORDER_STATES, User, now

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "insolegen_session"
SIGNIN_COOKIE = "insolegen_signin"
# nothing from the network: pages, scripts and styles from this server, the 3D view in a frame of it
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; frame-src 'self'; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
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

    @router.get("")
    def order_list(db: Db, who: Who, state: str | None = None):
        rows = [_row(o) for o in orders.listed(db, who[0], state if state in ORDER_STATES else None)]
        return page("list.html", who, rows=rows, state=state)

    @router.get("/orders.json")
    def order_states(db: Db, who: Who):
        """The list's live part: each order's state, age and checks (the page polls it)."""
        return JSONResponse({"orders": [_row(o) for o in orders.listed(db, who[0])]}, headers={"Cache-Control": "no-store"})

    @router.get("/new")
    def new_order(who: Who):
        return page("new.html", who, groups=field_groups(), values={}, errors={}, open_sections={"arch"})

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
                order = server.submit_order(db, who[0], text.get("patient_ref", "").strip(), text.get("notes", ""), uploads,
                                            text.get("size", "").strip() or None, text.get("width", "medium"),
                                            text.get("profile", "").strip() or None, sets, None)
            except HTTPException as exc:
                if exc.status_code not in (413, 422):
                    raise
                errors = _field_errors(str(exc.detail))
                return page("new.html", who, 422, groups=field_groups(), values=text, errors=errors,
                            open_sections={"arch", *(name.split(".")[0] for name in errors)})
            return RedirectResponse(f"/desk/orders/{order.id}", status_code=303)

    @router.get("/orders/{order_id}")
    def order_page(db: Db, who: Who, order_id: int):
        order = orders.visible(db, who[0], order_id)
        return page("order.html", who, order=order, detail=server.order_detail(db, order), history=orders.history(db, order),
                    picture=picture_of(server, db, order))

    @router.get("/orders/{order_id}/input/{role}")
    def input_picture(db: Db, who: Who, order_id: int, role: str):
        """The order's own footprint image, for its landmarks to be drawn and moved on."""
        order = orders.visible(db, who[0], order_id)
        item = next((f for f in order.inputs.get("files", []) if f["role"] == role and f["suffix"] in IMAGES), None)
        if item is None:
            raise HTTPException(404, f"order {order_id} has no footprint image {role!r}")
        return Response(server.blobs.get(item["sha256"]), media_type=IMAGES[item["suffix"]],
                        headers={"Cache-Control": "private, max-age=3600"})

    @router.post("/orders/{order_id}/landmarks")
    def move_landmarks(db: Db, who: Who, order_id: int, csrf: Annotated[str, Form()], landmarks: Annotated[str, Form()]):
        """A revision with the landmarks a person dragged: {side: {NAME: [x, y]}} in the image's pixels."""
        checked(who[1], csrf)
        order = orders.visible(db, who[0], order_id)
        try:
            moved = json.loads(landmarks)
            if not isinstance(moved, dict) or not moved:
                raise ValueError("no landmark was moved")
            server.revise_order(db, who[0], order, [], moved)
        except (ValueError, HTTPException, orders.Refused) as exc:
            return page("order.html", who, 422, order=order, detail=server.order_detail(db, order),
                        history=orders.history(db, order), picture=picture_of(server, db, order),
                        error=str(getattr(exc, "detail", exc)))
        return RedirectResponse(f"/desk/orders/{order_id}", status_code=303)

    @router.post("/orders/{order_id}/redesign")
    def redesign(request: Request, db: Db, who: Who, order_id: int, csrf: Annotated[str, Form()], field: Annotated[str, Form()],
                 value: Annotated[str, Form()]):
        checked(who[1], csrf)
        order = orders.visible(db, who[0], order_id)
        try:
            server.revise_order(db, who[0], order, [f"{field.strip()}={value.strip()}"], {})
        except (HTTPException, orders.Refused) as exc:
            return page("order.html", who, 422, order=order, detail=server.order_detail(db, order),
                        history=orders.history(db, order), picture=picture_of(server, db, order),
                        error=str(getattr(exc, "detail", exc)))
        return RedirectResponse(f"/desk/orders/{order_id}", status_code=303)

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


IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
SHOWN_MARKS = ("heel_center", "navicular", "mth1_head", "mth5_head", "met_pad_center")


def picture_of(server, db, order) -> dict | None:
    """The footprint image an order came from and its landmarks in its pixels, each with its
    one-SD ring and how it was found (from the latest designed revision's record); None for a
    scan, an outline, a plate or a size."""
    from PIL import Image

    image = next((f for f in order.inputs.get("files", []) if f["suffix"] in IMAGES), None)
    done = [r for r in order.revisions if r.state == "done"]
    if image is None or not done:
        return None
    record = json.loads(server.file_bytes(db, done[-1], f"order{order.id}_r{done[-1].number}.json"))
    with Image.open(io.BytesIO(server.blobs.get(image["sha256"]))) as im:
        width, height = im.size
    feet = record.get("per_side_feet") or {record["foot"]["side"]: record}
    marks = []
    for side, part in feet.items():
        found = part["foot"]["landmarks"]
        heel, head = found.get("heel_center", {}), found.get("mth1_head", {})
        if "source" not in heel or "source" not in head:
            continue
        px_per_mm = (np.hypot(heel["source"]["x"] - head["source"]["x"], heel["source"]["y"] - head["source"]["y"])
                     / max(np.hypot(heel["x_mm"] - head["x_mm"], heel["y_mm"] - head["y_mm"]), 1e-6))
        for name in SHOWN_MARKS:
            mark = found.get(name)
            if mark and "source" in mark:
                marks.append({"side": side, "name": name, "x": round(mark["source"]["x"], 1), "y": round(mark["source"]["y"], 1),
                              "ring": round(max(mark.get("sd_mm") or 1.0, 1.0) * px_per_mm, 1), "how": mark.get("how", ""),
                              "label": name.replace("_head", "").replace("_center", "").replace("_", " ").upper()})
    return {"url": f"/desk/orders/{order.id}/input/{image['role']}", "width": width, "height": height, "marks": marks,
            "px_per_mm": round(float(px_per_mm), 3) if marks else None}


def _row(order) -> dict:
    last = order.revisions[-1] if order.revisions else None
    age = now() - order.created_at
    return {"id": order.id, "state": order.state, "clinic": order.clinic.name, "patient_ref": order.patient_ref,
            "age": _age(age), "revision": last.number if last else None, "checks": last.checks if last else {},
            "reason": order.reason,
            "thumb": (f"/api/v1/orders/{order.id}/files/order{order.id}_r{done[-1].number}_thumb.png?revision={done[-1].number}"
                      if (done := [r for r in order.revisions if r.state == "done"]) else None)}


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
        groups.setdefault(section, []).append(row)
    return list(groups.items())


def _field_errors(message: str) -> dict[str, str]:
    """The message under every field it names (section.field), and as the form's own error."""
    import re

    found = {name: message for name in re.findall(r"\b([a-z_]+\.[a-z_]+)\b", message)}
    return {**found, "_form": message}

"""What may happen to an order, who may do it, and the audit trail of what did. Pure functions
over a database session: the HTTP routes (``app``) call them and turn ``Refused`` into a status.

States: received -> designing -> review -> approved -> released; failed (with its reason) and
cancelled. A clinician sees only their clinic's orders (another clinic's is "not found", never
"forbidden": its existence is not told); a technician sees all; only a technician approves and
releases; an approved revision is frozen."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from insolegen.serve.models import Event, Order, Revision, User, now

OPEN = ("received", "designing", "review", "failed")     # an order that may still be revised or cancelled
SET_SYNTAX = re.compile(r"([a-z_]+)\.([a-z_0-9]+)=(.*)", re.S)


class Refused(Exception):
    """An action refused: ``status`` (404, 409, 403, 422) and what to tell the caller."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Submission:
    clinic_id: int
    patient_ref: str
    notes: str
    inputs: dict
    sets: tuple[str, ...]
    landmarks: dict
    idempotency_key: str | None
    shoe: str = ""
    due: dt.date | None = None


def visible(db: Session, user: User, order_id: int) -> Order:
    """The order, if ``user`` may see it; else 404 whether or not it exists."""
    order = db.get(Order, order_id)
    if order is None or (user.role == "clinician" and order.clinic_id != user.clinic_id):
        raise Refused(404, f"order {order_id} not found")
    return order


def listed(db: Session, user: User, state: str | None = None) -> list[Order]:
    query = select(Order).order_by(Order.id)
    if user.role == "clinician":
        query = query.where(Order.clinic_id == user.clinic_id)
    if state is not None:
        query = query.where(Order.state == state)
    return list(db.scalars(query))


def event(db: Session, order: Order, user: User | None, what: str, revision: int | None = None, changes=(), inputs=None,
          outputs=None) -> None:
    db.add(Event(order_id=order.id, revision=revision, user_id=user.id if user else None, what=what, changes=list(changes),
                 inputs=inputs or {}, outputs=outputs or {}))


def submitted(db: Session, user: User, idempotency_key: str | None) -> Order | None:
    """The order this person already submitted with this Idempotency-Key, if any."""
    if not idempotency_key:
        return None
    return db.scalar(select(Order).where(Order.created_by == user.id, Order.idempotency_key == idempotency_key))


def submit(db: Session, user: User, s: Submission) -> Order:
    """A new order and its first revision, queued."""
    if user.role != "clinician" and user.role != "technician":
        raise Refused(403, f"a {user.role} does not submit orders")
    order = Order(clinic_id=s.clinic_id, created_by=user.id, idempotency_key=s.idempotency_key, patient_ref=s.patient_ref,
                  notes=s.notes, shoe=s.shoe, due=s.due, state="received", reason="", inputs=s.inputs)
    db.add(order)
    db.flush()
    db.add(Revision(order_id=order.id, number=1, state="queued", reason="", sets=list(s.sets), landmarks=s.landmarks,
                    files={}, checks={}, frozen=False, created_by=user.id))
    files = {f["role"]: f["sha256"] for f in s.inputs.get("files", [])}
    event(db, order, user, "received", 1, changes=[{"field": f"set {v}", "old": None, "new": v} for v in s.sets], inputs=files)
    return order


def latest(order: Order) -> Revision:
    return order.revisions[-1]


def set_values(sets) -> dict[str, str]:
    found = {}
    for text in sets:
        m = SET_SYNTAX.fullmatch(text.strip())
        if m:
            found[f"{m.group(1)}.{m.group(2)}"] = m.group(3).strip()
    return found


def revise(db: Session, user: User, order: Order, sets: list[str], landmarks: dict) -> Revision:
    """A new revision with the prescription's changes and landmark corrections over the latest one's."""
    if user.role not in ("technician", "clinician"):
        raise Refused(403, f"a {user.role} does not revise orders")
    if order.state not in OPEN:
        raise Refused(409, f"order {order.id} is {order.state}: an approved, released or cancelled order is not designed again")
    before = latest(order)
    if before.state in ("queued", "designing"):
        raise Refused(409, f"order {order.id}: revision {before.number} is still being designed; revise it once it is done")
    old, new = set_values(before.sets), set_values(sets)
    changes = [{"field": k, "old": old.get(k), "new": v} for k, v in new.items() if old.get(k) != v]
    merged = merged_landmarks(before.landmarks, landmarks)
    was, now_at = flat_landmarks(before.landmarks), flat_landmarks(merged)
    changes += [{"field": f"landmarks.{k}", "old": was.get(k), "new": v} for k, v in now_at.items() if was.get(k) != v]
    if not changes:
        raise Refused(422, "nothing changes: give a prescription field (set) or a landmark that differs from the latest revision")
    revision = Revision(order_id=order.id, number=before.number + 1, state="queued", reason="",
                        sets=[*before.sets, *sets], landmarks=merged, files={}, checks={},
                        frozen=False, created_by=user.id)
    db.add(revision)
    order.state, order.reason, order.updated_at = "received", "", now()
    event(db, order, user, "revised", revision.number, changes=changes)
    return revision


def merged_landmarks(before: dict, moved: dict) -> dict:
    """Landmark corrections over the earlier ones, side by side ({"left": {NAME: [x, y]}} or {NAME: [x, y]})."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in before.items()}
    for key, value in moved.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def flat_landmarks(landmarks: dict) -> dict:
    return {f"{k}.{name}" if isinstance(v, dict) else k: point for k, v in landmarks.items()
            for name, point in (v.items() if isinstance(v, dict) else [(k, v)])}


def start(db: Session, revision: Revision) -> None:
    revision.state = "designing"
    order = revision.order
    order.state, order.updated_at = "designing", now()
    event(db, order, None, "designing", revision.number)


def finish(db: Session, revision: Revision, files: dict[str, str] | None, checks: dict | None, error: str | None) -> None:
    """A job's outcome: the revision's files (name -> sha256) and checks, or why it failed."""
    order = revision.order
    if error is not None:
        revision.state, revision.reason = "failed", error
        if latest(order) is revision and order.state not in ("cancelled",):
            order.state, order.reason = "failed", error
        event(db, order, None, "failed", revision.number, changes=[{"field": "reason", "old": None, "new": error}])
    else:
        revision.state, revision.files, revision.checks = "done", files, checks
        if latest(order) is revision and order.state not in ("cancelled",):
            order.state, order.reason = "review", ""
        event(db, order, None, "designed", revision.number, outputs=files)
    order.updated_at = now()


def _technician(user: User, what: str) -> None:
    if user.role != "technician":
        raise Refused(403, f"only a technician {what}")


def approve(db: Session, user: User, order: Order) -> None:
    _technician(user, "approves an order")
    revision = latest(order)
    if order.state != "review" or revision.state != "done":
        raise Refused(409, f"order {order.id} is {order.state}: only an order in review (its latest revision designed) is approved")
    revision.frozen = True
    order.state, order.updated_at = "approved", now()
    event(db, order, user, "approved", revision.number, changes=[{"field": "state", "old": "review", "new": "approved"}],
          outputs=revision.files)


def release(db: Session, user: User, order: Order) -> None:
    _technician(user, "releases an order")
    if order.state != "approved":
        raise Refused(409, f"order {order.id} is {order.state}: only an approved order is released")
    order.state, order.updated_at = "released", now()
    event(db, order, user, "released", latest(order).number, changes=[{"field": "state", "old": "approved", "new": "released"}])


def cancel(db: Session, user: User, order: Order) -> None:
    if order.state not in OPEN:
        raise Refused(409, f"order {order.id} is {order.state}: it can no longer be cancelled")
    old = order.state
    order.state, order.updated_at = "cancelled", now()
    event(db, order, user, "cancelled", latest(order).number, changes=[{"field": "state", "old": old, "new": "cancelled"}])


def history(db: Session, order: Order) -> list[dict]:
    rows = db.execute(select(Event, User.name).outerjoin(User, Event.user_id == User.id)
                      .where(Event.order_id == order.id).order_by(Event.id))
    return [{"at": e.at.isoformat(timespec="seconds") + "Z", "who": name or "server", "what": e.what, "revision": e.revision,
             "changes": e.changes, "inputs": e.inputs, "outputs": e.outputs} for e, name in rows]


def summary(order: Order) -> dict:
    """An order as the API lists it and the desk's list starts from: its state, clinic, patient,
    times, latest revision and checks, shoe and day."""
    last = order.revisions[-1] if order.revisions else None
    return {"id": order.id, "state": order.state, "reason": order.reason, "clinic": order.clinic.name,
            "patient_ref": order.patient_ref, "created_at": order.created_at.isoformat(timespec="seconds") + "Z",
            "updated_at": order.updated_at.isoformat(timespec="seconds") + "Z", "revision": last.number if last else None,
            "checks": last.checks if last else {}, "shoe_description": order.shoe, "due": order.due.isoformat() if order.due else None}

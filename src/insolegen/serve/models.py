"""The tables. Every change to an order is an ``Event`` row (append-only: nothing updates or
deletes one); files are named by their sha256 (``blobs``), never by a client's file name."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("clinician", "technician", "admin")
ORDER_STATES = ("received", "designing", "review", "approved", "released", "failed", "cancelled")
REVISION_STATES = ("queued", "designing", "done", "failed")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)      # stored naive, in UTC, the same on SQLite and PostgreSQL


class Base(DeclarativeBase):
    pass


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    clinic: Mapped[Clinic] = relationship()


class Token(Base):
    """A bearer token, kept only as its sha256: a stolen database holds no usable token."""
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("created_by", "idempotency_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    patient_ref: Mapped[str] = mapped_column(String(80))
    notes: Mapped[str] = mapped_column(Text, default="")
    shoe: Mapped[str] = mapped_column(String(200), default="", server_default="")   # the shoe, as the clinic describes it
    due: Mapped[dt.date | None] = mapped_column(Date)          # needed by (the turnaround); None: the lab's standard
    state: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    inputs: Mapped[dict] = mapped_column(JSON)       # the foot files' and prescription's blobs, the size, profile, settings
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    clinic: Mapped[Clinic] = relationship()
    revisions: Mapped[list[Revision]] = relationship(order_by="Revision.number", back_populates="order")


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("order_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    sets: Mapped[list] = mapped_column(JSON)             # the prescription's changes over the order's (the CLI's --set)
    landmarks: Mapped[dict] = mapped_column(JSON)        # a clinician's corrections, NAME: [x, y] in the input's coordinates
    files: Mapped[dict] = mapped_column(JSON, default=dict)     # name -> sha256 (the blob)
    checks: Mapped[dict] = mapped_column(JSON, default=dict)    # the verification's summary
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)   # approved: never designed again, never changed
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    order: Mapped[Order] = relationship(back_populates="revisions")


class Event(Base):
    """One thing that happened to an order: who (None: the server itself), when, what, the fields
    it changed (field, old, new) and the sha256 of the inputs and outputs it touched."""
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    revision: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    what: Mapped[str] = mapped_column(String(40))
    changes: Mapped[list] = mapped_column(JSON, default=list)
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    outputs: Mapped[dict] = mapped_column(JSON, default=dict)

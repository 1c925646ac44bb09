"""People and what they may do. Passwords are kept as argon2id hashes (argon2-cffi); a sign-in
gives a random bearer token that expires, kept in the database only as its sha256."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from insolegen.errors import InvalidInput
from insolegen.serve.models import ROLES, Clinic, Token, User, now

TOKEN_HOURS = 12.0
_hasher = PasswordHasher()
# checked against when the name is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def add_user(db: Session, name: str, clinic: str, role: str, password: str) -> User:
    """A new person of ``clinic`` (made if new) with ``role``; refused clearly when the name is
    taken, the role unknown or the password short."""
    name, clinic = name.strip(), clinic.strip()
    if not name or len(name) > 80:
        raise InvalidInput(f"user name {name!r}: give 1 to 80 characters")
    if role not in ROLES:
        raise InvalidInput(f"--role {role!r}: give one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise InvalidInput("the password is shorter than 10 characters")
    if not clinic or len(clinic) > 120:
        raise InvalidInput(f"--clinic {clinic!r}: give 1 to 120 characters")
    if db.scalar(select(User).where(User.name == name)) is not None:
        raise InvalidInput(f"user {name!r} exists already")
    found = db.scalar(select(Clinic).where(Clinic.name == clinic))
    if found is None:
        found = Clinic(name=clinic)
        db.add(found)
        db.flush()
    user = User(name=name, clinic_id=found.id, role=role, password_hash=_hasher.hash(password), active=True)
    db.add(user)
    db.flush()
    return user


def sign_in(db: Session, name: str, password: str, hours: float = TOKEN_HOURS) -> str | None:
    """A new token for the person, or None when the name or the password is wrong."""
    user = db.scalar(select(User).where(User.name == name, User.active.is_(True)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError):
        return None
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    db.add(Token(digest=_digest(token), user_id=user.id, expires_at=now() + dt.timedelta(hours=hours)))
    return token


def user_of(db: Session, token: str) -> User | None:
    """The person a token names, while it has not expired."""
    row = db.scalar(select(Token).where(Token.digest == _digest(token)))
    if row is None or row.expires_at <= now():
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and user.active else None


def sign_out(db: Session, token: str) -> None:
    """The token ends now."""
    row = db.scalar(select(Token).where(Token.digest == _digest(token)))
    if row is not None:
        db.delete(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

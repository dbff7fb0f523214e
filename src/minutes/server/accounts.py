"""Users, password hashes (argon2) and bearer tokens (sessions and API tokens).

Secrets are never stored: a token is 32 random bytes shown once; the database keeps
its SHA-256, so a leaked database does not leak working tokens.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minutes.errors import OptionsError
from minutes.server.tables import Token, User, as_utc, utcnow

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 would happily hash megabytes; nobody types that


@dataclass(frozen=True, slots=True)
class Account:
    """The signed-in user, as request handlers see it."""

    id: int
    username: str
    is_admin: bool


def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise OptionsError(
            "A username is 1–64 characters of letters, digits and . _ @ - (no spaces)."
        )
    return username


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise OptionsError(f"A password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return password


def create_user(s: Session, username: str, password: str, *, is_admin: bool = False) -> Account:
    """A new user; raises OptionsError when the name is taken or the fields are invalid."""
    user = User(
        username=check_username(username),
        password_hash=_hasher().hash(check_password(password)),
        is_admin=is_admin,
    )
    s.add(user)
    try:
        s.flush()
    except IntegrityError:
        s.rollback()
        raise OptionsError(f"The username {username!r} is already taken.") from None
    return Account(user.id, user.username, user.is_admin)


def authenticate(s: Session, username: str, password: str) -> Account | None:
    """The account when the password is right; None otherwise (same cost either way)."""
    user = s.scalar(select(User).where(User.username == username))
    hasher = _hasher()
    if user is None or len(password) > MAX_PASSWORD:
        # Hash anyway so a missing user cannot be told apart by timing.
        hasher.hash("timing-equaliser")
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return Account(user.id, user.username, user.is_admin)


def set_password(s: Session, user_id: int, password: str) -> None:
    user = s.get(User, user_id)
    if user is not None:
        user.password_hash = _hasher().hash(check_password(password))
        s.execute(delete(Token).where(Token.user_id == user_id, Token.kind == "session"))


def issue_token(
    s: Session, account: Account, kind: str, *, name: str = "", lifetime: timedelta | None = None
) -> str:
    """A new secret for the account; only its hash is stored."""
    secret = ("mk_" if kind == "api" else "ms_") + secrets.token_urlsafe(32)
    s.add(
        Token(
            user_id=account.id,
            token_hash=hash_token(secret),
            kind=kind,
            name=name[:100],
            expires_at=utcnow() + lifetime if lifetime else None,
        )
    )
    return secret


def account_for_token(s: Session, secret: str) -> Account | None:
    """The account a presented token belongs to, or None if unknown or expired."""
    if not secret or len(secret) > 200:
        return None
    row = s.execute(
        select(Token, User)
        .join(User, User.id == Token.user_id)
        .where(Token.token_hash == hash_token(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.expires_at is not None and as_utc(token.expires_at) < utcnow():
        return None
    return Account(user.id, user.username, user.is_admin)


def revoke_token(s: Session, secret: str) -> None:
    s.execute(delete(Token).where(Token.token_hash == hash_token(secret)))

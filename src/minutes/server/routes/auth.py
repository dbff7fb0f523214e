"""Signing in and out, API tokens, and (for admins) user accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from minutes.server import accounts
from minutes.server.context import SESSION_COOKIE, Admin, Ctx, User
from minutes.server.tables import Token
from minutes.server.tables import User as UserRow

router = APIRouter(prefix="/api", tags=["accounts"])


class Login(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class NewUser(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    is_admin: bool = False


class NewToken(BaseModel):
    name: str = Field(default="", max_length=100)


class PasswordChange(BaseModel):
    current: str = Field(max_length=1024)
    new: str = Field(max_length=1024)


def _user(a: accounts.Account) -> dict[str, Any]:
    return {"id": a.id, "username": a.username, "is_admin": a.is_admin}


@router.post("/auth/login")
def login(body: Login, response: Response, ctx: Ctx) -> dict[str, Any]:
    """Check a username and password; sets the session cookie."""
    lifetime = timedelta(days=ctx.settings.session_days)
    with ctx.db.session() as s:
        account = accounts.authenticate(s, body.username, body.password)
        if account is None:
            raise HTTPException(401, "Wrong username or password.")
        token = accounts.issue_token(s, account, "session", lifetime=lifetime)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
        path="/",
    )
    return {"user": _user(account), "token": token}


@router.post("/auth/logout")
def logout(response: Response, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        s.execute(delete(Token).where(Token.user_id == user.id, Token.kind == "session"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/me")
def me(user: User) -> dict[str, Any]:
    return {"user": _user(user)}


@router.post("/me/password")
def change_password(body: PasswordChange, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        if accounts.authenticate(s, user.username, body.current) is None:
            raise HTTPException(403, "The current password is wrong.")
        accounts.set_password(s, user.id, body.new)
    return {"ok": True}


@router.get("/tokens")
def list_tokens(ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        rows = s.scalars(
            select(Token).where(Token.user_id == user.id, Token.kind == "api").order_by(Token.id)
        ).all()
        return {
            "tokens": [
                {"id": t.id, "name": t.name, "created_at": t.created_at.isoformat()} for t in rows
            ]
        }


@router.post("/tokens", status_code=201)
def create_token(body: NewToken, ctx: Ctx, user: User) -> dict[str, Any]:
    """A new API token for programs; the secret is shown only in this response."""
    with ctx.db.session() as s:
        secret = accounts.issue_token(s, user, "api", name=body.name)
    return {"token": secret, "name": body.name}


@router.delete("/tokens/{token_id}")
def delete_token(token_id: int, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        gone = s.execute(delete(Token).where(Token.id == token_id, Token.user_id == user.id))
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise HTTPException(404, "No such token.")
    return {"ok": True}


@router.get("/users")
def list_users(ctx: Ctx, _admin: Admin) -> dict[str, Any]:
    with ctx.db.session() as s:
        rows = s.scalars(select(UserRow).order_by(UserRow.id)).all()
        return {
            "users": [{"id": u.id, "username": u.username, "is_admin": u.is_admin} for u in rows]
        }


@router.post("/users", status_code=201)
def create_user(body: NewUser, ctx: Ctx, _admin: Admin) -> dict[str, Any]:
    with ctx.db.session() as s:
        account = accounts.create_user(s, body.username, body.password, is_admin=body.is_admin)
    return {"user": _user(account)}

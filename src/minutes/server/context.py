"""What request handlers share: settings, database, worker; and who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from minutes.server import accounts
from minutes.server.accounts import Account
from minutes.server.config import ServerSettings
from minutes.server.db import Database
from minutes.server.jobs import Worker

SESSION_COOKIE = "minutes_session"


@dataclass(frozen=True)
class ServerContext:
    settings: ServerSettings
    db: Database
    worker: Worker | None


def speech_engines(ctx: ServerContext, purpose: str) -> Any:
    """The worker's loaded pipeline, for work done inside a request (enrolling a voice,
    reading a line again); 503 naming ``purpose`` when this server runs no worker."""
    executor = ctx.worker.executor if ctx.worker is not None else None
    if executor is None or not hasattr(executor, "engines"):
        raise HTTPException(503, f"{purpose} needs the server's speech models (no worker runs).")
    return executor.engines()


async def get_context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServerContext, Depends(get_context)]


def presented_token(request: Request) -> tuple[str, bool]:
    """The bearer token or session cookie sent with a request, and whether it was a cookie."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), False
    return request.cookies.get(SESSION_COOKIE, ""), True


def current_account(request: Request, ctx: Ctx) -> Account:
    token, from_cookie = presented_token(request)
    if not token:
        raise HTTPException(401, "Sign in, or send an API token as 'Authorization: Bearer …'.")
    if from_cookie and request.method not in ("GET", "HEAD", "OPTIONS"):
        _same_origin(request)
    with ctx.db.session() as s:
        account = accounts.account_for_token(s, token)
    if account is None:
        raise HTTPException(
            401,
            "The session or token is not valid (expired or revoked); "
            "sign in again or create a new token.",
        )
    return account


def _same_origin(request: Request) -> None:
    # A cookie is sent by the browser on any site's behalf; refuse other origins' writes.
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HTTPException(403, "Cross-site request refused.")


def admin_account(account: Annotated[Account, Depends(current_account)]) -> Account:
    if not account.is_admin:
        raise HTTPException(403, "Only an administrator can do this.")
    return account


User = Annotated[Account, Depends(current_account)]
Admin = Annotated[Account, Depends(admin_account)]

"""The user's global glossary: names and terms laid under every meeting's own glossary.

Stored as the user wrote it (comments kept) and checked with the same parser as a
glossary file, so a malformed line is refused with its line number and the stored
glossary stays as it was.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import delete

from minutes import glossary
from minutes.server.context import Ctx, User
from minutes.server.tables import GlossaryRow, as_utc, utcnow

router = APIRouter(prefix="/api", tags=["glossary"])


class GlossaryBody(BaseModel):
    # Characters, not bytes; the parser enforces the byte limit with a clear message.
    text: str = Field(max_length=glossary.MAX_BYTES)


def _view(row: GlossaryRow | None) -> dict[str, Any]:
    text = row.text if row else ""
    return {
        "text": text,
        "entries": len(glossary.parse(text, "global glossary").entries) if text else 0,
        "updated_at": as_utc(row.updated_at).isoformat() if row else None,
    }


@router.get("/glossary")
def get_glossary(ctx: Ctx, user: User) -> dict[str, Any]:
    """The global glossary: its text and how many entries it has."""
    with ctx.db.session() as s:
        return _view(s.get(GlossaryRow, user.id))


@router.put("/glossary")
def put_glossary(body: GlossaryBody, ctx: Ctx, user: User) -> dict[str, Any]:
    """Replace the global glossary; it applies to meetings transcribed from now on."""
    glossary.parse(body.text, "global glossary")  # OptionsError → 422 naming the line
    with ctx.db.session() as s:
        row = s.get(GlossaryRow, user.id)
        if row is None:
            row = GlossaryRow(owner_id=user.id)
            s.add(row)
        row.text = body.text
        row.updated_at = utcnow()
        s.flush()
        return _view(row)


@router.delete("/glossary")
def delete_glossary(ctx: Ctx, user: User) -> dict[str, Any]:
    """Forget the global glossary."""
    with ctx.db.session() as s:
        s.execute(delete(GlossaryRow).where(GlossaryRow.owner_id == user.id))
    return {"ok": True}

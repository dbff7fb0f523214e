"""Minutes of a meeting: read, write again from the corrected transcript, download."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from minutes.errors import NotFoundError, OptionsError
from minutes.server import meetings
from minutes.server.context import Ctx, User
from minutes.server.routes.downloads import attachment

router = APIRouter(prefix="/api", tags=["minutes"])


class MinutesRequest(BaseModel):
    backend: str | None = Field(default=None, max_length=20)
    language: str | None = Field(default=None, max_length=8)


@router.get("/meetings/{meeting_id}/minutes")
def get_minutes(meeting_id: str, ctx: Ctx, user: User) -> Response:
    """The minutes; ``stale`` says the transcript was corrected after they were written."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        found = meetings.minutes_json(s, m)
    if found is None:
        raise NotFoundError("This meeting has no minutes yet; generate them.")
    document, stale = found
    return Response(
        '{"stale": ' + ("true" if stale else "false") + ', "minutes": ' + document + "}",
        media_type="application/json",
    )


@router.post("/meetings/{meeting_id}/minutes")
def regenerate_minutes(
    meeting_id: str, ctx: Ctx, user: User, body: MinutesRequest | None = None
) -> dict[str, Any]:
    """Write the minutes again from the transcript as it stands (with corrections)."""
    from minutes.minutes import summarize

    body = body or MinutesRequest()
    options = ctx.settings.minutes_options(body.backend, body.language)
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        t = meetings.load_transcript(s, m)
        title = m.title
    if t is None:
        raise NotFoundError(f"The transcript is not ready (the meeting is {m.status}).")
    result = summarize(t, replace(options, title=title))
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        meetings.save_minutes(s, m, result)
    return {"stale": False, "minutes": result.to_dict()}


@router.get("/meetings/{meeting_id}/minutes/export/{fmt}")
def export_minutes(meeting_id: str, fmt: str, ctx: Ctx, user: User) -> Response:
    """The minutes as md, docx or json, as a download."""
    from minutes.minutes.render import MINUTES_FORMATS, render
    from minutes.minutes.schema import Minutes

    if fmt not in MINUTES_FORMATS:
        raise OptionsError(f"Unknown format {fmt!r}; choose from: {', '.join(MINUTES_FORMATS)}.")
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        found = meetings.minutes_json(s, m)
        title = m.title
    if found is None:
        raise NotFoundError("This meeting has no minutes yet; generate them.")
    body = render(Minutes.from_dict(json.loads(found[0])), fmt)
    return attachment(body, MINUTES_TYPES[fmt], title, f" minutes.{fmt}")


MINUTES_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

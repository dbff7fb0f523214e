"""Meetings: upload, list, read, export, follow progress, transcribe again, search, delete.

Corrections are in ``routes.corrections``, minutes in ``routes.minutes``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from minutes.errors import NotFoundError, OptionsError
from minutes.formats import FORMATS, get_writer
from minutes.server import job_options, jobs, meetings, search, uploads
from minutes.server.context import Ctx, ServerContext, User
from minutes.server.routes.downloads import attachment
from minutes.server.tables import Meeting

router = APIRouter(prefix="/api", tags=["meetings"])

MEDIA_TYPES = {
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "rttm": "text/plain; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# PyAV container names → what a browser's <audio> expects.
AUDIO_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "mov": "audio/mp4",
    "ogg": "audio/ogg",
    "matroska": "audio/webm",
    "flac": "audio/flac",
    "aac": "audio/aac",
}


class MeetingPatch(BaseModel):
    title: str = Field(max_length=200)


class TranscribeAgain(BaseModel):
    """What to change before transcribing a meeting again (unset: as before)."""

    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    language: str | None = Field(default=None, max_length=8)


def create_meeting(
    ctx: ServerContext,
    owner_id: int,
    upload: UploadFile,
    knobs: dict[str, Any],
    *,
    title: str | None = None,
    origin: str = "upload",
) -> tuple[Meeting, int]:
    """Store an upload and queue its transcription; returns the meeting and its job id."""
    job_options.validate_options(knobs)
    filename = uploads.display_name(upload.filename)
    meeting_id = meetings.new_meeting_id()
    stored = uploads.store(
        upload.file, ctx.settings.media_dir, meeting_id, filename, ctx.settings.max_upload_bytes
    )
    try:
        with ctx.db.session() as s:
            meeting = Meeting(
                id=meeting_id,
                owner_id=owner_id,
                title=(title or "").strip()[:200] or Path(filename).stem[:200] or "Meeting",
                filename=filename,
                media_name=stored.media_name,
                media_bytes=stored.size,
                media_format=stored.info.format,
                duration=stored.info.duration,
                options=job_options.options_to_json(knobs),
                origin=origin,
            )
            s.add(meeting)
            s.flush()
            job_id = jobs.enqueue(s, meeting_id).id
    except BaseException:
        uploads.remove(ctx.settings.media_dir, stored.media_name)
        raise
    if ctx.worker is not None:
        ctx.worker.wake()
    return meeting, job_id


@router.post("/meetings", status_code=202)
def upload_meeting(
    ctx: Ctx,
    user: User,
    file: Annotated[UploadFile, File(description="Any audio or video recording")],
    title: Annotated[str | None, Form(max_length=200)] = None,
    language: Annotated[str, Form(max_length=8)] = "auto",
    num_speakers: Annotated[int | None, Form()] = None,
    min_speakers: Annotated[int | None, Form()] = None,
    max_speakers: Annotated[int | None, Form()] = None,
    script: Annotated[str, Form(max_length=8)] = "hk",
    glossary: Annotated[str | None, Form(max_length=100_000)] = None,
    prompt: Annotated[str | None, Form(max_length=1000)] = None,
) -> dict[str, Any]:
    """Upload a recording; its transcription is queued (follow it at ``/events``)."""
    knobs: dict[str, Any] = {"language": language, "script": script}
    for key, value in (
        ("num_speakers", num_speakers),
        ("min_speakers", min_speakers),
        ("max_speakers", max_speakers),
        ("prompt", prompt),
        ("glossary", glossary),
    ):
        if value is not None and value != "":
            knobs[key] = value
    meeting, _job = create_meeting(ctx, user.id, file, knobs, title=title)
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting.id)
        return {"meeting": meetings.meeting_dict(m, meetings.latest_job(s, m.id))}


@router.get("/meetings")
def list_meetings(
    ctx: Ctx,
    user: User,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    with ctx.db.session() as s:
        rows = meetings.list_for(s, user.id, limit=limit, offset=offset)
        latest = meetings.latest_jobs(s, [m.id for m in rows])
        return {
            "meetings": [meetings.meeting_dict(m, latest.get(m.id)) for m in rows],
            "total": meetings.count_for(s, user.id),
        }


@router.get("/meetings/{meeting_id}")
def get_meeting(meeting_id: str, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        return {"meeting": meetings.meeting_dict(m, meetings.latest_job(s, m.id))}


@router.patch("/meetings/{meeting_id}")
def patch_meeting(meeting_id: str, body: MeetingPatch, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        meetings.retitle(m, body.title)
        return {"meeting": meetings.meeting_dict(m)}


@router.delete("/meetings/{meeting_id}")
def delete_meeting(meeting_id: str, ctx: Ctx, user: User) -> dict[str, Any]:
    """Delete a meeting, its recording and everything derived from it."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        media = m.media_name
        jobs.request_cancel(s, m.id)
        s.delete(m)
    uploads.remove(ctx.settings.media_dir, media)
    return {"ok": True}


@router.post("/meetings/{meeting_id}/cancel")
def cancel_job(meeting_id: str, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        job = jobs.request_cancel(s, m.id)
        return {"job": meetings.job_dict(job) if job else None}


@router.post("/meetings/{meeting_id}/retry", status_code=202)
def retry_job(meeting_id: str, ctx: Ctx, user: User) -> dict[str, Any]:
    """Queue a failed or cancelled meeting again."""
    return _queue_again(ctx, user.id, meeting_id, ("failed", "cancelled"), "nothing to retry")


@router.post("/meetings/{meeting_id}/transcribe-again", status_code=202)
def transcribe_again(
    meeting_id: str, ctx: Ctx, user: User, body: TranscribeAgain | None = None
) -> dict[str, Any]:
    """Queue a finished meeting again, with another speaker count or language. The new
    transcript and minutes replace the old ones, corrections included."""
    change = body.model_dump(exclude_none=True) if body else {}
    return _queue_again(ctx, user.id, meeting_id, jobs.TERMINAL, "wait for it first", change)


def _queue_again(
    ctx: ServerContext,
    owner_id: int,
    meeting_id: str,
    allowed: tuple[str, ...],
    refusal: str,
    change: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new job for a meeting whose last job ended in ``allowed``, its stored options
    first changed by ``change`` (validated)."""
    with ctx.db.session() as s:
        m = meetings.get(s, owner_id, meeting_id)
        last = meetings.latest_job(s, m.id)
        if last is not None and last.status not in allowed:
            raise HTTPException(409, f"The meeting's job is {last.status}; {refusal}.")
        if change:
            knobs = json.loads(m.options or "{}")
            if {"num_speakers", "min_speakers", "max_speakers"} & change.keys():
                # A new count or new bounds replace the old ones, never mix with them.
                for key in ("num_speakers", "min_speakers", "max_speakers"):
                    knobs.pop(key, None)
            m.options = job_options.options_to_json(job_options.validate_options(knobs | change))
        job = jobs.enqueue(s, m.id)
        m.status, m.error = "queued", None
        out = {"job": meetings.job_dict(job)}
    if ctx.worker is not None:
        ctx.worker.wake()
    return out


@router.get("/meetings/{meeting_id}/job")
def job_status(meeting_id: str, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        job = meetings.latest_job(s, m.id)
        return {"status": m.status, "job": meetings.job_dict(job) if job else None}


@router.get("/meetings/{meeting_id}/events")
async def job_events(meeting_id: str, request: Request, ctx: Ctx, user: User) -> Response:
    """Server-Sent Events: one ``progress`` event per change, ``end`` when the job ends.

    While the job runs on this server, ``preview`` holds its newest lines as first read
    (time and text only; speakers, languages and spelling are settled at the end).
    """
    previews = ctx.worker.previews if ctx.worker is not None else None

    def snapshot() -> dict[str, Any]:
        with ctx.db.session() as s:
            m = meetings.get(s, user.id, meeting_id)
            job = meetings.latest_job(s, m.id)
            state: dict[str, Any] = {
                "status": m.status,
                "job": meetings.job_dict(job) if job else None,
            }
        if job is not None and job.status == "running" and previews is not None:
            state["preview"] = [line.to_dict() for line in previews.lines(job.id)]
        return state

    first = await run_in_threadpool(snapshot)  # 404 now, before the stream starts

    async def stream() -> AsyncIterator[str]:
        last: dict[str, Any] | None = None
        state = first
        while True:
            if state != last:
                yield f"event: progress\ndata: {json.dumps(state)}\n\n"
                last = state
            if state["status"] in ("ready", "failed", "cancelled"):
                yield f"event: end\ndata: {json.dumps(state)}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.5)
            try:
                state = await run_in_threadpool(snapshot)
            except NotFoundError:
                yield 'event: end\ndata: {"status": "deleted"}\n\n'
                return

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/meetings/{meeting_id}/transcript")
def get_transcript(meeting_id: str, ctx: Ctx, user: User) -> Response:
    """The transcript document (schema in docs/schema.md), with every correction applied."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        document = meetings.transcript_json(s, m)
        if document is None:
            raise NotFoundError(f"The transcript is not ready (the meeting is {m.status}).")
    # Stored as JSON already: sent as is, not parsed and re-serialised on every read.
    return Response(document, media_type="application/json")


@router.get("/meetings/{meeting_id}/export/{fmt}")
def export(meeting_id: str, fmt: str, ctx: Ctx, user: User) -> Response:
    """The transcript in one of json, md, srt, vtt, rttm, txt, docx, as a download."""
    if fmt not in FORMATS:
        raise OptionsError(f"Unknown format {fmt!r}; choose from: {', '.join(FORMATS)}.")
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        t = meetings.load_transcript(s, m)
        if t is None:
            raise NotFoundError(f"The transcript is not ready (the meeting is {m.status}).")
        title = m.title
    writer = get_writer(fmt)
    return attachment(writer.render(t), MEDIA_TYPES[fmt], title, f".{writer.extension}")


@router.get("/meetings/{meeting_id}/audio")
def audio(meeting_id: str, ctx: Ctx, user: User) -> Response:
    """The original recording (range requests supported, for seeking in a player)."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        path = ctx.settings.media_dir / m.media_name
    if not path.is_file():
        raise NotFoundError("The recording file is missing on the server.")
    return FileResponse(
        path, media_type=AUDIO_TYPES.get(m.media_format, "application/octet-stream")
    )


@router.get("/search")
def search_meetings(
    ctx: Ctx,
    user: User,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Utterances containing ``q`` across all of the caller's meetings."""
    with ctx.db.session() as s:
        hits = search.search(s, user.id, q, limit=limit)
    return {"query": q, "hits": [asdict(h) for h in hits]}

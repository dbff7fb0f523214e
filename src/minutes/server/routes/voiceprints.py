"""Voiceprints: enrol a named voice from a clip or from a speaker of a past meeting,
list them, delete them. Each user's voiceprints name speakers in their own meetings."""

from __future__ import annotations

import json
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from minutes.audio import decode
from minutes.errors import NotFoundError
from minutes.server import meetings, uploads
from minutes.server.context import Ctx, ServerContext, User, speech_engines
from minutes.server.tables import VoiceprintRow
from minutes.voiceprints import Voiceprint, current_model, enrol, enrol_speaker

router = APIRouter(prefix="/api", tags=["voiceprints"])


class FromMeeting(BaseModel):
    name: str | None = Field(default=None, max_length=100)


def _row(v: VoiceprintRow, current: str) -> dict[str, Any]:
    model = Voiceprint(v.name, tuple(json.loads(v.vector)), v.seconds, model=v.model or "").model
    return {
        "id": v.id,
        "name": v.name,
        "seconds": round(v.seconds, 1),
        "source": v.source,
        "created_at": v.created_at.isoformat(),
        "model": model,
        # Made by another speaker model than the server's: not used until enrolled again.
        "needs_reenrolment": model != current,
    }


def _store(ctx: ServerContext, owner_id: int, vp: Voiceprint, source: str) -> dict[str, Any]:
    with ctx.db.session() as s:
        row = VoiceprintRow(
            owner_id=owner_id,
            name=vp.name,
            vector=json.dumps(list(vp.vector)),
            seconds=vp.seconds,
            source=source[:300],
            model=vp.model,
        )
        s.add(row)
        s.flush()
        return _row(row, vp.model)


@router.get("/voiceprints")
def list_voiceprints(ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        rows = s.scalars(
            select(VoiceprintRow)
            .where(VoiceprintRow.owner_id == user.id)
            .order_by(VoiceprintRow.name)
        ).all()
        current = current_model()
        return {"voiceprints": [_row(v, current) for v in rows]}


@router.post("/voiceprints", status_code=201)
def enrol_from_clip(
    ctx: Ctx,
    user: User,
    name: Annotated[str, Form(max_length=100)],
    file: Annotated[UploadFile, File(description="10–30 s of this person alone")],
) -> dict[str, Any]:
    """Enrol a voice from a clip of one person speaking."""
    filename = uploads.display_name(file.filename)
    with tempfile.TemporaryDirectory() as tmp:
        from pathlib import Path

        stored = uploads.store(
            file.file, Path(tmp), "clip", filename, min(ctx.settings.max_upload_bytes, 100 * 2**20)
        )
        audio = decode(Path(tmp) / stored.media_name, name=filename)
    if audio.duration > 600:
        raise HTTPException(
            422, "The clip is longer than 10 minutes; 10–30 s of one voice is best."
        )
    pipeline = speech_engines(ctx, "Enrolling a voice")
    regions = pipeline.vad.detect(audio)
    vp = enrol(name, pipeline.speaker_encoder, audio, regions)
    return {"voiceprint": _store(ctx, user.id, vp, f"clip {filename}")}


@router.post("/meetings/{meeting_id}/speakers/{speaker_id}/voiceprint", status_code=201)
def enrol_from_meeting(
    meeting_id: str, speaker_id: str, ctx: Ctx, user: User, body: FromMeeting | None = None
) -> dict[str, Any]:
    """Remember how a speaker of this meeting sounds, under their name in this meeting
    (or the name given), for the user's future meetings."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        t = meetings.load_transcript(s, m)
        media = ctx.settings.media_dir / m.media_name
        title = m.title
    if t is None:
        raise NotFoundError("The transcript is not ready yet.")
    if speaker_id not in {sp.id for sp in t.speakers}:
        raise NotFoundError(f"No speaker {speaker_id!r} in this meeting.")
    name = (body.name if body and body.name else None) or t.speaker_name(speaker_id)
    audio = decode(media, name=m.filename)
    vp = enrol_speaker(
        name, speech_engines(ctx, "Enrolling a voice").speaker_encoder, audio, t, speaker_id
    )
    return {"voiceprint": _store(ctx, user.id, vp, f"meeting “{title}”, {speaker_id}")}


@router.delete("/voiceprints/{voiceprint_id}")
def delete_voiceprint(voiceprint_id: int, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        gone = s.execute(
            delete(VoiceprintRow).where(
                VoiceprintRow.id == voiceprint_id, VoiceprintRow.owner_id == user.id
            )
        )
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise HTTPException(404, "No such voiceprint.")
    return {"ok": True}

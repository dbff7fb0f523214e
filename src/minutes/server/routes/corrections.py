"""Corrections to a finished transcript: a line's text, speaker or language, a line
taken out or cut in two, the glossary's spellings, speakers renamed or merged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from minutes import glossary
from minutes.errors import NotFoundError, OptionsError
from minutes.language import ScriptConverter
from minutes.server import job_options, meetings
from minutes.server.context import Ctx, User, speech_engines

router = APIRouter(prefix="/api", tags=["corrections"])


class UtterancePatch(BaseModel):
    """A corrected text, and/or who said the line: a speaker's id, or a new speaker
    (``new_speaker``: their name, or "" for the next "Speaker N")."""

    text: str | None = Field(default=None, max_length=meetings.MAX_TEXT)
    speaker: str | None = Field(default=None, max_length=32)
    new_speaker: str | None = Field(default=None, max_length=meetings.MAX_NAME)


class UtteranceSplit(BaseModel):
    at: int = Field(description="Character of the line's text where the second part starts")


class UtteranceReread(BaseModel):
    language: str = Field(description="yue (Cantonese), zh (Mandarin) or en (English)")


class GlossaryApply(BaseModel):
    # None: the meeting's own glossary laid over the owner's global one.
    text: str | None = Field(default=None, max_length=glossary.MAX_BYTES)


class SpeakerRename(BaseModel):
    name: str = Field(max_length=meetings.MAX_NAME)


class SpeakerMerge(BaseModel):
    source: str = Field(max_length=32)
    target: str = Field(max_length=32)


@router.patch("/meetings/{meeting_id}/utterances/{uid}")
def edit_utterance(
    meeting_id: str, uid: str, body: UtterancePatch, ctx: Ctx, user: User
) -> dict[str, Any]:
    """Correct a line's text, or who said it; with a new speaker, the meeting's speakers
    change too, so they are returned as well."""
    moving = body.speaker is not None or body.new_speaker is not None
    if body.text is None and not moving:
        raise OptionsError("Send the line's corrected text, or the speaker who said it.")
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        if body.text is not None:
            meetings.edit_utterance(s, m, uid, body.text)
        if moving:
            meetings.reassign_utterance(s, m, uid, body.speaker, body.new_speaker)
        t = meetings.load_transcript(s, m)
        assert t is not None  # edited above, so it exists
        line = next(u for u in t.utterances if u.id == uid)
        return {"utterance": line.to_dict(), "speakers": [sp.to_dict() for sp in t.speakers]}


@router.delete("/meetings/{meeting_id}/utterances/{uid}")
def remove_utterance(meeting_id: str, uid: str, ctx: Ctx, user: User) -> dict[str, Any]:
    """Take a line out — text invented in noise, or an interjection that was nobody's —
    with its stretch of the speaker's turn; the meeting's speakers are returned, as a
    speaker left with nothing leaves."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        t = meetings.remove_utterance(s, m, uid)
        return {"removed": uid, "speakers": [sp.to_dict() for sp in t.speakers]}


@router.post("/meetings/{meeting_id}/utterances/{uid}/split")
def split_utterance(
    meeting_id: str, uid: str, body: UtteranceSplit, ctx: Ctx, user: User
) -> dict[str, Any]:
    """Cut a line in two where someone else starts speaking; the second part is a new
    line (its id in the answer), which can then be given to whoever said it."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        t = meetings.split_utterance(s, m, uid, body.at)
        i = next(i for i, u in enumerate(t.utterances) if u.id == uid)
        return {"utterances": [u.to_dict() for u in t.utterances[i : i + 2]]}


@router.post("/meetings/{meeting_id}/utterances/{uid}/reread")
def reread_utterance(
    meeting_id: str, uid: str, body: UtteranceReread, ctx: Ctx, user: User
) -> dict[str, Any]:
    """Recognise a line again in the language it was spoken in, when its language was
    decided wrong: Cantonese read as written Cantonese, Mandarin as standard Chinese."""
    from minutes.audio import decode
    from minutes.pipeline import reread_language

    reread_language(body.language)
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id)
        t = meetings.load_transcript(s, m)
        if t is None:
            raise NotFoundError("The transcript is not ready yet.")
        line = next((u for u in t.utterances if u.id == uid), None)
        if line is None:
            raise NotFoundError(f"No utterance {uid!r} in this meeting.")
        options = job_options.options_from_json(m.options, job_options.owner_glossary(s, user.id))
        media, filename = ctx.settings.media_dir / m.media_name, m.filename
    # Decoding and recognition run outside the transaction: a few seconds per line.
    pipeline = speech_engines(ctx, "Reading a line again").with_options(options)
    new = pipeline.reread(decode(media, name=filename), line, body.language)
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        return {"utterance": meetings.replace_utterance(s, m, new).to_dict()}


@router.post("/meetings/{meeting_id}/glossary")
def apply_glossary(
    meeting_id: str, ctx: Ctx, user: User, body: GlossaryApply | None = None
) -> dict[str, Any]:
    """Spell a finished transcript the glossary's way (its variants rewritten), without
    transcribing it again: a glossary given here, or the meeting's and the global one."""
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        # The same options a transcription of this meeting would run with.
        options = job_options.options_from_json(m.options, job_options.owner_glossary(s, user.id))
        g = options.glossary
        if body is not None and body.text is not None:
            g = glossary.parse(body.text, "glossary")
        if not g:
            raise OptionsError(
                "There is no glossary to apply: set one (Glossary, or PUT /api/glossary) "
                "or send its text."
            )
        g = g.in_script(ScriptConverter(options.script).convert)
        return {"changed": meetings.apply_glossary(s, m, g)}


@router.patch("/meetings/{meeting_id}/speakers/{speaker_id}")
def rename_speaker(
    meeting_id: str, speaker_id: str, body: SpeakerRename, ctx: Ctx, user: User
) -> dict[str, Any]:
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        return {"speaker": meetings.rename_speaker(s, m, speaker_id, body.name).to_dict()}


@router.post("/meetings/{meeting_id}/speakers/merge")
def merge_speakers(meeting_id: str, body: SpeakerMerge, ctx: Ctx, user: User) -> dict[str, Any]:
    with ctx.db.session() as s:
        m = meetings.get(s, user.id, meeting_id, lock=True)
        t = meetings.merge_speakers(s, m, body.source, body.target)
        return {"speakers": [sp.to_dict() for sp in t.speakers]}

"""Meetings and their transcripts in the database, always scoped to one owner.

Every read and write takes the owner's id: a meeting of another user is reported
exactly like one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from minutes import corrections
from minutes.errors import NotFoundError
from minutes.glossary import Glossary
from minutes.minutes.schema import Minutes
from minutes.server.tables import (
    Job,
    Meeting,
    MinutesDoc,
    TranscriptDoc,
    UtteranceRow,
    as_utc,
    utcnow,
)
from minutes.types import Speaker, Transcript, Utterance

MAX_TEXT = corrections.MAX_TEXT
MAX_NAME = corrections.MAX_NAME


def new_meeting_id() -> str:
    return secrets.token_hex(12)


def get(s: Session, owner_id: int, meeting_id: str, *, lock: bool = False) -> Meeting:
    """The owner's meeting, or NotFoundError."""
    if not meeting_id.isalnum() or len(meeting_id) > 32:
        raise NotFoundError("No such meeting.")
    q = select(Meeting).where(Meeting.id == meeting_id, Meeting.owner_id == owner_id)
    if lock:
        q = q.with_for_update()
    meeting = s.scalar(q)
    if meeting is None:
        raise NotFoundError("No such meeting.")
    return meeting


def list_for(s: Session, owner_id: int, *, limit: int = 200, offset: int = 0) -> list[Meeting]:
    q = (
        select(Meeting)
        .where(Meeting.owner_id == owner_id)
        .order_by(Meeting.created_at.desc(), Meeting.id)
        .limit(limit)
        .offset(offset)
    )
    return list(s.scalars(q))


def latest_job(s: Session, meeting_id: str) -> Job | None:
    return s.scalar(
        select(Job).where(Job.meeting_id == meeting_id).order_by(Job.id.desc()).limit(1)
    )


def latest_jobs(s: Session, meeting_ids: list[str]) -> dict[str, Job]:
    """The newest job of each meeting, in one query."""
    if not meeting_ids:
        return {}
    newest = (
        select(func.max(Job.id)).where(Job.meeting_id.in_(meeting_ids)).group_by(Job.meeting_id)
    )
    return {j.meeting_id: j for j in s.scalars(select(Job).where(Job.id.in_(newest)))}


def transcript_json(s: Session, meeting: Meeting) -> str | None:
    doc = s.get(TranscriptDoc, meeting.id)
    return doc.document if doc else None


def load_transcript(s: Session, meeting: Meeting) -> Transcript | None:
    doc = s.get(TranscriptDoc, meeting.id)
    return Transcript.from_dict(json.loads(doc.document)) if doc else None


def save_transcript(s: Session, meeting: Meeting, transcript: Transcript) -> None:
    """Store a finished transcript and its searchable utterance rows, replacing any."""
    s.execute(delete(UtteranceRow).where(UtteranceRow.meeting_id == meeting.id))
    doc = s.get(TranscriptDoc, meeting.id)
    text = json.dumps(transcript.to_dict(), ensure_ascii=False)
    if doc is None:
        s.add(TranscriptDoc(meeting_id=meeting.id, document=text))
    else:
        doc.document, doc.revision, doc.updated_at = text, doc.revision + 1, utcnow()
    s.add_all(
        UtteranceRow(
            meeting_id=meeting.id,
            uid=u.id,
            position=i,
            speaker=u.speaker,
            start=u.start,
            end=u.end,
            language=u.language,
            text=u.text,
        )
        for i, u in enumerate(transcript.utterances)
    )
    _summarise(meeting, transcript)


def _summarise(meeting: Meeting, t: Transcript) -> None:
    meeting.duration = t.duration
    meeting.language = t.language
    meeting.languages = json.dumps(t.language_share)
    meeting.speaker_count = len(t.speakers)
    meeting.updated_at = utcnow()


def _rewrite(s: Session, meeting: Meeting, transcript: Transcript) -> None:
    doc = s.get(TranscriptDoc, meeting.id)
    if doc is None:
        raise NotFoundError("This meeting has no transcript yet.")
    doc.document = json.dumps(transcript.to_dict(), ensure_ascii=False)
    doc.revision += 1
    doc.updated_at = utcnow()
    _summarise(meeting, transcript)


def _require(s: Session, meeting: Meeting) -> Transcript:
    t = load_transcript(s, meeting)
    if t is None:
        raise NotFoundError("This meeting has no transcript yet; wait for its job to finish.")
    return t


def edit_utterance(s: Session, meeting: Meeting, uid: str, text: str) -> Utterance:
    """Replace an utterance's text (the words keep their times for playback)."""
    t = corrections.edit_text(_require(s, meeting), uid, text)
    _rewrite(s, meeting, t)
    edited = next(u for u in t.utterances if u.id == uid)
    s.execute(
        update(UtteranceRow)
        .where(UtteranceRow.meeting_id == meeting.id, UtteranceRow.uid == uid)
        .values(text=edited.text, edited=True)
    )
    return edited


def apply_glossary(s: Session, meeting: Meeting, glossary: Glossary) -> list[str]:
    """Rewrite a glossary's variants in a finished transcript; the ids of the lines it
    changed. Corrections people made are rewritten too, but stay marked as theirs."""
    t = _require(s, meeting)
    changed: dict[str, Utterance] = {}
    for u in t.utterances:
        text = glossary.fix_text(u.text)
        if text != u.text:
            changed[u.id] = replace(u, text=text, words=glossary.fix(u.words))
    if not changed:
        return []
    _rewrite(s, meeting, replace(t, utterances=tuple(changed.get(u.id, u) for u in t.utterances)))
    for uid, u in changed.items():
        s.execute(
            update(UtteranceRow)
            .where(UtteranceRow.meeting_id == meeting.id, UtteranceRow.uid == uid)
            .values(text=u.text)
        )
    return list(changed)


def rename_speaker(s: Session, meeting: Meeting, speaker_id: str, name: str) -> Speaker:
    t = corrections.rename(_require(s, meeting), speaker_id, name)
    _rewrite(s, meeting, t)
    return next(sp for sp in t.speakers if sp.id == speaker_id)


def merge_speakers(s: Session, meeting: Meeting, source: str, target: str) -> Transcript:
    """Give everything ``source`` said to ``target`` (turns, utterances, words)."""
    merged = corrections.merge_speakers(_require(s, meeting), source, target)
    _rewrite(s, meeting, merged)
    _sync_rows(s, meeting, merged)
    return merged


def reassign_utterance(
    s: Session, meeting: Meeting, uid: str, speaker: str | None, new_speaker: str | None
) -> Transcript:
    """Give one line to another speaker, or to a new one (see ``corrections.reassign``)."""
    t = corrections.reassign(_require(s, meeting), uid, speaker=speaker, new_speaker=new_speaker)
    _rewrite(s, meeting, t)
    _sync_rows(s, meeting, t)  # the line, and a speaker merged away with their last line
    return t


def split_utterance(s: Session, meeting: Meeting, uid: str, at: int) -> Transcript:
    """Cut a line in two (see ``corrections.split``); the second part is a new line."""
    t = corrections.split(_require(s, meeting), uid, at)
    _rewrite(s, meeting, t)
    _sync_rows(s, meeting, t)
    return t


def remove_utterance(s: Session, meeting: Meeting, uid: str) -> Transcript:
    """Take a line out (see ``corrections.remove_line``) with its stretch of turn."""
    t = corrections.remove_line(_require(s, meeting), uid)
    _rewrite(s, meeting, t)
    _sync_rows(s, meeting, t)
    return t


def replace_utterance(s: Session, meeting: Meeting, line: Utterance) -> Utterance:
    """Store a line recognised again (its text, words and language), marked as edited."""
    t = corrections.with_line(_require(s, meeting), line)
    _rewrite(s, meeting, t)
    _sync_rows(s, meeting, t)
    s.execute(
        update(UtteranceRow)
        .where(UtteranceRow.meeting_id == meeting.id, UtteranceRow.uid == line.id)
        .values(edited=True)
    )
    return line


def _sync_rows(s: Session, meeting: Meeting, t: Transcript) -> None:
    """Bring the searchable rows in line with the transcript, keeping which were edited."""
    mine = select(UtteranceRow).where(UtteranceRow.meeting_id == meeting.id)
    rows = {r.uid: r for r in s.scalars(mine)}
    for i, u in enumerate(t.utterances):
        row = rows.pop(u.id, None)
        if row is None:
            row = UtteranceRow(meeting_id=meeting.id, uid=u.id, edited=False)
            s.add(row)
        row.position, row.speaker, row.start, row.end = i, u.speaker, u.start, u.end
        row.language, row.text = u.language, u.text
    for gone in rows.values():
        s.delete(gone)


def save_minutes(s: Session, meeting: Meeting, minutes: Minutes) -> None:
    """Store minutes made from the meeting's current transcript revision."""
    doc = s.get(TranscriptDoc, meeting.id)
    revision = doc.revision if doc else 0
    text = json.dumps(minutes.to_dict(), ensure_ascii=False)
    row = s.get(MinutesDoc, meeting.id)
    if row is None:
        s.add(
            MinutesDoc(
                meeting_id=meeting.id,
                document=text,
                backend=minutes.backend,
                transcript_revision=revision,
            )
        )
    else:
        row.document, row.backend, row.transcript_revision = text, minutes.backend, revision
        row.updated_at = utcnow()


def minutes_json(s: Session, meeting: Meeting) -> tuple[str, bool] | None:
    """The stored minutes and whether the transcript changed since they were made."""
    row = s.get(MinutesDoc, meeting.id)
    if row is None:
        return None
    doc = s.get(TranscriptDoc, meeting.id)
    return row.document, bool(doc and doc.revision > row.transcript_revision)


def retitle(meeting: Meeting, title: str) -> None:
    meeting.title = corrections.cleaned(title, 200, "title")
    meeting.updated_at = utcnow()


def count_for(s: Session, owner_id: int) -> int:
    return int(s.scalar(select(func.count()).where(Meeting.owner_id == owner_id)) or 0)


def meeting_dict(m: Meeting, job: Job | None = None) -> dict[str, Any]:
    """The JSON shape of a meeting in the API."""
    out: dict[str, Any] = {
        "id": m.id,
        "title": m.title,
        "filename": m.filename,
        "status": m.status,
        "duration": m.duration,
        "language": m.language,
        "languages": json.loads(m.languages or "{}"),
        "speaker_count": m.speaker_count,
        "media_bytes": m.media_bytes,
        "media_format": m.media_format,
        "origin": m.origin,
        "error": m.error,
        "created_at": as_utc(m.created_at).isoformat(),
        "updated_at": as_utc(m.updated_at).isoformat(),
    }
    if job is not None:
        out["job"] = job_dict(job)
    return out


def job_dict(j: Job) -> dict[str, Any]:
    return {
        "id": j.id,
        "status": j.status,
        "stage": j.stage,
        "progress": round(j.progress, 4),
        "message": j.message,
        "attempts": j.attempts,
        "cancel_requested": j.cancel_requested,
    }

"""Search across one user's meetings, in Chinese and English.

SQLite uses its FTS5 trigram index, PostgreSQL a pg_trgm GIN index (both made by the
first migration); both find any substring, which is what Chinese needs. A query is
also tried in the other Chinese script, so 会议 finds 會議.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from minutes.errors import OptionsError
from minutes.language import ScriptConverter
from minutes.server.tables import Meeting, UtteranceRow

MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class Hit:
    meeting_id: str
    meeting_title: str
    utterance_id: str
    speaker: str
    start: float
    end: float
    language: str
    text: str


def variants(query: str) -> list[str]:
    """The query as typed plus its Traditional (HK) and Simplified forms."""
    forms = [query]
    for script in ("hk", "cn"):
        converted = ScriptConverter(script).convert(query)
        if converted not in forms:
            forms.append(converted)
    return forms


def search(s: Session, owner_id: int, query: str, *, limit: int = 50) -> list[Hit]:
    """Utterances of the owner's meetings that contain the query (case-insensitive)."""
    query = query.replace("\x00", "").strip()
    if not query:
        raise OptionsError("Type something to search for.")
    if len(query) > MAX_QUERY:
        raise OptionsError(f"The search is too long (at most {MAX_QUERY} characters).")
    forms = variants(query)
    dialect = s.get_bind().dialect.name
    conditions: list[ColumnElement[bool]] = []
    for form in forms:
        pattern = "%" + _escape_like(form) + "%"
        conditions.append(UtteranceRow.text.ilike(pattern, escape="\\"))
    match = or_(*conditions)
    if dialect == "sqlite" and all(len(f) >= 3 for f in forms):
        # The trigram index narrows the rows; LIKE keeps the exact semantics.
        fts = " OR ".join('"' + f.replace('"', '""') + '"' for f in forms)
        ids = (
            select(text("rowid"))
            .select_from(text("utterances_fts"))
            .where(text("utterances_fts MATCH :q"))
        )
        match = match & UtteranceRow.id.in_(ids.params(q=fts))
    q = (
        select(UtteranceRow, Meeting.title)
        .join(Meeting, Meeting.id == UtteranceRow.meeting_id)
        .where(Meeting.owner_id == owner_id, match)
        .order_by(Meeting.created_at.desc(), UtteranceRow.position)
        .limit(limit)
    )
    return [
        Hit(
            meeting_id=row.meeting_id,
            meeting_title=title,
            utterance_id=row.uid,
            speaker=row.speaker,
            start=row.start,
            end=row.end,
            language=row.language,
            text=row.text,
        )
        for row, title in s.execute(q)
    ]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

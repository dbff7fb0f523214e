"""The minutes as frozen values, their JSON form, and the evidence they rest on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from minutes.types import UNCLEAR

MINUTES_SCHEMA_VERSION = "1.0"
OUTPUT_LANGUAGES = ("auto", "en", "zh-HK", "zh-CN")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One utterance an item rests on, as it stands in the transcript."""

    utterance_id: str
    start: float
    end: float
    speaker: str
    quote: str
    # The recogniser's mean word probability for the utterance (1.0 when unknown).
    confidence: float = 1.0

    @property
    def unclear(self) -> bool:
        """The words were probably misheard: the item should be checked by ear."""
        return self.confidence < UNCLEAR

    def to_dict(self) -> dict[str, Any]:
        return {
            "utterance_id": self.utterance_id,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "speaker": self.speaker,
            "quote": self.quote,
            "confidence": round(self.confidence, 3),
            "unclear": self.unclear,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(
            utterance_id=str(d["utterance_id"]),
            start=float(d["start"]),
            end=float(d["end"]),
            speaker=str(d["speaker"]),
            quote=str(d.get("quote", "")),
            confidence=float(d.get("confidence", 1.0)),
        )


def _evidence(d: Mapping[str, Any]) -> tuple[Evidence, ...]:
    return tuple(Evidence.from_dict(e) for e in d.get("evidence", ()))


@dataclass(frozen=True, slots=True)
class Item:
    """A summary point or a decision."""

    text: str
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "evidence": [e.to_dict() for e in self.evidence]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Item:
        return cls(text=str(d["text"]), evidence=_evidence(d))


@dataclass(frozen=True, slots=True)
class ActionItem:
    """Something someone will do: owner and due date only when they were said."""

    text: str
    evidence: tuple[Evidence, ...]
    owner: str | None = None
    due: str | None = None
    status: str = "open"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "due": self.due,
            "status": self.status,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ActionItem:
        return cls(
            text=str(d["text"]),
            evidence=_evidence(d),
            owner=d.get("owner"),
            due=d.get("due"),
            status=str(d.get("status", "open")),
        )


@dataclass(frozen=True, slots=True)
class Topic:
    title: str
    start: float
    end: float
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Topic:
        return cls(
            title=str(d["title"]),
            start=float(d["start"]),
            end=float(d["end"]),
            evidence=_evidence(d),
        )


@dataclass(frozen=True, slots=True)
class Attendee:
    speaker: str
    name: str
    talk_time: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "name": self.name,
            "talk_time": round(self.talk_time, 3),
            "share": round(self.share, 4),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Attendee:
        return cls(str(d["speaker"]), str(d["name"]), float(d["talk_time"]), float(d["share"]))


@dataclass(frozen=True, slots=True)
class Minutes:
    """What a meeting decided and who will do what, each with its evidence."""

    title: str
    language: str
    attendees: tuple[Attendee, ...]
    summary: tuple[Item, ...]
    topics: tuple[Topic, ...]
    decisions: tuple[Item, ...]
    action_items: tuple[ActionItem, ...]
    backend: str
    warnings: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": MINUTES_SCHEMA_VERSION,
            "title": self.title,
            "language": self.language,
            "backend": self.backend,
            "attendees": [a.to_dict() for a in self.attendees],
            "summary": [i.to_dict() for i in self.summary],
            "topics": [t.to_dict() for t in self.topics],
            "decisions": [i.to_dict() for i in self.decisions],
            "action_items": [a.to_dict() for a in self.action_items],
            "warnings": list(self.warnings),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Minutes:
        return cls(
            title=str(d["title"]),
            language=str(d["language"]),
            attendees=tuple(Attendee.from_dict(a) for a in d.get("attendees", ())),
            summary=tuple(Item.from_dict(i) for i in d.get("summary", ())),
            topics=tuple(Topic.from_dict(t) for t in d.get("topics", ())),
            decisions=tuple(Item.from_dict(i) for i in d.get("decisions", ())),
            action_items=tuple(ActionItem.from_dict(a) for a in d.get("action_items", ())),
            backend=str(d.get("backend", "")),
            warnings=tuple(str(w) for w in d.get("warnings", ())),
            metadata=dict(d.get("metadata", {})),
        )

    def all_evidence(self) -> Sequence[Evidence]:
        out: list[Evidence] = []
        for group in (self.summary, self.topics, self.decisions, self.action_items):
            for item in group:
                out.extend(item.evidence)
        return out

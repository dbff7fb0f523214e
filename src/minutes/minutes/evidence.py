"""Grounding: every item must point at utterances that exist in the transcript.

Backends (extractive or a language model) propose utterance ids; this module turns
them into :class:`Evidence` from the transcript itself — never from the backend's
text — and reports items whose evidence does not exist, so they are dropped instead
of being shown as fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from minutes.minutes.schema import Attendee, Evidence
from minutes.types import Transcript, Utterance


@dataclass
class EvidenceIndex:
    transcript: Transcript
    _by_id: dict[str, Utterance] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {u.id: u for u in self.transcript.utterances}

    def __contains__(self, utterance_id: object) -> bool:
        return utterance_id in self._by_id

    def utterance(self, utterance_id: str) -> Utterance:
        return self._by_id[utterance_id]

    def resolve(self, ids: Iterable[str]) -> tuple[Evidence, ...]:
        """Evidence for the ids that exist, in time order, each once."""
        seen: set[str] = set()
        out = []
        for uid in ids:
            u = self._by_id.get(str(uid).strip())
            if u is None or u.id in seen:
                continue
            seen.add(u.id)
            out.append(
                Evidence(
                    utterance_id=u.id,
                    start=u.start,
                    end=u.end,
                    speaker=self.transcript.speaker_name(u.speaker),
                    quote=u.text,
                    confidence=u.confidence,
                )
            )
        return tuple(sorted(out, key=lambda e: e.start))


def attendees(transcript: Transcript) -> tuple[Attendee, ...]:
    """Speakers with their talk time and share of all talk, most talkative first."""
    total = sum(s.talk_time for s in transcript.speakers) or 1.0
    return tuple(
        Attendee(speaker=s.id, name=s.name, talk_time=s.talk_time, share=s.talk_time / total)
        for s in sorted(transcript.speakers, key=lambda s: -s.talk_time)
    )


def span(evidence: Sequence[Evidence]) -> tuple[float, float]:
    return (min(e.start for e in evidence), max(e.end for e in evidence)) if evidence else (0, 0)

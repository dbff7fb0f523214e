"""Values passed between stages: frozen, slotted, seconds as floats.

``Transcript.to_dict()`` is the documented JSON schema (see docs/schema.md); its field
names follow WhisperX output where the two overlap (``segments[].start/end/text/speaker/
words[].word/start/end/score``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.2"
# Mean word probability under which an utterance is marked unclear. On the benchmark
# clips real speech scored 0.52-0.99 (Cantonese lowest); Whisper base's readings of
# speech it cannot understand (espeak's Cantonese) 0.35-0.52.
UNCLEAR = 0.5


@dataclass(frozen=True, slots=True)
class SpeechRegion:
    """A stretch of the recording in which the VAD heard speech."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word (or CJK character run) with its timing and probability."""

    text: str
    start: float
    end: float
    probability: float
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "word": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "score": round(self.probability, 3),
        }
        if self.speaker is not None:
            out["speaker"] = self.speaker
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Word:
        return cls(
            text=str(d["word"]),
            start=float(d["start"]),
            end=float(d["end"]),
            probability=float(d.get("score", 1.0)),
            speaker=d.get("speaker"),
        )


@dataclass(frozen=True, slots=True)
class Segment:
    """A recogniser segment: words with one language, before speakers are known."""

    start: float
    end: float
    text: str
    language: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    language_probability: float = 1.0


@dataclass(frozen=True, slots=True)
class PreviewLine:
    """Text as first read, while a recording is still being transcribed: before the
    language pass, speakers and layout, so the final transcript may differ."""

    start: float
    end: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of time in which one speaker talks. Turns of different speakers may overlap."""

    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker of the meeting: a stable id, a display name, and talk time."""

    id: str
    name: str
    talk_time: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "talk_time": round(self.talk_time, 3)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Speaker:
        return cls(id=str(d["id"]), name=str(d["name"]), talk_time=float(d.get("talk_time", 0)))


@dataclass(frozen=True, slots=True)
class Utterance:
    """What one speaker said in one go: the unit of the transcript people read."""

    id: str
    start: float
    end: float
    speaker: str
    text: str
    language: str
    words: tuple[Word, ...] = ()
    confidence: float = 1.0
    # The speaker this one talked over, when the line is an interjection heard only in
    # overlapped speech: the recogniser writes the voice that carries through, so such
    # a line has no words until a person types them (``heard`` is False).
    over: str = ""

    @property
    def unclear(self) -> bool:
        """Probably misheard: worth checking against the audio."""
        return self.heard and self.confidence < UNCLEAR

    @property
    def heard(self) -> bool:
        """The line has text (recognised or typed), not only a time and a speaker."""
        return bool(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "speaker": self.speaker,
            "text": self.text,
            "language": self.language,
            "confidence": round(self.confidence, 3),
            "words": [w.to_dict() for w in self.words],
            **({"over": self.over} if self.over else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Utterance:
        return cls(
            id=str(d["id"]),
            start=float(d["start"]),
            end=float(d["end"]),
            speaker=str(d["speaker"]),
            text=str(d["text"]),
            language=str(d["language"]),
            words=tuple(Word.from_dict(w) for w in d.get("words", ())),
            confidence=float(d.get("confidence", 1.0)),
            over=str(d.get("over", "")),
        )


def language_seconds(utterances: Iterable[Utterance]) -> dict[str, float]:
    """Seconds of recognised speech per language tag (lines without text count for none)."""
    seconds: dict[str, float] = {}
    for u in utterances:
        if u.heard:
            seconds[u.language] = seconds.get(u.language, 0.0) + max(0.0, u.end - u.start)
    return seconds


@dataclass(frozen=True, slots=True)
class Transcript:
    """The result of a transcription run: who said what, when, in which language."""

    utterances: tuple[Utterance, ...]
    turns: tuple[Turn, ...]
    speakers: tuple[Speaker, ...]
    duration: float
    language: str
    source: str = ""
    model: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(u.text for u in self.utterances if u.heard)

    @property
    def language_share(self) -> dict[str, float]:
        """Share of recognised speech time per language tag, largest first."""
        seconds = language_seconds(self.utterances)
        total = sum(seconds.values())
        if total <= 0:
            return {}
        return {k: round(v / total, 3) for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])}

    @property
    def script(self) -> str:
        """The Chinese script the text is written in (hk, tw, cn, or auto: as recognised)."""
        return str(dict(self.metadata).get("options", {}).get("script", "auto"))

    def speaker_name(self, speaker_id: str) -> str:
        for s in self.speakers:
            if s.id == speaker_id:
                return s.name
        return speaker_id

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "duration": round(self.duration, 3),
            "language": self.language,
            "language_share": self.language_share,
            "model": self.model,
            "speakers": [s.to_dict() for s in self.speakers],
            "segments": [u.to_dict() for u in self.utterances],
            "turns": [
                {"start": round(t.start, 3), "end": round(t.end, 3), "speaker": t.speaker}
                for t in self.turns
            ],
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Transcript:
        version = str(d.get("schema_version", ""))
        if version.split(".", maxsplit=1)[0] != SCHEMA_VERSION.split(".", maxsplit=1)[0]:
            from minutes.errors import InputError

            raise InputError(
                f"Transcript schema version {version!r} is not supported "
                f"(this minutes reads {SCHEMA_VERSION}); re-run `minutes transcribe`."
            )
        return cls(
            utterances=tuple(Utterance.from_dict(u) for u in d.get("segments", ())),
            turns=tuple(
                Turn(float(t["start"]), float(t["end"]), str(t["speaker"]))
                for t in d.get("turns", ())
            ),
            speakers=tuple(Speaker.from_dict(s) for s in d.get("speakers", ())),
            duration=float(d.get("duration", 0.0)),
            language=str(d.get("language", "")),
            source=str(d.get("source", "")),
            model=str(d.get("model", "")),
            metadata=dict(d.get("metadata", {})),
        )

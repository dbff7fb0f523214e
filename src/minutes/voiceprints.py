"""Enrolled, named speakers across meetings.

A voiceprint is one speaker embedding (unit-norm; by the encoder the diarizer uses,
CAM++ 192-d unless another speaker model is configured) pooled over a few seconds to a
minute of a person's speech, from a clip or from their turns in a past meeting. In a
new meeting each speaker's own embedding is compared with the enrolled prints; the best
match above a threshold names the speaker, each print at most once. The threshold
comes from bench/voiceprint_bench.py (false-accept rate on held-out speakers;
docs/benchmarks.md).

Each print records the model that made it. Prints of another model — resemblyzer's
(256-d) from earlier versions, or of a speaker model no longer configured — cannot be
compared with this model's embeddings: they are kept, reported as needing re-enrolment,
and not used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minutes.audio import Audio
from minutes.corrections import find_speaker, name_key
from minutes.errors import InputError
from minutes.models import EMBEDDED_SPEAKER_MODEL
from minutes.options import VOICEPRINT_THRESHOLD as DEFAULT_THRESHOLD
from minutes.stages.clustering import cluster
from minutes.stages.fbank import FEATURES
from minutes.stages.speaker_encoder import SpeakerEncoder
from minutes.types import SpeechRegion, Transcript, Turn

MODEL = EMBEDDED_SPEAKER_MODEL  # the speaker model prints are made with by default
LEGACY_MODEL = "resemblyzer"
MIN_ENROL_SECONDS = 4.0
MAX_SECONDS = 60.0  # per speaker: more adds time, not accuracy
# The two-voice check embeds short pieces of the clip and clusters them.
PIECE_FRAMES, PIECE_STEP = 150, 75  # 1.5 s pieces every 0.75 s (10 ms frames)
TWO_VOICE_DISTANCE = 0.45  # cosine distance; bench/voiceprint_bench.py two_voice_check


class EnrolmentError(InputError):
    """A clip or a speaker cannot give a reliable voiceprint (silent, short, two voices)."""


@dataclass(frozen=True, slots=True)
class Voiceprint:
    name: str
    vector: tuple[float, ...]
    seconds: float
    source: str = ""  # where it was enrolled from: "clip chan.m4a", "meeting board.json, …"
    # The speaker model that made it (ModelRegistry.speaker_model_id). Prints stored
    # before models were recorded are told apart by their size: 256 was resemblyzer.
    model: str = ""

    def __post_init__(self) -> None:
        if not self.model:
            legacy = LEGACY_MODEL if len(self.vector) == 256 else MODEL
            object.__setattr__(self, "model", legacy)

    def array(self) -> np.ndarray:
        return np.asarray(self.vector, dtype=np.float32)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "model": self.model,
            "seconds": round(self.seconds, 2),
            "source": self.source,
            "vector": [round(x, 6) for x in self.vector],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Voiceprint:
        vector = d["vector"]
        if not isinstance(vector, list):
            raise InputError("A voiceprint's vector must be a list of numbers.")
        return cls(
            str(d["name"]),
            tuple(float(x) for x in vector),
            float(str(d["seconds"])),
            str(d.get("source") or ""),
            str(d.get("model") or ""),
        )


@dataclass(frozen=True, slots=True)
class Match:
    speaker: str
    name: str
    score: float


def _limit(regions: Sequence[SpeechRegion], seconds: float) -> list[SpeechRegion]:
    """The longest regions first, up to ``seconds`` of speech (clean, long turns embed best)."""
    out, total = [], 0.0
    for r in sorted(regions, key=lambda r: -r.duration):
        if total >= seconds:
            break
        out.append(r)
        total += r.duration
    return sorted(out, key=lambda r: r.start)


def _features(encoder: SpeakerEncoder, audio: Audio, regions: Sequence[SpeechRegion]) -> np.ndarray:
    """Filterbank frames of up to a minute of the given speech, end to end."""
    parts = [encoder.features(audio.slice(r.start, r.end)) for r in _limit(regions, MAX_SECONDS)]
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.zeros((0, FEATURES), np.float32)


def embedding(encoder: SpeakerEncoder, audio: Audio, regions: Sequence[SpeechRegion]) -> np.ndarray:
    """One unit-norm embedding pooled over (up to a minute of) the given speech; empty
    when there is too little of it. The encoder pools statistics over all frames, which
    separates voices better than averaging embeddings of short windows."""
    v = encoder.embed(_features(encoder, audio, regions))
    return np.zeros(0, np.float32) if v is None else v


def _pieces(encoder: SpeakerEncoder, features: np.ndarray) -> np.ndarray:
    vectors = [
        encoder.embed(features[i : i + PIECE_FRAMES])
        for i in range(0, max(1, len(features) - PIECE_FRAMES + 1), PIECE_STEP)
    ]
    kept = [v for v in vectors if v is not None]
    return np.stack(kept) if kept else np.zeros((0, encoder.dimension), np.float32)


def enrol(
    name: str,
    encoder: SpeakerEncoder,
    audio: Audio,
    regions: Sequence[SpeechRegion],
    *,
    check_single_voice: bool = True,
    min_seconds: float = MIN_ENROL_SECONDS,
) -> Voiceprint:
    """A voiceprint from the speech regions of one person's audio.

    Raises :class:`EnrolmentError` when there is too little speech (under
    ``min_seconds``) or two voices.
    """
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise EnrolmentError("A voiceprint needs a name of 1–100 characters.")
    speech = sum(r.duration for r in regions)
    if speech == 0:
        raise EnrolmentError(
            "No speech found: the clip is silent or only noise. "
            "Record the person speaking for 10–30 seconds."
        )
    if speech < min_seconds:
        raise EnrolmentError(
            f"Only {speech:.1f} s of speech; a voiceprint needs at least "
            f"{min_seconds:g} s (10–30 s is best)."
        )
    features = _features(encoder, audio, regions)
    vector = encoder.embed(features)
    if vector is None:
        raise EnrolmentError("The speech is too fragmented to make a voiceprint from.")
    pieces = _pieces(encoder, features) if check_single_voice else np.zeros((0, 1))
    if len(pieces) >= 4:
        labels = cluster(pieces, min_speakers=1, max_speakers=3, threshold=TWO_VOICE_DISTANCE)
        counts = np.bincount(labels)
        if len(counts) > 1 and np.sort(counts)[-2] >= 0.25 * len(pieces):
            raise EnrolmentError(
                "The clip seems to contain more than one voice. Use a clip "
                "of this person alone, or enrol them from a past meeting."
            )
    return Voiceprint(
        name=name,
        vector=tuple(float(x) for x in vector),
        seconds=speech,
        model=encoder.model_id,
    )


def enrol_speaker(
    name: str, encoder: SpeakerEncoder, audio: Audio, transcript: Transcript, speaker: str
) -> Voiceprint:
    """A voiceprint from everything one speaker of a past meeting said alone.

    Diarization has already separated the voices, so the two-voice check is skipped.
    """
    return enrol(
        name,
        encoder,
        audio,
        speaker_regions(transcript.turns, find_speaker(transcript, speaker)),
        check_single_voice=False,
    )


def speaker_regions(turns: Sequence[Turn], speaker: str) -> list[SpeechRegion]:
    """A speaker's turns as speech regions, without the stretches others overlap."""
    own = [t for t in turns if t.speaker == speaker]
    others = [t for t in turns if t.speaker != speaker]
    out = []
    for t in own:
        if any(o.start < t.end and o.end > t.start for o in others):
            continue  # overlapped speech would blend two voices
        out.append(SpeechRegion(t.start, t.end))
    return out or [SpeechRegion(t.start, t.end) for t in own]


def current_model() -> str:
    """The speaker model new meetings are diarized with (MINUTES_SPEAKER_MODEL), for
    marking prints that need enrolling again; the embedded one when the configured model
    is broken (that is reported when a meeting runs, not when prints are listed)."""
    from minutes.errors import ModelNotFoundError
    from minutes.models import ModelRegistry

    try:
        return ModelRegistry().speaker_model_id()
    except ModelNotFoundError:
        return MODEL


def people(prints: Sequence[Voiceprint], model: str = MODEL) -> np.ndarray | None:
    """One vector per enrolled person of speaker model ``model`` (the mean of their
    unit-length prints), for diarization to keep enrolled people apart; None if there
    are none."""
    by_person: dict[str, list[np.ndarray]] = {}
    for p in prints:
        if p.model == model:
            v = p.array()
            unit = v / max(float(np.linalg.norm(v)), 1e-9)
            by_person.setdefault(name_key(p.name), []).append(unit)
    if not by_person:
        return None
    return np.stack([np.mean(vs, axis=0) for vs in by_person.values()]).astype(np.float32)


def identify(
    centroids: Mapping[str, np.ndarray],
    prints: Sequence[Voiceprint],
    threshold: float = DEFAULT_THRESHOLD,
    model: str = MODEL,
) -> list[Match]:
    """Name speakers by their closest enrolled voice; each name used at most once.

    A person may have several prints (enrolled from a clip and from past meetings):
    the best-matching one names the speaker, and no other speaker gets that name.
    Prints of another speaker model than ``model``, the centroids', are skipped."""
    size = next((len(v) for v in centroids.values() if len(v)), 0)
    prints = [p for p in prints if p.model == model and len(p.vector) == size]
    if not prints or not centroids:
        return []
    speakers = [s for s, v in centroids.items() if len(v)]
    if not speakers:
        return []
    a = np.stack([centroids[s] for s in speakers])
    b = np.stack([p.array() for p in prints])
    sims = a @ b.T
    pairs = sorted(
        ((float(sims[i, j]), i, j) for i in range(len(speakers)) for j in range(len(prints))),
        reverse=True,
    )
    used_s: set[int] = set()
    used_names: set[str] = set()
    out = []
    for score, i, j in pairs:
        if score < threshold:
            break
        name = prints[j].name
        key = name_key(name)
        if i in used_s or key in used_names:
            continue
        used_s.add(i)
        used_names.add(key)
        out.append(Match(speakers[i], name, score))
    return out


def centroids(
    encoder: SpeakerEncoder, audio: Audio, turns: Sequence[Turn]
) -> dict[str, np.ndarray]:
    """Each speaker's embedding over (up to a minute of) their clean turns."""
    return {
        speaker: embedding(encoder, audio, speaker_regions(turns, speaker))
        for speaker in dict.fromkeys(t.speaker for t in turns)
    }


def store_path() -> Path:
    """Where the command line keeps enrolled voices (the server keeps them per user)."""
    from minutes.settings import Settings

    return Settings().data_dir / "voiceprints.json"


def load_store(path: Path | None = None) -> list[Voiceprint]:
    path = path or store_path()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Voiceprint.from_dict(d) for d in data["voiceprints"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(
            f"{path}: the voiceprint store is unreadable ({e}); fix or delete it."
        ) from e


def save_store(prints: Sequence[Voiceprint], path: Path | None = None) -> Path:
    from minutes.formats.base import atomic_write_text

    path = path or store_path()
    atomic_write_text(path, json.dumps({"voiceprints": [p.to_dict() for p in prints]}, indent=1))
    return path

"""Frozen per-stage options. Validated on construction so bad values fail before any work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minutes.errors import OptionsError
from minutes.glossary import Glossary

LANGUAGES = ("auto", "yue", "zh", "en")
MAX_SPEAKERS = 20


@dataclass(frozen=True, slots=True)
class VadOptions:
    """Silero VAD settings; tuned for far-field meeting audio, not dictation."""

    threshold: float = 0.35  # speech probability that opens a region
    neg_threshold: float = 0.2  # probability below which a region may close
    min_speech: float = 0.2  # seconds; shorter bursts are clicks, not words
    min_silence: float = 1.0  # seconds of quiet needed to split two regions (tuned on AMI)
    pad: float = 0.25  # seconds added on both sides, so word edges are kept
    block: float = 600.0  # seconds of audio scored at a time (memory stays flat)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0 or not 0.0 < self.neg_threshold <= self.threshold:
            raise OptionsError(
                f"VAD thresholds must satisfy 0 < neg_threshold <= threshold < 1, got "
                f"threshold={self.threshold}, neg_threshold={self.neg_threshold}."
            )


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """faster-whisper decoding settings."""

    model: str = "base"  # registry name, local CTranslate2 directory, or hub name
    language: str = "auto"  # auto | yue | zh | en
    beam_size: int = 5
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: one per available core
    max_chunk: float = 30.0  # seconds; Whisper's window
    # Languages auto-detection may choose from; a Hong Kong meeting is not in Thai.
    candidate_languages: tuple[str, ...] = ("zh", "en", "yue")
    initial_prompt: str | None = None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise OptionsError(
                f"Unknown language {self.language!r}; use one of: {', '.join(LANGUAGES)}."
            )
        if self.beam_size < 1:
            raise OptionsError(f"beam_size must be at least 1, got {self.beam_size}.")
        if not 1.0 <= self.max_chunk <= 30.0:
            raise OptionsError(f"max_chunk must be between 1 and 30 seconds, got {self.max_chunk}.")


DIARIZERS = ("segmentation", "windows")


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """Speaker diarization settings. ``num_speakers`` wins over ``min``/``max`` when set."""

    num_speakers: int | None = None
    min_speakers: int = 1
    max_speakers: int = 10
    # "segmentation": pyannote segmentation-3.0 + CAM++ (overlap-aware, the default);
    # "windows": resemblyzer embeddings of sliding windows (one speaker at a time).
    method: str = "segmentation"
    # Cosine-distance merge threshold when the count is estimated; None: the method's own.
    threshold: float | None = None
    window: float = 1.5  # windows method: seconds of speech per embedding
    step: float = 0.75  # windows method: seconds between embedding windows
    segmentation_step: float = 1.0  # seconds between 5-second segmentation chunks
    # Chunks between those whose local speakers are embedded: 2, a key chunk every 2 s.
    # Sparser keys made the result depend on where the recording starts (AMI DER
    # 23-29 % over the alignments of a key every 3.5 s; docs/benchmarks.md, session 18).
    embed_every: int = 2

    def __post_init__(self) -> None:
        if self.method not in DIARIZERS:
            raise OptionsError(
                f"Unknown diarization method {self.method!r}; use one of {', '.join(DIARIZERS)}."
            )
        if not 0.1 <= self.segmentation_step <= 10.0 or self.embed_every < 1:
            raise OptionsError(
                "segmentation_step must be 0.1–10 seconds and embed_every at least 1, got "
                f"{self.segmentation_step} and {self.embed_every}."
            )
        if self.num_speakers is not None and not 1 <= self.num_speakers <= MAX_SPEAKERS:
            raise OptionsError(
                f"--num-speakers must be between 1 and {MAX_SPEAKERS}, got {self.num_speakers}."
            )
        if not 1 <= self.min_speakers <= self.max_speakers <= MAX_SPEAKERS:
            raise OptionsError(
                f"Speaker bounds must satisfy 1 <= min ({self.min_speakers}) <= max "
                f"({self.max_speakers}) <= {MAX_SPEAKERS}."
            )

    @property
    def bounds(self) -> tuple[int, int]:
        """(min, max) speakers, collapsed to the exact count when one is given."""
        if self.num_speakers is not None:
            return self.num_speakers, self.num_speakers
        return self.min_speakers, self.max_speakers


# CAM++ cosine similarity a speaker must reach to take an enrolled name: about 2 %
# false accepts (bench/voiceprint_bench.py, docs/benchmarks.md).
VOICEPRINT_THRESHOLD = 0.55


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Everything one transcription run needs."""

    vad: VadOptions = field(default_factory=VadOptions)
    asr: AsrOptions = field(default_factory=AsrOptions)
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)
    diarization: bool = True
    script: str = "hk"  # Chinese output script: hk | tw | cn | auto
    glossary: Glossary = field(default_factory=Glossary)
    # Enrolled speakers to recognise by name (minutes.voiceprints.Voiceprint).
    voiceprints: tuple[Any, ...] = ()
    # Cosine similarity that names a speaker; None: the speaker model's own (CAM++'s
    # VOICEPRINT_THRESHOLD, or MINUTES_VOICEPRINT_THRESHOLD for a configured model).
    voiceprint_threshold: float | None = None

    def __post_init__(self) -> None:
        from minutes.language import validate_script

        validate_script(self.script)

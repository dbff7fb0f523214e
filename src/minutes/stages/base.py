"""The contracts between the pipeline and its engines, and the progress hook."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from minutes.audio import Audio
from minutes.types import PreviewLine, Segment, SpeechRegion, Turn

# progress(stage, done, total): ``done`` and ``total`` are in the stage's own units
# (seconds of audio for every built-in stage). Called often; must be cheap.
Progress = Callable[[str, float, float], None]


def no_progress(stage: str, done: float, total: float) -> None:
    """A progress hook that ignores everything."""


# preview(lines): text as each stretch is first read, for people watching a long job.
Preview = Callable[[Sequence[PreviewLine]], None]


def no_preview(lines: Sequence[PreviewLine]) -> None:
    """A preview hook that ignores everything."""


class VoiceActivityDetector(Protocol):
    def detect(self, audio: Audio, progress: Progress = no_progress) -> list[SpeechRegion]:
        """Speech regions in time order, non-overlapping."""
        ...


class Transcriber(Protocol):
    def transcribe(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress = no_progress
    ) -> list[Segment]:
        """Recognised segments (with words and language) in time order."""
        ...


class SpeakerEmbedder(Protocol):
    dimension: int

    def embed(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """One L2-normalised embedding row per clip (16 kHz mono float32)."""
        ...


class Diarizer(Protocol):
    def diarize(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress = no_progress
    ) -> list[Turn]:
        """Speaker turns; turns of different speakers may overlap."""
        ...

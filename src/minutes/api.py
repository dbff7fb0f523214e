"""The Python API: ``minutes.transcribe(path, ...) -> Transcript``."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from minutes.glossary import Glossary
from minutes.options import AsrOptions, DiarizeOptions, PipelineOptions, VadOptions
from minutes.stages.base import Progress, no_progress
from minutes.types import Transcript


def build_options(
    *,
    language: str = "auto",
    model: str = "base",
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    diarization: bool = True,
    script: str = "hk",
    glossary: Glossary | None = None,
    prompt: str | None = None,
) -> PipelineOptions:
    """Options for one run from the user-facing knobs (validated here).

    ``prompt`` is free text that steers decoding (names, spelling, register); the
    glossary's own prompt comes first when both are given.
    """
    d = DiarizeOptions()
    glossary = glossary or Glossary()
    initial = " ".join(p for p in (glossary.prompt(), (prompt or "").strip()) if p) or None
    return PipelineOptions(
        vad=VadOptions(),
        asr=AsrOptions(model=model, language=language, initial_prompt=initial),
        diarize=DiarizeOptions(
            num_speakers=num_speakers,
            min_speakers=min_speakers if min_speakers is not None else d.min_speakers,
            max_speakers=max_speakers
            if max_speakers is not None
            else max(d.max_speakers, min_speakers or 0),
        ),
        diarization=diarization,
        script=script,
        glossary=glossary,
    )


def transcribe(
    source: str | Path | BinaryIO,
    *,
    language: str = "auto",
    model: str = "base",
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    diarization: bool = True,
    script: str = "hk",
    glossary: Glossary | None = None,
    progress: Progress = no_progress,
) -> Transcript:
    """Transcribe a meeting recording: who said what, when, in which language.

    ``source`` is a path or a binary stream of any common audio/video container.
    Raises :class:`minutes.errors.MinutesError` subclasses with actionable messages.
    """
    from minutes.pipeline import Pipeline

    options = build_options(
        language=language,
        model=model,
        num_speakers=num_speakers,
        min_speakers=min_speakers,
        max_speakers=max_speakers,
        diarization=diarization,
        script=script,
        glossary=glossary,
    )
    return Pipeline(options).run_file(source, progress)

"""minutes: private meeting transcription for Hong Kong.

Importing this package defines names and nothing else; engines load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Audio",
    "Minutes",
    "MinutesError",
    "MinutesOptions",
    "Pipeline",
    "PipelineOptions",
    "Segment",
    "Speaker",
    "Transcript",
    "Turn",
    "Utterance",
    "Voiceprint",
    "Word",
    "__version__",
    "decode",
    "summarize",
    "transcribe",
]

_LAZY = {
    "Audio": "minutes.audio",
    "decode": "minutes.audio",
    "MinutesError": "minutes.errors",
    "Pipeline": "minutes.pipeline",
    "PipelineOptions": "minutes.options",
    "Segment": "minutes.types",
    "Speaker": "minutes.types",
    "Transcript": "minutes.types",
    "Turn": "minutes.types",
    "Utterance": "minutes.types",
    "Word": "minutes.types",
    "transcribe": "minutes.api",
    "summarize": "minutes.minutes",
    "Minutes": "minutes.minutes",
    "MinutesOptions": "minutes.minutes",
    "Voiceprint": "minutes.voiceprints",
}

if TYPE_CHECKING:
    from minutes.api import transcribe
    from minutes.audio import Audio, decode
    from minutes.errors import MinutesError
    from minutes.minutes import Minutes, MinutesOptions, summarize
    from minutes.options import PipelineOptions
    from minutes.pipeline import Pipeline
    from minutes.types import Segment, Speaker, Transcript, Turn, Utterance, Word
    from minutes.voiceprints import Voiceprint


def __getattr__(name: str) -> Any:
    # Lazy: `import minutes` must not pull in torch, CTranslate2 or PyAV.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'minutes' has no attribute {name!r}")

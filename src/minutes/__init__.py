"""minutes: private meeting transcription for Hong Kong.

Importing this package defines names and nothing else; engines load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Audio",
    "MinutesError",
    "Pipeline",
    "PipelineOptions",
    "Segment",
    "Speaker",
    "Transcript",
    "Turn",
    "Utterance",
    "Word",
    "__version__",
    "decode",
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
}

if TYPE_CHECKING:
    from minutes.api import transcribe
    from minutes.audio import Audio, decode
    from minutes.errors import MinutesError
    from minutes.options import PipelineOptions
    from minutes.pipeline import Pipeline
    from minutes.types import Segment, Speaker, Transcript, Turn, Utterance, Word


def __getattr__(name: str) -> Any:
    # Lazy: `import minutes` must not pull in torch, CTranslate2 or PyAV.
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'minutes' has no attribute {name!r}")

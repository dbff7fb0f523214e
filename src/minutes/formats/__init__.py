"""Export formats: ``get_writer(fmt)`` and ``write_all``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from minutes.errors import InputError, OptionsError
from minutes.formats.base import Writer, atomic_write_text
from minutes.formats.docx import DocxWriter
from minutes.formats.writers import (
    JsonWriter,
    MarkdownWriter,
    RttmWriter,
    SrtWriter,
    TextWriter,
    VttWriter,
)
from minutes.types import Transcript

WRITERS: dict[str, type[Writer]] = {
    "json": JsonWriter,
    "md": MarkdownWriter,
    "srt": SrtWriter,
    "vtt": VttWriter,
    "rttm": RttmWriter,
    "txt": TextWriter,
    "docx": DocxWriter,
}
FORMATS = tuple(WRITERS)


def get_writer(fmt: str) -> Writer:
    """The writer for a format name (``json``, ``md``, ``srt``, ``vtt``, ``rttm``, ``txt``,
    ``docx``)."""
    try:
        return WRITERS[fmt.strip().lower()]()
    except KeyError:
        raise OptionsError(f"Unknown format {fmt!r}; choose from: {', '.join(FORMATS)}.") from None


def parse_formats(spec: str) -> list[str]:
    """``"json,srt"`` → ``["json", "srt"]``, validated; ``"all"`` means every format."""
    if spec.strip().lower() == "all":
        return list(FORMATS)
    names = [s.strip().lower() for s in spec.split(",") if s.strip()]
    if not names:
        raise OptionsError("No output format given; use e.g. --format json,srt.")
    for n in names:
        get_writer(n)
    return list(dict.fromkeys(names))


def read_transcript(path: Path) -> Transcript:
    """A transcript JSON written by minutes (``JsonWriter``), or one clear error."""
    try:
        return Transcript.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; pass a transcript .json file.") from None
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise InputError(
            f"{path}: not a minutes transcript JSON ({type(e).__name__}: {e}). "
            "Pass the .json written by `minutes transcribe`."
        ) from None


def recording_of(transcript: Transcript, transcript_path: Path) -> Path:
    """The recording a transcript was made from: its recorded path, or a file of that
    name beside the transcript."""
    source = Path(transcript.source or "")
    for candidate in (source, transcript_path.parent / source.name):
        if source.name and candidate.is_file():
            return candidate
    raise InputError(
        f"Cannot find the recording of {transcript_path} ({transcript.source or 'not recorded'}); "
        "pass it with --audio."
    )


def write_all(
    transcript: Transcript, out_dir: Path, stem: str, formats: Iterable[str]
) -> list[Path]:
    """Render every format first, then write each atomically: nothing half-written."""
    rendered = [(get_writer(f), f) for f in formats]
    texts = [(out_dir / f"{stem}.{w.extension}", w.render(transcript)) for w, _ in rendered]
    for path, text in texts:
        atomic_write_text(path, text)
    return [p for p, _ in texts]


__all__ = [
    "FORMATS",
    "Writer",
    "get_writer",
    "parse_formats",
    "read_transcript",
    "recording_of",
    "write_all",
]

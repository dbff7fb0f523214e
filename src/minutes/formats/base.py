"""Writer contract and atomic file writing."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from minutes.errors import OutputError
from minutes.types import Transcript


class Writer(Protocol):
    extension: str

    def render(self, transcript: Transcript) -> str | bytes:
        """The whole document: text, or bytes for a binary format (docx)."""
        ...


# What XML 1.0 cannot hold (C0 controls other than tab and newlines, lone surrogates,
# U+FFFE/FFFF): python-docx refuses a whole document over one such character.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters an XML document cannot carry."""
    return _NOT_XML.sub("", text)


def atomic_write_text(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place (text as
    UTF-8).

    A crash or a full disk leaves either the old file or none, never half a file.
    """
    atomic_write_bytes(path, text.encode("utf-8") if isinstance(text, str) else text)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Bytes version of :func:`atomic_write_text`."""
    prepare_output_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"Could not write {path}: {e.strerror or e}.") from e


def prepare_output_dir(directory: Path) -> Path:
    """Create ``directory`` if needed and prove it is writable, before any long work."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as e:
        raise OutputError(
            f"Cannot write to the output directory {directory}: {e.strerror or e}. "
            "Choose another with --out."
        ) from e
    return directory


def timestamp(seconds: float, sep: str = ",", hours: bool = True) -> str:
    """``HH:MM:SS,mmm`` (SRT) or ``HH:MM:SS.mmm`` (VTT)."""
    ms = max(0, round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    if hours or h:
        return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"
    return f"{m:02d}:{s:02d}{sep}{ms:03d}"


def clock(seconds: float) -> str:
    """``H:MM:SS`` for people reading a transcript."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"

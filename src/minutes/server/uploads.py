"""Receiving recordings: size limits while streaming, type checked by decoding.

The client's filename is only ever displayed; files on disk are named by the server.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from minutes.audio import MediaInfo, probe
from minutes.errors import InputError

CHUNK = 1024 * 1024
UPLOAD_PATHS = ("/api/meetings", "/api/voiceprints", "/v1/audio/transcriptions")


class UploadTooLargeError(InputError):
    """The request body is bigger than the server accepts."""


@dataclass(frozen=True, slots=True)
class Stored:
    media_name: str
    size: int
    info: MediaInfo


def display_name(filename: str | None) -> str:
    """A harmless version of a client's filename: no path, no control characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    return name[:200] or "recording"


def store(source: BinaryIO, media_dir: Path, meeting_id: str, filename: str, limit: int) -> Stored:
    """Copy an upload under media_dir as ``<meeting_id>.media`` and check it decodes.

    Nothing is left behind when the upload is too large or not a recording.
    """
    media_dir.mkdir(parents=True, exist_ok=True)
    final = media_dir / f"{meeting_id}.media"
    partial = media_dir / f".{meeting_id}.partial"
    size = 0
    try:
        with partial.open("wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLargeError(_too_large(limit))
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InputError(f"{filename}: the file is empty (0 bytes).")
        info = probe(partial, name=filename)
        partial.replace(final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Stored(media_name=final.name, size=size, info=info)


def _too_large(limit: int) -> str:
    return (
        f"The upload is larger than this server accepts ({limit / 2**20:.0f} MiB). "
        "Compress it (e.g. to 64 kbit/s Opus or MP3) or ask the administrator to "
        "raise MINUTES_MAX_UPLOAD_MB."
    )


def remove(media_dir: Path, media_name: str) -> None:
    path = media_dir / media_name
    if path.parent == media_dir:
        path.unlink(missing_ok=True)


class BodyLimit:
    """ASGI middleware: refuse upload bodies over the limit before and while reading."""

    def __init__(self, app: Any, limit: int, slack: int = 1024 * 1024) -> None:
        self.app = app
        self.limit = limit + slack  # multipart framing and form fields
        self.too_large = _too_large(limit)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _refuse(send, self.too_large)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise UploadTooLargeError(self.too_large)
            return message

        await self.app(scope, limited, send)


async def _refuse(send: Any, message: str) -> None:
    import json

    body = json.dumps({"error": {"message": message, "type": "upload_too_large"}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

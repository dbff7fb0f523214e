"""Files the browser saves rather than shows."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.responses import Response


def attachment(body: bytes | str, media_type: str, title: str, suffix: str) -> Response:
    """``body`` as a download named after the meeting's title (``suffix`` appended);
    any name survives, as RFC 5987 percent-encoding."""
    name = f"{Path(title).stem or 'meeting'}{suffix}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )

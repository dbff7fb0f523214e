"""Private by construction: a full run opens no network connection at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.models

GUARD = r"""
import socket, sys
attempts = []
def audit(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
        attempts.append((event, repr(args)[:200]))
        raise ConnectionRefusedError(f"minutes test: network use forbidden ({event})")
sys.addaudithook(audit)
from minutes.cli import main
sys.argv = ["minutes"] + sys.argv[1:]
try:
    main()
finally:
    print("NETWORK_ATTEMPTS=%d %s" % (len(attempts), attempts), file=sys.stderr)
"""


@pytest.mark.parametrize("model", ["base", "Systran/faster-whisper-tiny.en"])
def test_full_run_opens_no_connection(
    tmp_path: Path, english_meeting_wav: Path, model_cache: Path, model: str
) -> None:
    env = os.environ | {"MINUTES_CACHE_DIR": str(model_cache), "HF_HOME": str(tmp_path / "hf")}
    env.pop("HF_HUB_OFFLINE", None)
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            GUARD,
            "transcribe",
            str(english_meeting_wav),
            "-m",
            model,
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert "NETWORK_ATTEMPTS=0 " in r.stderr, r.stderr[-2000:]
    if model == "base":
        assert r.returncode == 0, r.stderr[-2000:]
    else:
        # A hub name that is not cached fails in one sentence instead of downloading.
        assert r.returncode == 3
        assert "not on this machine" in r.stderr
        assert "Traceback" not in r.stderr

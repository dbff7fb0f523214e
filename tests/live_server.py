"""`minutes serve` in its own process, for tests that need the server as users run it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


class LiveServer:
    def __init__(self, data_dir: Path, database_url: str, cache_dir: Path) -> None:
        self.data_dir, self.database_url = data_dir, database_url
        self.env = {
            **os.environ,
            "MINUTES_CACHE_DIR": str(cache_dir),
            "MINUTES_JOB_LEASE_SECONDS": "30",
        }
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "minutes.cli",
                *args,
                "--data-dir",
                str(self.data_dir),
                "--database-url",
                self.database_url,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            check=False,
        )
        assert r.returncode == 0, r.stderr + r.stdout
        return r.stdout.strip()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._spawn(log)

    def _spawn(self, log: Any) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "minutes.cli",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--database-url",
                self.database_url,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("server did not start:\n" + self.log.read_text())

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

"""Load on the server: concurrent uploads and reads on loopback while a job runs.

    python bench/load.py [--seconds 20] [--concurrency 32]

Starts `minutes serve` (SQLite, fresh data dir) in its own process, uploads a ~75 s
generated meeting, and while it is being transcribed hammers the read endpoints from
`--concurrency` clients; then does the same with the server idle, and times a burst
of concurrent uploads. Writes bench/results/load.json and prints a table. The load
generator shares the machine's 2 cores with the server: read the figures as a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).resolve().parent / "results"


def _meeting(path: Path, repeats: int) -> Path:
    from minutes.synth import Espeak, Line, Voice, render_meeting, write_wav

    a, b = Voice("en+m3", rate=150, pitch=40), Voice("en+f4", rate=150, pitch=85)
    lines = [
        Line("A", a, "en", "Good morning. Today we review the transport budget for next year."),
        Line("B", b, "en", "The department asked for twelve million dollars for new buses."),
        Line("A", a, "en", "Agreed. Please send the study to everyone by Friday."),
        Line("B", b, "en", "I will send it tomorrow morning. Thank you."),
    ]
    samples, _ = render_meeting(lines, Espeak())
    write_wav(str(path), np.concatenate([samples] * repeats))
    return path


class Server:
    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.cmd = [sys.executable, "-m", "minutes.cli"]

    def __enter__(self) -> Server:
        common = ["--data-dir", str(self.data_dir)]
        subprocess.run(
            [*self.cmd, "admin", "create-user", "bench", "--admin", "--password-stdin", *common],
            input="bench-password\n",
            text=True,
            check=True,
            capture_output=True,
        )
        self.token = subprocess.run(
            [*self.cmd, "admin", "create-token", "bench", *common],
            text=True,
            check=True,
            capture_output=True,
        ).stdout.strip()
        self.log = (self.data_dir / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [*self.cmd, "serve", "--port", str(self.port), *common],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.log.close()


async def _hammer(
    url: str, token: str, paths: list[str], seconds: float, concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits
    ) as client:

        async def one(i: int) -> None:
            nonlocal errors
            k = i
            while time.perf_counter() < deadline:
                path = paths[k % len(paths)]
                k += 1
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
    }


async def _uploads(url: str, token: str, path: Path, count: int) -> dict[str, Any]:
    data = path.read_bytes()
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as client:

        async def one() -> tuple[float, str]:
            t0 = time.perf_counter()
            r = await client.post("/api/meetings", files={"file": ("upload.wav", data)})
            r.raise_for_status()
            return time.perf_counter() - t0, r.json()["meeting"]["id"]

        t0 = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - t0
        for _, mid in results:  # not transcribed: the benchmark is about receiving them
            await client.delete(f"/api/meetings/{mid}")
    times = sorted(t for t, _ in results)
    return {
        "uploads": count,
        "bytes_each": len(data),
        "uploads_per_s": round(count / elapsed, 2),
        "mb_per_s": round(count * len(data) / elapsed / 2**20, 1),
        "p95_ms": round(1000 * times[int(0.95 * (count - 1))], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--uploads", type=int, default=10)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        meeting = _meeting(tmpdir / "meeting.wav", repeats=4)
        with Server(tmpdir / "data") as server:
            h = {"Authorization": f"Bearer {server.token}"}
            with httpx.Client(base_url=server.url, headers=h, timeout=300) as c:
                # A finished meeting to read, then a second one transcribing during the load.
                done = c.post(
                    "/api/meetings", files={"file": ("a.wav", meeting.read_bytes())}
                ).json()["meeting"]["id"]
                while c.get(f"/api/meetings/{done}").json()["meeting"]["status"] != "ready":
                    time.sleep(0.5)
                busy = c.post(
                    "/api/meetings", files={"file": ("b.wav", meeting.read_bytes())}
                ).json()["meeting"]["id"]
                while c.get(f"/api/meetings/{busy}").json()["meeting"]["status"] != "processing":
                    time.sleep(0.2)
            paths = [
                "/api/meetings",
                f"/api/meetings/{done}",
                f"/api/meetings/{busy}/job",
                f"/api/meetings/{done}/transcript",
                "/api/search?q=budget",
            ]
            during = asyncio.run(
                _hammer(server.url, server.token, paths, args.seconds, args.concurrency)
            )
            with httpx.Client(base_url=server.url, headers=h, timeout=300) as c:
                still = c.get(f"/api/meetings/{busy}").json()["meeting"]["status"]
                while c.get(f"/api/meetings/{busy}").json()["meeting"]["status"] == "processing":
                    time.sleep(0.5)
            idle = asyncio.run(
                _hammer(server.url, server.token, paths, args.seconds, args.concurrency)
            )
            uploads = asyncio.run(_uploads(server.url, server.token, meeting, args.uploads))

    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "database": "sqlite",
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "reads_while_transcribing": during,
        "transcription_still_running_at_end": still == "processing",
        "reads_idle": idle,
        "concurrent_uploads": uploads,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Jobs on a Ray cluster: a local Ray instance, real models, real audio.

Ray runs here as it would on one node of a cluster (``--ray local``); the actor is a
separate process that loads its own models, so these tests cover what crosses the
boundary: the recording, the options, progress, cancellation, errors and the result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from live_server import LiveServer

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def ray_executor(model_cache: Path, registry) -> Iterator[Any]:
    from minutes.server.ray_executor import RayExecutor

    registry.whisper_dir("base")  # assembled once into the shared test cache
    # The actor's process inherits this process's environment: the same model cache.
    before = os.environ.get("MINUTES_CACHE_DIR")
    os.environ["MINUTES_CACHE_DIR"] = str(model_cache)
    executor = RayExecutor("local", slots=1)
    try:
        yield executor
    finally:
        executor.close()
        if before is None:
            os.environ.pop("MINUTES_CACHE_DIR", None)
        else:
            os.environ["MINUTES_CACHE_DIR"] = before


def _request(path: Path, **knobs: Any) -> Any:
    from minutes.api import build_options
    from minutes.server.executors import JobRequest

    return JobRequest(1, "m1", path, path.name, build_options(**knobs))


def test_a_job_runs_in_a_ray_actor_with_its_progress(ray_executor, english_meeting_wav) -> None:
    seen: list[tuple[str, float, float]] = []
    heard: list[Any] = []
    t = ray_executor.run(_request(english_meeting_wav), lambda *a: seen.append(a), heard.extend)
    assert "budget" in t.text.lower()
    # The first readings came back through the same queue as they were made.
    assert "budget" in " ".join(line.text for line in heard).lower()
    assert len(t.speakers) >= 2
    assert t.source.endswith("budget meeting 會議.wav")  # the upload's name, not the actor's copy
    stages = [s for s, _, _ in seen]
    assert {"vad", "asr"} <= set(stages)
    assert stages.index("vad") < stages.index("asr")


def test_cancelling_stops_the_actor_and_frees_it(ray_executor, english_meeting_wav) -> None:
    from minutes.server.executors import JobCancelledError

    def cancel_at_recognition(stage: str, done: float, total: float) -> None:
        if stage == "asr":
            raise JobCancelledError("cancelled by the user")

    with pytest.raises(JobCancelledError):
        ray_executor.run(_request(english_meeting_wav), cancel_at_recognition)
    # The one actor takes the next job.
    t = ray_executor.run(_request(english_meeting_wav, diarization=False), lambda *a: None)
    assert "budget" in t.text.lower()


def test_a_bad_recording_fails_with_its_own_message(ray_executor, tmp_path: Path) -> None:
    from minutes.errors import AudioDecodeError

    bad = tmp_path / "minutes.wav"
    bad.write_bytes(b"RIFF, but only in name")
    with pytest.raises(AudioDecodeError, match=r"minutes\.wav: not a recording"):
        ray_executor.run(_request(bad), lambda *a: None)


def test_the_server_runs_its_jobs_on_ray(
    tmp_path_factory, model_cache: Path, registry, english_meeting_wav: Path
) -> None:
    """`minutes serve` with MINUTES_RAY_ADDRESS=local: an upload is transcribed by the
    Ray actor and stored by the server as usual."""
    registry.whisper_dir("base")
    data = tmp_path_factory.mktemp("ray-server")
    server = LiveServer(data, f"sqlite:///{data / 'm.db'}", model_cache)
    server.env["MINUTES_RAY_ADDRESS"] = "local"
    server.cli("admin", "create-user", "ray", "--admin", "--password-stdin", stdin="ray-password\n")
    token = server.cli("admin", "create-token", "ray", "--name", "tests")
    server.start()
    try:
        c = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        with c, english_meeting_wav.open("rb") as f:
            r = c.post("/api/meetings", files={"file": (english_meeting_wav.name, f)})
            assert r.status_code == 202, r.text
            mid = r.json()["meeting"]["id"]
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                meeting = c.get(f"/api/meetings/{mid}").json()["meeting"]
                if meeting["status"] in ("ready", "failed"):
                    break
                time.sleep(0.5)
            assert meeting["status"] == "ready", meeting
            transcript = c.get(f"/api/meetings/{mid}/transcript").json()
        assert "budget" in " ".join(s["text"] for s in transcript["segments"]).lower()
    finally:
        server.stop()
    assert "Jobs run on the Ray cluster at local (1 at once)" in server.log.read_text()

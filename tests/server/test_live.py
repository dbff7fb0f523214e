"""The server as users run it: `minutes serve` in its own process, real HTTP.

Covers the official OpenAI client, a kill -9 in the middle of a job, and a burst of
parallel requests while a transcription runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from live_server import LiveServer

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def live(
    database_url: str, tmp_path_factory, model_cache, registry
) -> Iterator[tuple[LiveServer, str]]:
    registry.whisper_dir("base")  # assembled once into the shared test cache
    server = LiveServer(tmp_path_factory.mktemp("live"), database_url, model_cache)
    server.cli(
        "admin", "create-user", "olivia", "--admin", "--password-stdin", stdin="olivia-password\n"
    )
    token = server.cli("admin", "create-token", "olivia", "--name", "tests")
    assert token.startswith("mk_")
    server.start()
    yield server, token
    server.stop()


@pytest.fixture
def openai_client(live) -> Iterator[Any]:
    """The official client against the live server, closed after the test (an
    unclosed client's sockets would fail a later test with a ResourceWarning)."""
    import openai

    server, token = live
    with openai.OpenAI(
        base_url=f"{server.url}/v1", api_key=token, max_retries=0, timeout=300
    ) as client:
        yield client


@pytest.fixture(scope="module")
def long_meeting(english_meeting, tmp_path_factory) -> Path:
    """About 75 s: long enough to kill the server in the middle of its job."""
    from minutes.synth import write_wav

    samples = np.concatenate([english_meeting[0]] * 3)
    path = tmp_path_factory.mktemp("long") / "long meeting.wav"
    write_wav(str(path), samples)
    return path


def test_official_openai_client(live, openai_client, english_meeting_wav: Path) -> None:
    import openai

    server, _token = live
    client = openai_client
    with english_meeting_wav.open("rb") as f:
        plain = client.audio.transcriptions.create(model="whisper-1", file=f)
    assert "budget" in plain.text.lower()
    assert "million" in plain.text.lower()

    # Streaming (test_openai_client_gets_speakers_and_known_names) takes these formats.
    with (
        pytest.raises(openai.BadRequestError, match="stream=true works with"),
        english_meeting_wav.open("rb") as f,
    ):
        client.audio.transcriptions.create(
            model="whisper-1", file=f, stream=True, response_format="srt"
        )

    with english_meeting_wav.open("rb") as f:
        verbose = client.audio.transcriptions.create(
            model="whisper-1",
            file=f,
            response_format="verbose_json",
            language="en",
            timestamp_granularities=["word", "segment"],
            prompt="Transport Department budget",
        )
    assert verbose.language == "english"
    assert abs(verbose.duration - 24.6) < 1.0
    assert len(verbose.segments) >= 5  # sentences, as Whisper's segments are
    assert all(s.start < s.end for s in verbose.segments)
    assert verbose.words
    assert verbose.words[0].word == verbose.words[0].word.strip()

    with english_meeting_wav.open("rb") as f:
        srt = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="srt")
    assert srt.startswith("1\n00:00:")
    assert "-->" in srt
    assert "[Speaker" not in srt
    with english_meeting_wav.open("rb") as f:
        text = client.audio.transcriptions.create(model="whisper-1", file=f, response_format="text")
    assert isinstance(text, str)
    assert "budget" in text.lower()

    audio = english_meeting_wav.read_bytes()
    with (
        openai.OpenAI(base_url=f"{server.url}/v1", api_key="mk_forged", max_retries=0) as forged,
        pytest.raises(openai.AuthenticationError),
    ):
        forged.audio.transcriptions.create(model="whisper-1", file=("a.wav", audio))
    with pytest.raises(openai.APIStatusError) as bad:
        client.audio.transcriptions.create(
            model="whisper-1", file=("notes.mp3", b"plain text, not audio")
        )
    assert bad.value.status_code == 415
    assert "not a recording" in bad.value.message
    with pytest.raises(openai.BadRequestError):
        client.audio.transcriptions.create(model="whisper-1", file=("a.wav", audio), language="tlh")


def test_openai_client_gets_speakers_and_known_names(
    openai_client, english_meeting_wav: Path, espeak, tmp_path: Path
) -> None:
    """``diarized_json`` as OpenAI's diarizing model answers it: segments with speakers,
    lettered, or named after a known speaker's reference clip (a data URL)."""
    import base64
    import wave

    import openai
    from scipy.signal import resample_poly

    from minutes.synth import Voice, write_wav

    client = openai_client
    with english_meeting_wav.open("rb") as f:
        plain = client.audio.transcriptions.create(
            model="gpt-4o-transcribe-diarize", file=f, response_format="diarized_json"
        )
    assert plain.task == "transcribe"
    assert abs(plain.duration - 24.6) < 1.0
    speakers = [s.speaker for s in plain.segments]
    assert len(set(speakers)) >= 2
    assert speakers[0] == "A"  # lettered in the order people first speak
    assert set(speakers) <= {"A", "B", "C"}
    assert all(s.type == "transcript.text.segment" and s.start < s.end for s in plain.segments)
    assert "budget" in plain.text.lower()
    with english_meeting_wav.open("rb") as f:
        events = list(
            client.audio.transcriptions.create(
                model="gpt-4o-transcribe-diarize",
                file=f,
                response_format="diarized_json",
                stream=True,
            )
        )
    # As OpenAI streams its newer models: a delta per sentence, each with its segment,
    # and the deltas add up to the done event's text.
    deltas = [e for e in events if e.type == "transcript.text.delta"]
    streamed = [e for e in events if e.type == "transcript.text.segment"]
    assert len(deltas) == len(streamed) >= 4
    assert [d.segment_id for d in deltas] == [e.id for e in streamed]
    assert streamed[0].speaker == "A"
    assert len({e.speaker for e in streamed}) >= 2
    done = events[-1]
    assert done.type == "transcript.text.done"
    assert "".join(d.delta for d in deltas) == done.text
    assert " ".join(e.text for e in streamed) == done.text
    assert "budget" in done.text.lower()

    # The meeting's second voice saying something else: a held-out reference.
    clip = espeak.speak(
        "I look after the transport budget and the bus fleet.", Voice("en+f4", 150, 85)
    )
    # As a recorder writes it (48 kHz stereo): 1.5 MB in base64, past Starlette's
    # default 1 MiB cap on a form field.
    voice = resample_poly(np.concatenate([clip, clip]), 3, 1)
    wav = tmp_path / "ref.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes((np.repeat(np.clip(voice, -1, 1), 2) * 32767).astype("<i2").tobytes())
    reference = "data:audio/wav;base64," + base64.b64encode(wav.read_bytes()).decode()
    assert len(reference) > 1024 * 1024
    with english_meeting_wav.open("rb") as f:
        named = client.audio.transcriptions.create(
            model="gpt-4o-transcribe-diarize",
            file=f,
            response_format="diarized_json",
            known_speaker_names=["Finance"],
            known_speaker_references=[reference],
        )
    finance = " ".join(s.text.lower() for s in named.segments if s.speaker == "Finance")
    assert "million" in finance, [(s.speaker, s.text) for s in named.segments]
    assert "Finance" not in {s.speaker for s in plain.segments}

    quiet = tmp_path / "quiet.wav"
    write_wav(str(quiet), np.zeros(16000 * 3, dtype=np.float32))
    silent = "data:audio/wav;base64," + base64.b64encode(quiet.read_bytes()).decode()
    junk = "data:audio/wav;base64," + base64.b64encode(b"RIFF junk").decode()
    for names, refs, says in [
        (["Finance", "Chair"], [reference], "must pair up"),
        (["Finance"], ["https://example.com/finance.wav"], "not a base64 data URL"),
        (["Finance"], ["data:audio/wav;base64,@@@"], "base64 data is damaged"),
        (["Finance"], [junk], "not a recording"),
        (["Finance"], [silent], "No speech found"),
        (["Finance"], ["data:audio/wav;base64," + "A" * (9 * 1024 * 1024)], "up to 8 MiB"),
    ]:
        with pytest.raises(openai.BadRequestError) as bad, english_meeting_wav.open("rb") as f:
            client.audio.transcriptions.create(
                model="gpt-4o-transcribe-diarize",
                file=f,
                response_format="diarized_json",
                known_speaker_names=names,
                known_speaker_references=refs,
            )
        assert says in bad.value.message, bad.value.message


def _wait_status(c: httpx.Client, mid: str, done: Any, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = c.get(f"/api/meetings/{mid}").json()["meeting"]
        if done(m):
            return m
        time.sleep(0.2)
    raise AssertionError(f"timed out; last state {m}")


def _upload(c: httpx.Client, recording: Path) -> str:
    """Upload a recording as a new meeting; its id."""
    with recording.open("rb") as f:
        meeting: dict[str, Any] = c.post(
            "/api/meetings", files={"file": (recording.name, f)}
        ).json()["meeting"]
    return str(meeting["id"])


def _first_preview(c: httpx.Client, mid: str) -> dict[str, Any]:
    """Follow the meeting's progress events until one carries preview lines."""
    with c.stream("GET", f"/api/meetings/{mid}/events", timeout=300) as r:
        for line in r.iter_lines():
            if line.startswith("data: "):
                state: dict[str, Any] = json.loads(line[6:])
                if state.get("preview"):
                    return state
    raise AssertionError(f"the job ended without preview lines; last state {state}")


def _lines(c: httpx.Client, mid: str) -> list[tuple[str, str]]:
    t = c.get(f"/api/meetings/{mid}/transcript").json()
    return [(u["speaker"], u["text"]) for u in t["segments"]]


def test_killed_server_finishes_the_job_after_restart(live, long_meeting: Path) -> None:
    """A job killed in the middle is taken up again. While it runs, its progress events
    carry the lines read so far (each 30 s window's arrive together: this meeting has
    three, so the first are seen well before the end)."""
    server, token = live
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as c:
        mid = _upload(c, long_meeting)
        running = _first_preview(c, mid)
        assert running["status"] == "processing"
        assert running["job"]["status"] == "running"
        assert running["job"]["progress"] < 0.9  # killed in the middle
        assert "budget" in " ".join(line["text"] for line in running["preview"]).lower()
        server.kill()  # SIGKILL: no clean-up code runs

        server.start()
        done = _wait_status(c, mid, lambda m: m["status"] in ("ready", "failed", "cancelled"))
        assert done["status"] == "ready", done
        assert done["job"]["attempts"] == 2
        interrupted = _lines(c, mid)
        assert (server.data_dir / "media" / f"{mid}.media").is_file()  # the upload survived

        # The same recording without interruption gives the same transcript.
        again = _upload(c, long_meeting)
        _wait_status(c, again, lambda m: m["status"] == "ready")
        assert _lines(c, again) == interrupted


def test_many_parallel_requests_while_a_job_runs(live, long_meeting: Path) -> None:
    server, token = live
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as c:
        mid = _upload(c, long_meeting)
        _wait_status(c, mid, lambda m: m["status"] == "processing")

        requests = [
            ("GET", "/api/meetings", 200),
            ("GET", f"/api/meetings/{mid}", 200),
            ("GET", f"/api/meetings/{mid}/job", 200),
            ("GET", "/api/search?q=budget", 200),
            ("GET", "/api/meetings/000000000000000000000000", 404),
            ("GET", "/api/search?q=%27%3B%20DROP%20TABLE%20users%3B--", 200),
            ("PATCH", f"/api/meetings/{mid}", 200),
            ("GET", "/api/me", 200),
            ("GET", "/api/meetings/nope/transcript", 404),
            ("GET", "/api/me?forged", 401),
        ] * 10

        def call(req: tuple[str, str, int]) -> tuple[int, int, str]:
            method, path, expected = req
            hdrs = {"Authorization": "Bearer forged"} if path.endswith("forged") else headers
            with httpx.Client(base_url=server.url, headers=hdrs, timeout=120) as one:
                r = one.request(
                    method,
                    path,
                    json={"title": "Parallel <b>title</b>"} if method == "PATCH" else None,
                )
            return r.status_code, expected, r.text

        with ThreadPoolExecutor(max_workers=100) as pool:
            results = list(pool.map(call, requests))
        wrong = [(got, want, text[:200]) for got, want, text in results if got != want]
        assert not wrong
        assert all("Traceback" not in text for _, _, text in results)
        assert c.get(f"/api/meetings/{mid}").json()["meeting"]["title"] == "Parallel <b>title</b>"
        done = _wait_status(c, mid, lambda m: m["status"] in ("ready", "failed"))
        assert done["status"] == "ready"

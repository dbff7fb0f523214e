"""Shared fixtures: real models, generated speech, and the shared evaluation data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(
    os.environ.get("MINUTES_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def require_shared_data() -> Path:
    """The shared data directory; missing data fails in CI and skips elsewhere."""
    if not (SHARED_DATA / "MANIFEST.tsv").is_file():
        message = f"shared evaluation data not found at {SHARED_DATA}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required when CI=true)")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_shared_data()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory per test session, so tests never touch the user's cache."""
    return tmp_path_factory.mktemp("minutes-cache")


@pytest.fixture(scope="session")
def registry(model_cache: Path):
    from minutes.models import ModelRegistry
    from minutes.settings import Settings

    return ModelRegistry(Settings(cache_dir=model_cache))


@pytest.fixture(scope="session")
def pipeline(registry):
    from minutes.pipeline import Pipeline

    p = Pipeline(registry=registry)
    p.load()
    return p


@pytest.fixture(scope="session")
def espeak():
    from minutes.synth import Espeak

    return Espeak()


@pytest.fixture(scope="session")
def english_meeting(espeak):
    """A 3-speaker English meeting with exact reference turns."""
    from minutes.synth import Line, Voice, render_meeting

    a = Voice("en+m3", rate=150, pitch=40)
    b = Voice("en+f4", rate=150, pitch=85)
    c = Voice("en+m1", rate=140, pitch=5)
    lines = [
        Line("A", a, "en", "Good morning. Today we review the transport budget for next year."),
        Line("B", b, "en", "The department asked for twelve million dollars for new buses."),
        Line("C", c, "en", "That is too much. We should wait for the traffic study in March."),
        Line("A", a, "en", "Agreed. Please send the study to everyone by Friday."),
        Line("B", b, "en", "I will send it tomorrow morning."),
        Line("C", c, "en", "Thank you. Let us close the meeting now."),
    ]
    samples, ref = render_meeting(lines, espeak)
    return samples, ref


@pytest.fixture(scope="session")
def interjection_meeting(espeak):
    """Two people: a 0.5 s "Yes." between pauses, and a "Yeah, right." spoken over the
    last 1.6 s of the other's sentence (reference line 3)."""
    from minutes.synth import Line, Voice, render_meeting

    a = Voice("en+m3", rate=150, pitch=30)
    b = Voice("en+f4", rate=160, pitch=90)
    lines = [
        Line("A", a, "en", "The bus routes in the eastern district will change from next month."),
        Line("B", b, "en", "Yes.", pause=0.4),
        Line(
            "A",
            a,
            "en",
            "We also need more drivers for the night services, because demand has grown "
            "a lot this year.",
            pause=0.4,
        ),
        Line("B", b, "en", "Yeah, right.", overlap=1.6),
        Line("A", a, "en", "So I propose that the office hires ten more drivers.", pause=0.4),
        Line(
            "B",
            b,
            "en",
            "Okay, I agree with that plan, and I will tell the finance team.",
            pause=0.5,
        ),
    ]
    return render_meeting(lines, espeak)


@pytest.fixture(scope="session")
def english_meeting_wav(english_meeting, tmp_path_factory) -> Path:
    from minutes.synth import write_wav

    path = tmp_path_factory.mktemp("meeting") / "budget meeting 會議.wav"
    write_wav(str(path), english_meeting[0])
    return path


@pytest.fixture(scope="session")
def english_transcript(pipeline, english_meeting_wav):
    return pipeline.run_file(english_meeting_wav)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 16000), dtype=np.float32)

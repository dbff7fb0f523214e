"""Voiceprints with the real speaker model and generated voices."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from minutes import voiceprints as vp
from minutes.api import build_options
from minutes.audio import Audio
from minutes.synth import Line, Voice, render_meeting, write_wav

pytestmark = pytest.mark.models

ALAN = Voice("en+m3", rate=150, pitch=40)
BETTY = Voice("en+f4", rate=150, pitch=85)


def clip(espeak, voice: Voice, text: str) -> np.ndarray:
    samples, _ = render_meeting([Line("x", voice, "en", text)], espeak)
    return samples


@pytest.fixture(scope="module")
def alan(pipeline, espeak) -> vp.Voiceprint:
    audio = Audio.from_array(
        clip(
            espeak,
            ALAN,
            "Hello, my name is Alan and I work in the transport department. "
            "I look after the bus routes in the New Territories.",
        )
    )
    return vp.enrol("Alan Chan", pipeline.speaker_encoder, audio, pipeline.vad.detect(audio))


def test_an_enrolled_voice_is_named_and_others_are_not(
    pipeline, espeak, english_meeting, alan
) -> None:
    samples, _ = render_meeting(
        [
            Line(
                "A", ALAN, "en", "Good morning. Today we review the transport budget for next year."
            ),
            Line(
                "B", BETTY, "en", "The department asked for twelve million dollars for new buses."
            ),
            Line("A", ALAN, "en", "Agreed. Please send the study to everyone by Friday."),
            Line("B", BETTY, "en", "I will send it tomorrow morning."),
        ],
        espeak,
    )
    legacy = vp.Voiceprint("Betty Old", (0.0625,) * 256, 20)  # an earlier model's print
    t = pipeline.with_options(replace(build_options(), voiceprints=(alan, legacy))).run(
        Audio.from_array(samples)
    )
    names = sorted(s.name for s in t.speakers)
    assert names == ["Alan Chan", "Speaker 2"]
    assert any("Betty Old" in w and "enrol them again" in w for w in t.metadata["warnings"])
    match = t.metadata["voiceprints"][0]
    assert match["name"] == "Alan Chan"
    assert match["score"] >= vp.DEFAULT_THRESHOLD
    alan_id = next(s.id for s in t.speakers if s.name == "Alan Chan")
    assert "transport budget" in " ".join(u.text for u in t.utterances if u.speaker == alan_id)


def test_two_enrolled_people_the_clustering_hears_as_one_are_kept_apart(pipeline, espeak) -> None:
    """Two espeak voices this close come out of clustering as one speaker; enrolled,
    each gets their own turns and name (clustering.anchor)."""
    chris, dana = Voice("en+f2", rate=150, pitch=60), Voice("en+f4", rate=150, pitch=65)
    enrol_text = (
        "Hello, my name is Chris and I work in the transport department. "
        "I look after the bus routes in the New Territories and the ferries."
    )
    prints = []
    for name, voice in (("Chris Lee", chris), ("Dana Ho", dana)):
        audio = Audio.from_array(clip(espeak, voice, enrol_text))
        prints.append(vp.enrol(name, pipeline.speaker_encoder, audio, pipeline.vad.detect(audio)))
    texts = [
        "Good morning. Today we review the transport budget for next year.",
        "The department asked for twelve million dollars for new buses.",
        "That is too much. We should wait for the traffic study in March.",
        "Agreed. Please send the study to everyone by Friday.",
        "I will send it tomorrow morning, and the figures for the ferries too.",
        "Thank you. Let us move to the next item on the agenda.",
    ]
    lines = [Line("AB"[i % 2], (chris, dana)[i % 2], "en", t) for i, t in enumerate(texts)]
    samples, _ = render_meeting(lines, espeak)
    options = replace(build_options(), voiceprints=tuple(prints))
    t = pipeline.with_options(options).run(Audio.from_array(samples))
    assert sorted(s.name for s in t.speakers) == ["Chris Lee", "Dana Ho"]
    said = {
        s.name: " ".join(u.text for u in t.utterances if u.speaker == s.id).lower()
        for s in t.speakers
    }
    # Segmentation hears the two as one voice too, so turn edges may be a word or two out.
    for phrase in ("good morning", "traffic study"):
        assert phrase in said["Chris Lee"]
        assert phrase not in said["Dana Ho"]
    for phrase in ("million", "next item on the agenda"):
        assert phrase in said["Dana Ho"]
        assert phrase not in said["Chris Lee"]


def test_identify_uses_each_name_once_and_respects_the_threshold() -> None:
    a = np.array([1.0, 0.0], dtype=np.float32)
    b = np.array([0.8, 0.6], dtype=np.float32)
    prints = [vp.Voiceprint("A", (1.0, 0.0), 10), vp.Voiceprint("B", (0.0, 1.0), 10)]
    matches = vp.identify({"S0": a, "S1": b}, prints, threshold=0.5)
    assert [(m.speaker, m.name) for m in matches] == [("S0", "A"), ("S1", "B")]
    assert vp.identify({"S0": b}, prints[:1], threshold=0.9) == []
    assert vp.identify({"S0": a, "S1": a}, prints[:1], threshold=0.5)[0].speaker in ("S0", "S1")
    assert len(vp.identify({"S0": a, "S1": a}, prints[:1], threshold=0.5)) == 1
    # Two prints of one person (a clip and a past meeting) still name one speaker: the
    # one closest to either print.
    twice = [vp.Voiceprint("A", (1.0, 0.0), 10), vp.Voiceprint("A", (0.6, 0.8), 10)]
    c = np.array([0.6, 0.8], dtype=np.float32)
    matches = vp.identify({"S0": a, "S1": c}, twice, threshold=0.5)
    assert [m.name for m in matches] == ["A"]
    # …also when enrolled under the name spelled with other spacing or case.
    spelt = [
        vp.Voiceprint("Alan Chan", (1.0, 0.0), 10),
        vp.Voiceprint("alan  chan", (0.6, 0.8), 10),
    ]
    assert len(vp.identify({"S0": a, "S1": c}, spelt, threshold=0.5)) == 1


def test_prints_of_an_earlier_model_are_kept_but_not_used(tmp_path: Path) -> None:
    legacy = vp.Voiceprint("Old Print", (1.0,) + (0.0,) * 255, 20)  # resemblyzer, 256-d
    current = vp.Voiceprint("New Print", (1.0,) + (0.0,) * 191, 20)
    # Same size as CAM++'s, made by a speaker model that is no longer configured.
    other = vp.Voiceprint("Other Print", (1.0,) + (0.0,) * 191, 20, model="ecapa-0123456789ab")
    assert (legacy.model, current.model) == ("resemblyzer", vp.MODEL)
    speaker = np.zeros(192, np.float32)
    speaker[0] = 1.0
    prints = [legacy, current, other]
    assert [m.name for m in vp.identify({"S0": speaker}, prints)] == ["New Print"]
    assert vp.identify({"S0": speaker}, [legacy, other]) == []
    # With the other model configured, only its print is compared.
    matched = vp.identify({"S0": speaker}, prints, model="ecapa-0123456789ab")
    assert [m.name for m in matched] == ["Other Print"]

    store = tmp_path / "voiceprints.json"
    vp.save_store(prints, store)
    assert vp.load_store(store) == prints  # the model is stored with each print
    listed = subprocess.run(
        [sys.executable, "-m", "minutes.cli", "voiceprint", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "MINUTES_DATA_DIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    old_line = next(line for line in listed.stdout.splitlines() if "Old Print" in line)
    assert "enrol again" in old_line
    new_line = next(line for line in listed.stdout.splitlines() if "New Print" in line)
    assert "enrol again" not in new_line
    other_line = next(line for line in listed.stdout.splitlines() if "Other Print" in line)
    assert "made by ecapa-0123456789ab: enrol again" in other_line
    # A broken model setting is reported when a meeting runs; the list still shows.
    broken = {"MINUTES_DATA_DIR": str(tmp_path), "MINUTES_SPEAKER_MODEL": "/nowhere/x.onnx"}
    listed = subprocess.run(
        [sys.executable, "-m", "minutes.cli", "voiceprint", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, **broken},
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "New Print" in listed.stdout


def test_diarization_gets_one_vector_per_enrolled_person() -> None:
    def unit(i: int) -> tuple[float, ...]:
        return tuple(1.0 if j == i else 0.0 for j in range(192))

    prints = [
        vp.Voiceprint("Alan Chan", unit(0), 20),
        vp.Voiceprint("alan  chan", unit(1), 20),  # the same person, from a past meeting
        vp.Voiceprint("Betty Wong", unit(2), 20),
        vp.Voiceprint("Old Print", (1.0,) * 256, 20),  # an earlier model's: left out
    ]
    people = vp.people(prints)
    assert people is not None
    assert people.shape == (2, 192)
    np.testing.assert_allclose(people[0, :2], [0.5, 0.5])
    assert vp.people(prints[3:]) is None


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("silent", "No speech found"),
        ("short", "at least"),
        ("two", "more than one voice"),
        ("noname", "name"),
    ],
)
def test_bad_enrolment_clips_are_refused(pipeline, espeak, kind, message) -> None:
    if kind == "silent":
        samples = np.zeros(16000 * 8, dtype=np.float32)
    elif kind == "short":
        samples = clip(espeak, ALAN, "Hello.")
    else:
        samples, _ = render_meeting(
            [
                Line(
                    "A",
                    ALAN,
                    "en",
                    "Hello, my name is Alan and I work in the transport department.",
                ),
                Line(
                    "B",
                    BETTY,
                    "en",
                    "And I am Betty from the education bureau, nice to meet you all today.",
                ),
            ],
            espeak,
        )
    audio = Audio.from_array(samples)
    with pytest.raises(vp.EnrolmentError, match=message):
        vp.enrol(
            "" if kind == "noname" else "X",
            pipeline.speaker_encoder,
            audio,
            pipeline.vad.detect(audio),
        )


def test_command_line_enrols_lists_uses_and_forgets(
    espeak, tmp_path: Path, model_cache: Path
) -> None:
    enrol_clip = tmp_path / "alan.wav"
    write_wav(
        str(enrol_clip),
        clip(
            espeak,
            ALAN,
            "Hello, my name is Alan and I work in the transport department. "
            "I look after the bus routes in the New Territories.",
        ),
    )
    meeting = tmp_path / "meeting.wav"
    samples, _ = render_meeting(
        [
            Line(
                "A", ALAN, "en", "Good morning. Today we review the transport budget for next year."
            ),
            Line(
                "B", BETTY, "en", "The department asked for twelve million dollars for new buses."
            ),
            Line("A", ALAN, "en", "Agreed. Please send the study to everyone by Friday."),
        ],
        espeak,
    )
    write_wav(str(meeting), samples)
    env = {
        **os.environ,
        "MINUTES_DATA_DIR": str(tmp_path / "data"),
        "MINUTES_CACHE_DIR": str(model_cache),
        "COLUMNS": "200",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "minutes.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )

    assert run("voiceprint", "list").stdout.startswith("No voices enrolled")
    added = run("voiceprint", "add", "Alan Chan", str(enrol_clip))
    assert added.returncode == 0, added.stderr
    assert "Alan Chan" in run("voiceprint", "list").stdout
    done = run("transcribe", str(meeting), "-o", str(tmp_path / "out"), "-f", "txt,json")
    assert done.returncode == 0, done.stderr
    assert "Alan Chan:" in (tmp_path / "out" / "meeting.txt").read_text()

    # The other speaker, enrolled from this past meeting by the name it was shown under.
    past = str(tmp_path / "out" / "meeting.json")
    wrong = run("voiceprint", "add", "Betty Wong", "--meeting", past, "--speaker", "Speaker 9")
    assert wrong.returncode == 2
    assert "Alan Chan (SPEAKER_" in wrong.stderr  # says who is there
    assert "Traceback" not in wrong.stderr
    both = run("voiceprint", "add", "Betty Wong", str(enrol_clip), "--meeting", past)
    assert both.returncode == 2
    assert "either a clip" in both.stderr
    added = run("voiceprint", "add", "Betty Wong", "--meeting", past, "--speaker", "speaker 2")
    assert added.returncode == 0, added.stderr
    again = run("transcribe", str(meeting), "-o", str(tmp_path / "again"), "-f", "txt")
    assert again.returncode == 0, again.stderr
    text = (tmp_path / "again" / "meeting.txt").read_text()
    assert "Alan Chan:" in text
    assert "Betty Wong:" in text
    # Enrolled a second time, from this meeting: both prints kept, either can name him.
    more = run("voiceprint", "add", "alan  chan", "--meeting", past, "--speaker", "Alan Chan")
    assert more.returncode == 0, more.stderr
    assert "2 voiceprints for them now" in more.stdout
    listed = run("voiceprint", "list").stdout
    assert "(clip alan.wav," in listed
    assert "(meeting meeting.json, Alan Chan," in listed
    assert run("voiceprint", "remove", "Betty Wong").returncode == 0
    removed = run("voiceprint", "remove", "Alan Chan")
    assert removed.returncode == 0
    assert "2 voiceprints" in removed.stdout
    gone = run("voiceprint", "remove", "Alan Chan")
    assert gone.returncode == 2
    assert "No enrolled voice" in gone.stderr
    silent = tmp_path / "silent.wav"
    write_wav(str(silent), np.zeros(16000 * 5, dtype=np.float32))
    refused = run("voiceprint", "add", "Nobody", str(silent))
    assert refused.returncode == 2
    assert "No speech found" in refused.stderr
    assert "Traceback" not in refused.stderr

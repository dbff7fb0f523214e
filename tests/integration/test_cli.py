"""The `minutes` command as users run it: outputs, and calm errors for bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from media import encode, tone

pytestmark = pytest.mark.models


def run_cli(
    *args: str, cache: Path, cwd: Path | None = None, data: Path | None = None
) -> subprocess.CompletedProcess[str]:
    if data is None:
        # Never the developer's own voiceprints or glossary: a data directory of its
        # own, removed once the command has run (mkdtemp left one per call behind).
        with tempfile.TemporaryDirectory(prefix="minutes-data-") as own:
            return run_cli(*args, cache=cache, cwd=cwd, data=Path(own))
    env = os.environ | {
        "MINUTES_CACHE_DIR": str(cache),
        "MINUTES_DATA_DIR": str(data),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "minutes.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def assert_calm(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    said = " ".join(result.stderr.split())  # Rich wraps long lines
    for f in fragments:
        assert f in said, result.stderr


def test_transcribe_writes_every_format(
    tmp_path: Path, english_meeting_wav: Path, model_cache: Path
) -> None:
    out = tmp_path / "out dir"
    r = run_cli(
        "transcribe",
        str(english_meeting_wav),
        "--out",
        str(out),
        "--format",
        "all",
        "--live",
        cache=model_cache,
    )
    assert r.returncode == 0, r.stderr
    # --live: each stretch's text, with its time, before the files are written.
    live = r.stderr[: r.stderr.index("Wrote")]
    assert re.search(r"0:00:0\d  Good morning", live), r.stderr
    stem = english_meeting_wav.stem
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{stem}.{e}" for e in ("json", "md", "srt", "vtt", "rttm", "txt", "docx")
    )
    data = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert data["segments"]
    assert "budget" in (out / f"{stem}.srt").read_text(encoding="utf-8").lower()
    assert "Recognising speech" in r.stderr  # the progress bars were shown


def test_language_and_speaker_options(
    tmp_path: Path, english_meeting_wav: Path, model_cache: Path
) -> None:
    r = run_cli(
        "transcribe",
        str(english_meeting_wav),
        "-l",
        "en",
        "-n",
        "2",
        "-f",
        "json",
        "-o",
        str(tmp_path),
        cache=model_cache,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / f"{english_meeting_wav.stem}.json").read_text(encoding="utf-8"))
    assert len({s["speaker"] for s in data["segments"]}) <= 2
    assert data["metadata"]["options"]["num_speakers"] == 2


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda d: d / "missing.wav", ["no such file"]),
        (lambda d: d, ["directory"]),
        (lambda d: _write(d / "notes.m4a", b"not audio at all " * 100), ["not a recording"]),
        (lambda d: _write(d / "empty.wav", b""), ["empty"]),
        # Brackets in a name are text, not the console's markup ("[/]" used to crash it).
        (
            lambda d: _write(d / "[red]x[" / "]y.wav", b"RIFF"),
            ["[red]x[/]y.wav", "not a recording"],
        ),
    ],
)
def test_bad_input_is_one_clear_sentence(
    tmp_path: Path, model_cache: Path, make, fragments
) -> None:
    out = tmp_path / "out"
    r = run_cli("transcribe", str(make(tmp_path)), "-o", str(out), cache=model_cache)
    assert_calm(r, *fragments)
    assert not out.exists() or not list(out.iterdir())  # nothing half-written


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--language", "fr"], "Unknown language"),
        (["--num-speakers", "0"], "num-speakers"),
        (["--format", "pdf"], "Unknown format"),
        (["--model", "large-v3"], "not on this machine"),
        (["--script", "xx"], "Unknown script"),
    ],
)
def test_bad_options(tmp_path: Path, model_cache: Path, args: list[str], fragment: str) -> None:
    wav = encode(tmp_path / "a.wav", tone(1.0))
    r = run_cli("transcribe", str(wav), "-o", str(tmp_path / "out"), *args, cache=model_cache)
    assert_calm(r, fragment)
    assert r.returncode == 2 or fragment == "not on this machine"


def test_a_global_glossary_applies_under_the_meetings_own(
    tmp_path: Path, english_meeting_wav: Path, model_cache: Path
) -> None:
    data = tmp_path / "data"
    standing = tmp_path / "global.txt"
    # The second entry shares a spelling with the meeting's glossary, which wins.
    standing.write_text("Transport Budget | transport budget\nBudget Office | traffic study\n")
    r = run_cli("glossary", "set", str(standing), cache=model_cache, data=data)
    assert r.returncode == 0, r.stderr
    assert "2 entries" in r.stdout
    own = tmp_path / "meeting.txt"
    own.write_text("Traffic Study | traffic study\n")
    r = run_cli(
        "transcribe",
        str(english_meeting_wav),
        *("-l", "en", "-f", "txt", "-o", str(tmp_path / "out"), "--glossary", str(own)),
        cache=model_cache,
        data=data,
    )
    assert r.returncode == 0, r.stderr
    assert "Using your global glossary (2 entries" in r.stderr
    text = (tmp_path / "out" / f"{english_meeting_wav.stem}.txt").read_text(encoding="utf-8")
    assert "Transport Budget" in text
    assert "Traffic Study" in text
    assert "Budget Office" not in text

    # A malformed replacement is refused by line, and the stored glossary stays whole.
    bad = tmp_path / "bad.txt"
    bad.write_text("fine\nbroken | | entry\n")
    assert_calm(run_cli("glossary", "set", str(bad), cache=model_cache, data=data), "line 2")
    r = run_cli("glossary", "show", cache=model_cache, data=data)
    assert r.stdout.splitlines() == [
        "Transport Budget | transport budget",
        "Budget Office | traffic study",
    ]
    assert run_cli("glossary", "clear", cache=model_cache, data=data).returncode == 0
    assert "No global glossary" in run_cli("glossary", "show", cache=model_cache, data=data).stdout


def test_unwritable_output(tmp_path: Path, model_cache: Path) -> None:
    wav = encode(tmp_path / "a.wav", tone(1.0))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_cli("transcribe", str(wav), "-o", str(blocker / "sub"), cache=model_cache)
    assert_calm(r)


def test_models_lists_embedded_models(model_cache: Path) -> None:
    r = run_cli("models", cache=model_cache)
    assert r.returncode == 0, r.stderr
    for name in ("base", "tiny.en", "silero-vad", "resemblyzer"):
        assert name in r.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MINUTES_SPEAKER_THRESHOLD", "abc", "MINUTES_SPEAKER_THRESHOLD=abc: Input should be"),
        ("MINUTES_SPEAKER_WINDOW", "hann", "'povey' or 'hamming'"),
        ("MINUTES_VOICEPRINT_THRESHOLD", "3", "less than 1"),
        ("MINUTES_MODEL_DIRS", "/models", "MINUTES_MODEL_DIRS cannot be read (it takes JSON"),
    ],
)
def test_a_bad_setting_is_named_without_a_traceback(
    variable: str, value: str, message: str, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    r = run_cli("models", cache=model_cache)
    assert r.returncode == 2
    assert_calm(r, message, "Fix or unset it")
    assert "pydantic" not in r.stderr


def test_three_hour_recording(tmp_path: Path, model_cache: Path, espeak) -> None:
    """A long file decodes streamed and finishes; here mostly silence to keep it quick."""
    from minutes.synth import Voice

    speech = espeak.speak("The meeting is adjourned until next week.", Voice("en"))
    rate = 8000  # telephone rate, mono: 3 hours is ~170 MB of 16-bit PCM
    x = np.zeros(3 * 3600 * rate, dtype=np.float32)
    from scipy.signal import resample_poly

    clip = resample_poly(speech, 1, 2).astype(np.float32)
    at = (3 * 3600 - 60) * rate
    x[at : at + len(clip)] = clip
    path = encode(tmp_path / "long.flac", x, sample_rate=rate)
    del x
    r = run_cli("transcribe", str(path), "-f", "json", "-o", str(tmp_path), cache=model_cache)
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "long.json").read_text())
    assert data["duration"] == pytest.approx(3 * 3600, abs=1)
    assert "next week" in " ".join(s["text"] for s in data["segments"]).lower()
    assert data["segments"][0]["start"] > 3 * 3600 - 70


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_demo_runs_end_to_end(tmp_path: Path, model_cache: Path) -> None:
    """The README's first command: a generated meeting, transcribed, with its minutes."""
    out = tmp_path / "demo"
    r = run_cli("demo", "--out", str(out), cache=model_cache)
    assert r.returncode == 0, r.stderr
    said, printed = " ".join(r.stderr.split()), " ".join(r.stdout.split())  # rich wraps lines
    assert "What was said:" in said  # the script, to compare the transcript with
    data = json.loads((out / "demo-meeting.json").read_text(encoding="utf-8"))
    assert len(data["speakers"]) == 3
    text = " ".join(s["text"] for s in data["segments"]).lower()
    assert "engineers" in text
    languages = {s["language"] for s in data["segments"]}
    # English and Chinese are heard. Whether espeak's synthetic Mandarin sounds like
    # Mandarin or Cantonese to Whisper base is not this test's business; telling the two
    # apart is measured on real recordings in bench/.
    assert "en" in languages, languages
    assert languages & {"zh", "yue"}, languages
    assert (out / "demo-meeting.minutes.md").is_file()
    assert "action item" in printed
    # espeak's Cantonese is unintelligible to Whisper base: those lines are marked as
    # probably misheard, in the printed table and in the Markdown transcript.
    unclear = [s for s in data["segments"] if s["confidence"] < 0.5]
    assert unclear, [s["confidence"] for s in data["segments"]]
    assert "probably misheard" in printed
    md = (out / "demo-meeting.md").read_text(encoding="utf-8")
    marked = [line for line in md.splitlines() if line.endswith(" *(unclear audio)*")]
    assert len(marked) == len(unclear)


def test_edit_fixes_who_said_what_and_keeps_the_exports_in_step(
    tmp_path: Path, english_transcript, model_cache: Path
) -> None:
    """`minutes edit` on a real transcript: each correction rewrites the JSON and the
    exports beside it; a bad request changes nothing."""
    from minutes.formats import write_all

    out = tmp_path / "會議 notes"
    out.mkdir()
    stem = "budget 會議"
    write_all(english_transcript, out, stem, ["json", "md", "srt"])
    (out / f"{stem}.minutes.md").write_text("# Minutes\n", encoding="utf-8")
    doc = out / f"{stem}.json"

    def edit(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("edit", args[0], str(doc), *args[1:], cache=model_cache)

    def load() -> dict:
        return json.loads(doc.read_text(encoding="utf-8"))

    r = edit("lines")
    assert r.returncode == 0, r.stderr
    data = load()
    for s in data["segments"]:
        assert s["id"] in r.stdout
    assert f"{len(data['segments'])} of {len(data['segments'])} lines" in r.stdout

    first = data["speakers"][0]["id"]
    r = edit("rename", first, "陳 Alice")
    assert r.returncode == 0, r.stderr
    assert "陳 Alice" in {s["name"] for s in load()["speakers"]}
    assert "陳 Alice" in (out / f"{stem}.md").read_text(encoding="utf-8")
    assert f"{stem}.minutes.md" in " ".join(r.stderr.split())  # reported as out of date
    assert not (out / f"{stem}.rttm").exists()  # only the exports that were there

    # Cut the longest line before its last three words; give that part to a new person.
    longest = max(load()["segments"], key=lambda s: len(s["text"].split()))
    tail = " ".join(longest["text"].split()[-3:])
    r = edit("split", longest["id"], tail)
    assert r.returncode == 0, r.stderr
    segments = load()["segments"]
    i = next(i for i, s in enumerate(segments) if s["id"] == longest["id"])
    part = segments[i + 1]
    assert part["text"] == tail
    assert segments[i]["text"] + " " + tail == longest["text"]
    assert part["start"] >= segments[i]["end"]
    srt = (out / f"{stem}.srt").read_text(encoding="utf-8")
    assert srt.count(" --> ") == len(segments)

    r = edit("move", part["id"], "--new", "Bob")
    assert r.returncode == 0, r.stderr
    data = load()
    bob = next(s["id"] for s in data["speakers"] if s["name"] == "Bob")
    assert next(s for s in data["segments"] if s["id"] == part["id"])["speaker"] == bob
    assert "Bob" in (out / f"{stem}.md").read_text(encoding="utf-8")

    # Names are matched in any case and spacing; Bob, left without lines, is gone.
    r = edit("move", part["id"], "--to", "陳  alice")
    assert r.returncode == 0, r.stderr
    data = load()
    assert "Bob" not in {s["name"] for s in data["speakers"]}
    assert next(s for s in data["segments"] if s["id"] == part["id"])["speaker"] == first

    r = edit("text", part["id"], "by Friday, please")
    assert r.returncode == 0, r.stderr
    assert "by Friday, please" in (out / f"{stem}.srt").read_text(encoding="utf-8")

    # Read again from the recording (found where it was transcribed) as English.
    r = edit("reread", part["id"], "en")
    assert r.returncode == 0, r.stderr
    again = next(s for s in load()["segments"] if s["id"] == part["id"])
    assert again["language"] == "en"
    assert again["text"] != "by Friday, please"
    assert again["text"] in (out / f"{stem}.srt").read_text(encoding="utf-8")

    others = [s["id"] for s in load()["speakers"] if s["id"] != first]
    r = edit("merge", others[0], first)
    assert r.returncode == 0, r.stderr
    data = load()
    assert others[0] not in {s["id"] for s in data["speakers"]}
    assert {s["speaker"] for s in data["segments"]} <= {s["id"] for s in data["speakers"]}

    # Bad requests: one sentence each, and nothing on disk changes.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for args, fragment in [
        (("text", "u9999", "x"), "No utterance 'u9999'"),
        (("text", part["id"], "   "), "cannot be empty"),
        (("move", part["id"], "--to", "Nobody"), "No speaker 'Nobody'"),
        (("move", part["id"], "--to", first, "--new", "X"), "either --to"),
        (("move", part["id"]), "either --to"),
        (("split", part["id"], "not in this line"), "is not in the line"),
        (("split", part["id"], "0"), "Split the line inside its text"),
        (("rename", first, "x" * 101), "too long"),
        (("merge", first, first), "two different speakers"),
        (("reread", part["id"], "fr"), "Read a line again as one of yue, zh, en"),
        (("reread", part["id"], "en", "--audio", str(out / "gone.wav")), "gone.wav"),
    ]:
        r = edit(*args)
        assert_calm(r, fragment)
        assert r.returncode == 2, args  # a usage error, like an unknown option
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert_calm(
        run_cli("edit", "lines", str(out / f"{stem}.md"), cache=model_cache),
        "not a minutes transcript JSON",
    )

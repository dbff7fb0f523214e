"""Writers: content of every format, atomic writes, hostile text."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from minutes.errors import OptionsError
from minutes.formats import FORMATS, get_writer, parse_formats, write_all
from minutes.types import SCHEMA_VERSION, Speaker, Transcript, Turn, Utterance, Word


@pytest.fixture
def transcript() -> Transcript:
    words = (
        Word(" Hello", 1.0, 1.4, 0.9, "SPEAKER_00"),
        Word(" there.", 1.4, 2.0, 0.8, "SPEAKER_00"),
    )
    return Transcript(
        utterances=(
            Utterance("u0001", 1.0, 2.0, "SPEAKER_00", "Hello there.", "en", words, 0.85),
            Utterance("u0002", 3661.5, 3663.0, "SPEAKER_01", "好呀 <b>*ok*</b> --> 1", "yue"),
        ),
        turns=(Turn(1.0, 2.0, "SPEAKER_00"), Turn(1.8, 3663.0, "SPEAKER_01")),
        speakers=(
            Speaker("SPEAKER_00", "Chan Tai Man", 1.0),
            Speaker("SPEAKER_01", "Speaker 2", 2.0),
        ),
        duration=3700.0,
        language="en",
        source="/x/board meeting.m4a",
        model="base",
    )


def test_json_round_trip_and_whisperx_fields(transcript: Transcript) -> None:
    data = json.loads(get_writer("json").render(transcript))
    assert data["schema_version"] == SCHEMA_VERSION
    seg = data["segments"][0]
    assert {"id", "start", "end", "text", "speaker", "language", "words"} <= seg.keys()
    assert seg["words"][0] == {
        "word": " Hello",
        "start": 1.0,
        "end": 1.4,
        "score": 0.9,
        "speaker": "SPEAKER_00",
    }
    assert Transcript.from_dict(data) == transcript


def test_language_share_in_json_and_markdown(transcript: Transcript) -> None:
    data = json.loads(get_writer("json").render(transcript))
    assert list(data["language_share"].items()) == [("yue", 0.6), ("en", 0.4)]
    assert "- Languages: Cantonese 60%, English 40%" in get_writer("md").render(transcript)


def test_srt(transcript: Transcript) -> None:
    srt = get_writer("srt").render(transcript)
    assert srt.startswith("1\n00:00:01,000 --> 00:00:02,000\n[Chan Tai Man] Hello there.\n")
    assert "01:01:01,500 --> 01:01:03,000" in srt


def test_vtt_escapes_markup(transcript: Transcript) -> None:
    vtt = get_writer("vtt").render(transcript)
    assert vtt.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Chan Tai Man>Hello there.")
    assert "&lt;b&gt;" in vtt
    assert "<b>" not in vtt


def test_rttm_keeps_overlap(transcript: Transcript) -> None:
    lines = get_writer("rttm").render(transcript).splitlines()
    assert lines[0] == "SPEAKER board_meeting 1 1.000 1.000 <NA> <NA> SPEAKER_00 <NA> <NA>"
    assert len(lines) == 2


def test_markdown_neutralises_markup(transcript: Transcript) -> None:
    md = get_writer("md").render(transcript)
    assert "**Chan Tai Man** [0:00:01] *en*" in md
    assert "\\<b\\>" in md
    assert "\\*ok\\*" in md


def test_markdown_marks_lines_that_were_probably_misheard(transcript: Transcript) -> None:
    assert "unclear" not in get_writer("md").render(transcript)
    first, second = transcript.utterances
    misheard = replace(transcript, utterances=(replace(first, confidence=0.42), second))
    md = get_writer("md").render(misheard)
    assert "Hello there. *(unclear audio)*" in md
    assert "(1) were probably misheard" in md
    # Subtitles and plain text carry only what was said.
    assert "unclear" not in get_writer("srt").render(misheard)
    assert "unclear" not in get_writer("txt").render(misheard)


def test_txt(transcript: Transcript) -> None:
    assert (
        get_writer("txt").render(transcript).splitlines()[0]
        == "[0:00:01] Chan Tai Man: Hello there."
    )


def test_write_all_is_atomic_and_complete(tmp_path: Path, transcript: Transcript) -> None:
    paths = write_all(transcript, tmp_path / "out", "會議 1", FORMATS)
    assert sorted(p.name for p in paths) == sorted(f"會議 1.{f}" for f in FORMATS)
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_unknown_format() -> None:
    with pytest.raises(OptionsError, match="docx2"):
        parse_formats("json,docx2")
    assert parse_formats("all") == list(FORMATS)
    assert parse_formats(" SRT , json,srt") == ["srt", "json"]


def test_from_dict_rejects_other_major_versions(transcript: Transcript) -> None:
    from minutes.errors import InputError

    data = transcript.to_dict() | {"schema_version": "2.0"}
    with pytest.raises(InputError, match="schema version"):
        Transcript.from_dict(data)


def test_an_interjection_without_words_is_shown_but_never_subtitled(
    transcript: Transcript,
) -> None:
    over = Utterance("u0003", 1.5, 1.9, "SPEAKER_01", "", "en", over="SPEAKER_00")
    t = replace(transcript, utterances=(transcript.utterances[0], over, transcript.utterances[1]))
    note = "(spoke over Chan Tai Man; words not recognised)"
    assert f"Speaker 2: {note}" in get_writer("txt").render(t)
    assert f"*{note}*" in get_writer("md").render(t)
    for fmt in ("srt", "vtt"):
        assert get_writer(fmt).render(t) == get_writer(fmt).render(transcript)
    back = Transcript.from_dict(json.loads(get_writer("json").render(t)))
    assert back.utterances[1] == over
    assert "over" not in json.loads(get_writer("json").render(transcript))["segments"][0]
    # Nothing was recognised there, so it is no one's share of the languages.
    assert t.language_share == transcript.language_share


def test_openai_answers_leave_out_lines_without_words(transcript: Transcript) -> None:
    from minutes.server.routes.openai_compat import _render

    over = Utterance("u0003", 1.5, 1.9, "SPEAKER_01", "", "en", over="SPEAKER_00")
    t = replace(transcript, utterances=(transcript.utterances[0], over, transcript.utterances[1]))
    body = json.loads(bytes(_render(t, "verbose_json", {"segment", "word"}).body))
    assert [s["text"] for s in body["segments"]] == ["Hello there.", "好呀 <b>*ok*</b> --> 1"]
    assert body["text"] == json.loads(bytes(_render(transcript, "json", set()).body))["text"]


def test_openai_stream_events_add_up_to_the_text(transcript: Transcript) -> None:
    from minutes.server.routes.openai_compat import _render, stream_events

    over = Utterance("u0003", 1.5, 1.9, "SPEAKER_01", "", "en", over="SPEAKER_00")
    chinese = Utterance("u0004", 3664.0, 3665.0, "SPEAKER_00", "好。", "yue")
    t = replace(
        transcript,
        utterances=(*transcript.utterances[:1], over, *transcript.utterances[1:], chinese),
    )
    events = stream_events(t, diarized=False)
    assert [e["type"] for e in events] == ["transcript.text.delta"] * 3 + ["transcript.text.done"]
    deltas = [e["delta"] for e in events[:-1]]
    assert deltas == ["Hello there.", " 好呀 <b>*ok*</b> --> 1", " 好。"]
    assert "".join(deltas) == events[-1]["text"]
    assert events[-1]["text"] == json.loads(bytes(_render(t, "json", set()).body))["text"]

    diarized = stream_events(t, diarized=True)
    segments = [e for e in diarized if e["type"] == "transcript.text.segment"]
    assert [(s["id"], s["speaker"], s["text"]) for s in segments] == [
        ("seg_000", "A", "Hello there."),
        ("seg_001", "B", "好呀 <b>*ok*</b> --> 1"),
        ("seg_002", "A", "好。"),
    ]
    assert [e.get("segment_id") for e in diarized if e["type"] == "transcript.text.delta"] == [
        "seg_000",
        "seg_001",
        "seg_002",
    ]


def test_the_word_document_reads_like_the_markdown(transcript: Transcript) -> None:
    import io

    from docx import Document
    from docx.oxml.ns import qn

    first, second = transcript.utterances
    over = Utterance("u0003", 1.5, 1.9, "SPEAKER_01", "", "en", over="SPEAKER_00")
    # Control characters (from a hand-edited JSON, say) cannot go into XML at all.
    hostile = replace(second, text="好呀\x07 <b>*ok*</b>\x0b --> 1")
    t = replace(
        transcript,
        utterances=(replace(first, confidence=0.42), over, hostile),
        metadata={"options": {"script": "cn"}},
    )
    doc = Document(io.BytesIO(get_writer("docx").render(t)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Transcript: board meeting.m4a"
    assert (doc.core_properties.title, doc.core_properties.author) == (paragraphs[0], "minutes")
    assert "Speakers: Chan Tai Man (0:00:01), Speaker 2 (0:00:02)" in paragraphs
    assert "Chan Tai Man   0:00:01 · en\nHello there. (unclear audio)" in paragraphs
    note = "(spoke over Chan Tai Man; words not recognised)"
    assert f"Speaker 2   0:00:01 · en\n{note}" in paragraphs
    assert "Speaker 2   1:01:01 · yue\n好呀 <b>*ok*</b> --> 1" in paragraphs
    # Simplified text gets a Simplified face, whatever the reader's locale.
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Microsoft YaHei"

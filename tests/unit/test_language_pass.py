"""The second language pass, with a scripted recogniser standing in for Whisper's
decisions (the real models are exercised in tests/integration)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from minutes.audio import Audio
from minutes.stages.chunking import Chunk
from minutes.stages.language_pass import Suspect, find_suspects, pack, replace_span, reread
from minutes.types import Segment, SpeechRegion, Turn, Word


def seg(a: float, b: float, text: str, lang: str, p: float) -> Segment:
    n = len(text.split())
    step = (b - a) / n
    words = tuple(
        Word(" " + t, a + i * step, a + (i + 1) * step, p) for i, t in enumerate(text.split())
    )
    return Segment(a, b, text, lang, words)


TURNS = [Turn(0, 10, "A"), Turn(10, 20, "B"), Turn(20, 30, "C")]


def test_suspects_are_improbable_or_missing_stretches() -> None:
    segments = [seg(0, 9, "good morning all", "en", 0.9), seg(10, 19, "ni hao ma", "en", 0.3)]
    suspects = find_suspects([Chunk(0, 30)], segments, TURNS)
    assert [(s.start, s.end, s.language) for s in suspects] == [
        (10, 20, "en"),
        (20, 30, "en"),  # no words at all
    ]


def test_single_speaker_chunk_with_a_skipped_tail() -> None:
    segments = [seg(0, 4, "one two three", "en", 0.9)]
    suspects = find_suspects([Chunk(0, 10)], segments, [Turn(0, 10, "A")])
    assert [(s.start, s.end) for s in suspects] == [(4, 10)]
    # A confident single speaker is not second-guessed.
    assert (
        find_suspects([Chunk(0, 10)], [seg(0, 9.5, "a b c", "en", 0.3)], [Turn(0, 10, "A")]) == []
    )


def test_a_chunk_whisper_was_unsure_of_is_judged_pause_by_pause() -> None:
    """A Cantonese sentence, a pause, an English one, all given to one speaker: the
    chunk was heard as Chinese at 0.54, so each stretch is judged on its own."""
    regions = [SpeechRegion(10.0, 11.8), SpeechRegion(12.4, 14.4), SpeechRegion(14.6, 14.9)]
    turns = [Turn(10.0, 11.8, "A"), Turn(12.4, 14.4, "A")]
    heard = seg(10.0, 13.7, "雙手 雲力 1813", "yue", 0.8)
    unsure = replace(heard, language_probability=0.54)
    suspects = find_suspects([Chunk(10.0, 14.4)], [unsure], turns, regions)
    # They meet in the middle of the pause; a stretch under a second is not judged.
    assert [(round(s.start, 3), round(s.end, 3), s.language) for s in suspects] == [
        (10.0, 12.1, "yue"),
        (12.1, 14.4, "yue"),
    ]
    sure = replace(heard, language_probability=0.97)
    assert find_suspects([Chunk(10.0, 14.4)], [sure], turns, regions) == []


def test_pack_fits_windows() -> None:
    suspects = [Suspect(i * 20.0, i * 20.0 + 8, "en", 0.1) for i in range(5)]
    batches = pack(suspects)
    assert [len(b) for b in batches] == [3, 2]


def test_reread_maps_words_back_and_keeps_same_language_stretches() -> None:
    audio = Audio.from_array(np.zeros(16000 * 30, dtype=np.float32))
    segments = [seg(0, 9, "good morning all", "en", 0.9), seg(10, 19, "knee how ma", "en", 0.3)]
    suspects = [Suspect(10, 20, "en", 0.3), Suspect(20, 30, "en", 0.0)]
    identified = iter(["zh", "en"])
    calls: list[tuple[float, str]] = []

    def decode(x: np.ndarray, offset: float, language: str) -> list[Segment]:
        calls.append((len(x) / 16000, language))
        return [seg(0.5, 9.5, "你 好 嗎", language, 0.8)]

    out = reread(audio, segments, suspects, lambda x: next(identified), decode)
    texts = [(s.text, s.language) for s in out]
    assert ("good morning all", "en") in texts
    assert any(t == "你 好 嗎" and lang == "zh" for t, lang in texts)
    replaced = next(s for s in out if s.language == "zh")
    assert 10 <= replaced.start < replaced.end <= 20  # times are the stretch's own
    assert "knee" not in " ".join(t for t, _ in texts)
    # The empty stretch (same language, no words) was read again on its own language.
    assert sorted(lang for _, lang in calls) == ["en", "zh"]


def test_speech_whisper_skipped_under_a_stretched_word_is_suspect() -> None:
    """Whisper ended a window early and timed its last word over the 14 s it skipped
    (a Mandarin meeting clip after a Cantonese one, one speaker): that speech is read
    again, wherever in the turn it lies; a pause the VAD heard as silence is not."""
    words = (Word("a", 0.0, 1.0, 0.9), Word("b", 1.0, 2.0, 0.9), Word("c", 2.0, 18.0, 0.9))
    stretched = Segment(0.0, 18.0, "abc", "zh", words)
    after = seg(18.0, 20.0, "d e", "zh", 0.9)
    regions = [SpeechRegion(0.0, 20.0)]
    suspects = find_suspects([Chunk(0, 20)], [stretched, after], [Turn(0, 20, "A")], regions)
    assert [(s.start, s.end, s.score) for s in suspects] == [(4.0, 18.0, 0.0)]
    paused = [SpeechRegion(0.0, 4.3), SpeechRegion(17.7, 20.0)]
    assert find_suspects([Chunk(0, 20)], [stretched, after], [Turn(0, 20, "A")], paused) == []


def test_an_improbable_turn_is_judged_pause_by_pause() -> None:
    """One speaker's turn holds a Mandarin sentence and an English one read as Chinese:
    each stretch between pauses is a suspect of its own."""
    regions = [SpeechRegion(0.0, 3.6), SpeechRegion(4.4, 7.2), SpeechRegion(8.0, 12.0)]
    turns = [Turn(0.0, 7.2, "A"), Turn(8.0, 12.0, "A")]
    segments = [
        seg(0.0, 7.0, "作為 一個 男人 在 那 裏面", "zh", 0.5),
        seg(8, 12, "好 的", "zh", 0.9),
    ]
    suspects = find_suspects([Chunk(0, 12)], segments, turns, regions)
    assert [(s.start, s.end) for s in suspects] == [(0.0, 4.0), (4.0, 7.2)]


def test_replacing_a_span_splits_a_segment_reaching_across_it() -> None:
    words = (Word("a", 0.0, 1.0, 0.9), Word("b", 2.0, 3.0, 0.9), Word("c", 9.0, 9.5, 0.9))
    new = [seg(2.0, 8.0, "x y", "en", 0.9)]
    out = replace_span([Segment(0.0, 9.5, "abc", "zh", words)], 1.5, 8.5, new)
    assert [(s.start, s.end, s.text) for s in out] == [
        (0.0, 1.0, "a"),
        (2.0, 8.0, "x y"),
        (9.0, 9.5, "c"),
    ]


def test_a_stretch_skipped_in_a_batch_is_read_alone() -> None:
    audio = Audio.from_array(np.zeros(16000 * 40, dtype=np.float32))
    suspects = [Suspect(0, 4, "zh", 0.0), Suspect(10, 22, "zh", 0.0)]
    calls: list[float] = []

    def decode(x: np.ndarray, offset: float, language: str) -> list[Segment]:
        seconds = len(x) / 16000
        calls.append(seconds)
        if seconds > 13:  # batched: Whisper reads the first stretch, then stops
            return [seg(0.5, 3.5, "跟住 佢", "yue", 0.8)]
        return [seg(0.5, seconds - 0.5, " ".join("首先說一下剛才這個經理"), "zh", 0.8)]

    out = reread(audio, [], suspects, lambda x: "zh", decode)
    assert [(s.language, round(s.start, 1)) for s in out] == [("yue", 0.5), ("zh", 10.5)]
    assert len(calls) == 2  # the batch, then the skipped stretch alone
    # The register the decoder chose for each stretch is kept ("yue", not the batch's).


def test_chinese_heard_as_cantonese_is_read_apart_from_mandarin() -> None:
    audio = Audio.from_array(np.zeros(16000 * 30, dtype=np.float32))
    segments = [seg(0, 4, "好 的", "zh", 0.9), seg(10, 14, "甚 至", "zh", 0.9)]
    suspects = [Suspect(0, 4, "zh", 0.9), Suspect(10, 14, "zh", 0.9), Suspect(20, 24, "zh", 0.0)]
    identified = iter(["yue", "zh", "zh"])
    batches: list[tuple[float, str]] = []

    def decode(x: np.ndarray, offset: float, language: str) -> list[Segment]:
        batches.append((len(x) / 16000, language))
        return [seg(0.5, 3.5, "佢 哋", "yue", 0.8)]

    reread(audio, segments, suspects, lambda x: next(identified), decode)
    # Cantonese-leaning, though read as Mandarin with probable words: read again, alone;
    # the Mandarin stretch with words is left; the empty one is read again as Mandarin.
    assert batches == [(4.5, "yue"), (4.5, "zh")]

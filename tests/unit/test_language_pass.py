"""The second language pass, with a scripted recogniser standing in for Whisper's
decisions (the real models are exercised in tests/integration)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from minutes.audio import Audio
from minutes.stages.chunking import Chunk
from minutes.stages.language_pass import Suspect, find_suspects, pack, reread
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

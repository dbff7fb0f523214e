"""When recognition of a chunk stops: at the last word, unless loud audio follows it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from minutes.audio import SAMPLE_RATE
from minutes.stages.asr_whisper import _until_tail, _voiced_until


def _tone(seconds: float, level: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _segment(text: str, last_word_end: float) -> SimpleNamespace:
    return SimpleNamespace(text=text, words=[SimpleNamespace(end=last_word_end)])


def test_voiced_until_ignores_quiet_padding() -> None:
    samples = np.concatenate([_tone(2.0, 0.3), _tone(0.5, 0.003)])
    assert abs(_voiced_until(samples) - 2.0) < 0.05


def test_voiced_until_of_silence_and_of_nothing() -> None:
    assert _voiced_until(np.zeros(SAMPLE_RATE, np.float32)) == 0.0
    assert _voiced_until(np.zeros(10, np.float32)) == 0.0


def test_reading_stops_when_only_padding_is_left() -> None:
    read = [_segment("one", 2.0), _segment("invented", 2.4)]
    assert [s.text for s in _until_tail(iter(read), 2.5, voiced_until=2.1)] == ["one"]


def test_reading_goes_on_when_a_word_is_left_unread() -> None:
    read = [_segment("painful to", 10.2), _segment("myself.", 11.0)]
    out = [s.text for s in _until_tail(iter(read), 11.1, voiced_until=11.0)]
    assert out == ["painful to", "myself."]


def test_reading_goes_on_while_more_than_a_second_is_left() -> None:
    read = [_segment("first", 3.0), _segment("second", 5.0)]
    assert len(list(_until_tail(iter(read), 5.2, voiced_until=5.1))) == 2

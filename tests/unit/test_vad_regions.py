"""Region finding from Silero probabilities (synthetic probability tracks)."""

from __future__ import annotations

import numpy as np

from minutes.options import VadOptions
from minutes.stages.vad_silero import FRAME, regions_from_probabilities


def track(*spans: tuple[float, float], total: float = 20.0) -> np.ndarray:
    p = np.full(int(total / FRAME), 0.02, dtype=np.float32)
    for a, b in spans:
        p[int(a / FRAME) : int(b / FRAME)] = 0.9
    return p


def test_two_utterances_with_a_long_pause() -> None:
    opts = VadOptions(pad=0.0)
    r = regions_from_probabilities(track((1, 3), (6, 8)), 20.0, opts)
    assert [(round(x.start, 1), round(x.end, 1)) for x in r] == [(1.0, 3.0), (6.0, 8.0)]


def test_short_pause_is_bridged() -> None:
    opts = VadOptions(pad=0.0, min_silence=1.0)
    r = regions_from_probabilities(track((1, 3), (3.5, 5)), 20.0, opts)
    assert len(r) == 1
    assert r[0].start == np.float32(1.0) or abs(r[0].start - 1.0) < 0.05


def test_clicks_are_dropped_and_padding_is_clamped() -> None:
    opts = VadOptions(pad=0.5, min_speech=0.2)
    r = regions_from_probabilities(track((0.1, 2), (10, 10.1)), 5.0, opts)
    assert len(r) == 1
    assert r[0].start == 0.0


def test_silence_has_no_regions() -> None:
    assert regions_from_probabilities(track(), 20.0, VadOptions()) == []


def test_chunks_pack_to_thirty_seconds_and_cut_between_speakers() -> None:
    from minutes.stages.chunking import plan_chunks
    from minutes.types import SpeechRegion, Turn

    regions = [SpeechRegion(0, 12), SpeechRegion(12.5, 25), SpeechRegion(25.5, 40)]
    assert [(c.start, c.end) for c in plan_chunks(regions, 30.0)] == [(0, 25), (25.5, 40)]
    turns = [Turn(0, 20, "A"), Turn(20, 40, "B")]
    # The speaker change at 20 s is a cut point; 0–20 then fits with nothing else.
    chunks = plan_chunks(regions, 30.0, turns)
    assert [(c.start, c.end) for c in chunks] == [(0, 20), (20, 40)]
    # A monologue longer than a window stays whole for Whisper's own seek.
    assert [(c.start, c.end) for c in plan_chunks([SpeechRegion(0, 95)], 30.0)] == [(0, 95)]


def test_very_long_stretches_are_cut_at_a_quiet_moment() -> None:
    from minutes.audio import Audio
    from minutes.stages.chunking import Chunk, split_long

    x = np.random.default_rng(0).normal(0, 0.1, 16000 * 700).astype(np.float32)
    x[int(295.2 * 16000) : int(295.5 * 16000)] = 0.0  # a breath just before 300 s
    pieces = split_long(Audio.from_array(x), Chunk(0.0, 700.0))
    assert len(pieces) == 3
    assert abs(pieces[0].end - 295.35) < 0.2
    assert pieces[-1].end == 700.0
    assert all(p.end - p.start <= 300.0 for p in pieces)


def test_chunks_are_read_a_little_wider_but_never_twice() -> None:
    from minutes.stages.chunking import READ_MARGIN, Chunk, widened

    m = READ_MARGIN
    chunks = [Chunk(0.05, 4.0, "yue"), Chunk(4.1, 9.0), Chunk(12.0, 19.9, "zh")]
    out = widened(chunks, duration=20.0)
    # The recording's ends bound the first and last chunk.
    assert (out[0].start, out[-1].end) == (0.0, 20.0)
    # A 0.1 s gap is shared at its middle: nothing between two chunks is read twice.
    assert out[0].end == out[1].start == 4.05
    # A wide gap gives each side the full margin.
    assert (out[1].end, out[2].start) == (9.0 + m, 12.0 - m)
    # Chunks that touch (a speaker change inside speech) stay as they were.
    touching = widened([Chunk(1.0, 5.0), Chunk(5.0, 8.0)], duration=10.0)
    assert [(c.start, c.end) for c in touching] == [(1.0 - m, 5.0), (5.0, 8.0 + m)]
    assert [c.register for c in out] == ["yue", None, "zh"]
    assert widened([], duration=5.0) == []

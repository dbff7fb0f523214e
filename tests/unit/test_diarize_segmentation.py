"""Linking local speakers across chunks and turning frames into turns (no models)."""

from __future__ import annotations

import numpy as np

from minutes.stages.diarize_segmentation import _link, _turns
from minutes.stages.segment_pyannote import FrameGrid, LocalSegmentation
from minutes.types import SpeechRegion

STEP = 0.1  # a coarse frame grid keeps the arithmetic readable
FRAMES = 100  # 10 s chunks


def _segmentation(active: np.ndarray, starts: list[float]) -> LocalSegmentation:
    return LocalSegmentation(
        starts=np.asarray(starts),
        active=active.astype(np.uint8),
        soft=active.astype(np.float16),
        frames=FrameGrid(0.0, STEP, STEP),
        chunk_seconds=10.0,
    )


def test_swapped_local_labels_are_linked_by_voice() -> None:
    # Chunk 0: local 0 talks 0–5 s, local 1 talks 5–10 s. Chunk 1 (starts at 5 s) calls
    # the second voice local 0 and a third stretch (10–15 s) local 1.
    active = np.zeros((2, FRAMES, 3))
    active[0, :50, 0] = 1
    active[0, 50:, 1] = 1
    active[1, :50, 0] = 1
    active[1, 50:, 1] = 1
    seg = _segmentation(active, [0.0, 5.0])
    a, b = np.eye(4, dtype=np.float32)[:2]
    vectors = np.stack([a, b, b, a])  # chunk 1: local 0 is voice b, local 1 is voice a
    owners = [(0, 0), (0, 1), (1, 0), (1, 1)]
    labels = np.array([0, 1, 1, 0])
    links = _link(seg, vectors, owners, labels)
    assert sorted(links[0]) == [(0, 0), (1, 1)]
    assert sorted(links[1]) == [(0, 1), (1, 0)]
    turns = _turns(seg, links, 2, [SpeechRegion(0.0, 15.0)], 15.0)
    assert [t.speaker for t in turns] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert abs(turns[1].start - 5.0) < 0.2
    assert abs(turns[1].end - 10.0) < 0.2


def test_overlap_gives_two_speakers_and_vad_fills_silence() -> None:
    active = np.zeros((1, FRAMES, 3))
    active[0, 10:60, 0] = 1
    active[0, 40:90, 1] = 1  # 4–6 s: both talk
    seg = _segmentation(active, [0.0])
    vectors = np.eye(2, dtype=np.float32)
    links = _link(seg, vectors, [(0, 0), (0, 1)], np.array([0, 1]))
    # The VAD heard speech at 9.5–9.9 s that the segmentation did not: it goes to the
    # likeliest speaker, here the one whose soft score is highest (speaker 1's frames).
    seg.soft[0, 95:99, 1] = 0.4
    turns = _turns(seg, links, 2, [SpeechRegion(0.9, 9.9)], 10.0)
    first = [t for t in turns if t.speaker == "SPEAKER_00"]
    second = [t for t in turns if t.speaker == "SPEAKER_01"]
    assert len(first) == 1
    assert first[0].end > 5.9
    assert second[0].start < 4.1
    both = min(first[0].end, second[0].end) - max(first[0].start, second[0].start)
    assert both > 1.8
    assert any(t.start <= 9.5 and t.end >= 9.8 for t in second)


def test_local_speaker_without_embedding_follows_agreement() -> None:
    # Chunk 1 has no embeddings: its local speaker follows whoever chunk 0 placed there.
    active = np.zeros((2, FRAMES, 3))
    active[0, :, 2] = 1
    active[1, :, 0] = 1
    seg = _segmentation(active, [0.0, 5.0])
    links = _link(seg, np.eye(1, dtype=np.float32), [(0, 2)], np.array([0]))
    assert links[1] == [(0, 0)]


def test_slivers_at_a_boundary_join_the_neighbour_but_overlaps_stay() -> None:
    from minutes.stages.diarize_segmentation import _absorb_slivers
    from minutes.types import Turn

    turns = [
        Turn(0.0, 3.0, "a"),
        Turn(3.0, 3.2, "b"),  # boundary jitter: joins a
        Turn(3.2, 5.0, "a"),
        Turn(5.5, 8.0, "c"),
        Turn(6.0, 6.25, "a"),  # spoken over c: a real overlap
        Turn(9.0, 9.2, "b"),  # set off by pauses: a short reply
    ]
    out = _absorb_slivers(turns)
    assert out[0] == Turn(0.0, 5.0, "a")
    assert Turn(6.0, 6.25, "a") in out
    assert Turn(9.0, 9.2, "b") in out


def test_only_chunks_holding_speech_are_segmented() -> None:
    from minutes.stages.segment_pyannote import _chunks_with_speech

    starts = np.arange(0.0, 100.0, 5.0)  # 10 s chunks every 5 s: 0–10, 5–15, …, 95–105
    speech = [SpeechRegion(52.0, 53.0), SpeechRegion(12.0, 30.0), SpeechRegion(13.0, 14.0)]
    # 12–30 s: chunks starting 5–25 s; 52–53 s: chunks starting 45 and 50 s.
    assert _chunks_with_speech(starts, speech, 10.0).tolist() == [1, 2, 3, 4, 5, 9, 10]
    assert _chunks_with_speech(starts, [], 10.0).tolist() == []
    # A region ending exactly where a chunk starts does not touch it.
    assert _chunks_with_speech(starts, [SpeechRegion(0.0, 5.0)], 10.0).tolist() == [0]


def test_only_local_speakers_heard_alone_are_embedded() -> None:
    from minutes.stages.diarize_segmentation import _alone_frames

    act = np.zeros((FRAMES, 3), np.uint8)
    act[:40, 0] = 1  # alone 0–4 s, then under speaker 1
    act[30:60, 1] = 1  # only ever heard over speaker 0 or 2
    act[40:90, 2] = 1  # alone 6–9 s
    masks = _alone_frames(act, min_alone=3)
    assert sorted(masks) == [0, 2]
    assert int(masks[0].sum()) == 30  # frames 0–29: the overlap is left out
    assert int(masks[2].sum()) == 30  # frames 60–89


def _voices(vectors: np.ndarray) -> object:
    from minutes.stages.diarize_segmentation import Voices

    n = len(vectors)
    seg = _segmentation(np.zeros((n, FRAMES, 3)), [float(i) for i in range(n)])
    owners = tuple((i, 0) for i in range(n))
    return Voices(seg, vectors, owners, np.full(n, 4.0), (SpeechRegion(0.0, n + 10.0),), n + 10.0)


def _pair_at(distance: float, rng: np.random.Generator, each: int = 6) -> np.ndarray:
    """Two tight voices whose centres are ``distance`` apart in cosine distance."""
    angle = np.arccos(1.0 - distance)
    a = np.zeros(16)
    a[0] = 1.0
    b = np.zeros(16)
    b[0], b[1] = np.cos(angle), np.sin(angle)
    rows = [v + 0.01 * rng.standard_normal(16) for v in (a, b) for _ in range(each)]
    return np.asarray(rows, dtype=np.float32)


def test_the_count_range_says_when_a_nearby_setting_would_change_the_count() -> None:
    from minutes.options import DiarizeOptions
    from minutes.pipeline import count_uncertainty
    from minutes.stages.diarize_segmentation import SegmentationDiarizer
    from minutes.stages.embed_campp import MERGE_DISTANCE as THRESHOLD
    from minutes.stages.speaker_encoder import SpeakerEncoder

    rng = np.random.default_rng(0)
    # Clustering reads only the encoder's merge distance; the network never runs here.
    encoder = SpeakerEncoder(
        lambda x: x, 16, "test", merge_distance=THRESHOLD, match_similarity=0.5
    )
    diarizer = SegmentationDiarizer(None, encoder, DiarizeOptions())  # type: ignore[arg-type]
    # Two voices far apart: two speakers at any nearby setting.
    steady = diarizer.count_range(_voices(_pair_at(0.8, rng)))  # type: ignore[arg-type]
    assert steady == (2, 2)
    assert count_uncertainty(2, steady) is None
    # Two voices right at the merge distance: one or two, depending on the setting.
    edge = diarizer.count_range(_voices(_pair_at(THRESHOLD, rng)))  # type: ignore[arg-type]
    assert edge == (1, 2)
    warning = count_uncertainty(2, edge)
    assert warning is not None
    assert "2 found, 1–2" in warning
    # A count the user gave has no range.
    fixed = SegmentationDiarizer(None, encoder, DiarizeOptions(num_speakers=2))  # type: ignore[arg-type]
    assert fixed.count_range(_voices(_pair_at(THRESHOLD, rng))) is None  # type: ignore[arg-type]
    assert count_uncertainty(2, None) is None

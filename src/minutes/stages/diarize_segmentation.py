"""Overlap-aware diarization: local segmentation, linked across chunks by voice embeddings.

The approach of pyannote's speaker-diarization pipelines, on our own stages:

1. segmentation-3.0 says, per 5-second chunk (one-second step), which of up to three
   local speakers talk in every ~17 ms frame, two at once where voices overlap;
2. each local speaker of every ``embed_every``-th chunk gets one voice embedding (CAM++
   unless another speaker model is configured) from the frames where it talks alone
   (one never heard alone is left to step 4);
3. those embeddings are clustered (the count estimated, or the user's bounds honoured);
   within a chunk, local speakers go to distinct clusters (Hungarian assignment);
4. chunks without embeddings are linked by agreeing with the frames already placed;
5. every frame takes as many speakers as the chunks covering it heard (on average),
   the most active ones — so overlapped speech gets two speakers.

Speech that the silero VAD found but the segmentation heard as silence gets the single
most likely speaker, so the transcript's words always have someone to belong to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from minutes.audio import Audio
from minutes.options import DiarizeOptions
from minutes.stages.base import Progress, no_progress
from minutes.stages.clustering import anchor, choose_threshold, cluster
from minutes.stages.diarize import one_speaker, speaker_id
from minutes.stages.segment_pyannote import LocalSegmentation, SegmentationModel
from minutes.stages.speaker_encoder import SpeakerEncoder
from minutes.types import SpeechRegion, Turn

# A count that changes within this distance of the threshold is uncertain: on the
# constructed meetings such counts were exact half the time, steady ones 80-90 %.
COUNT_MARGIN = 0.03
MIN_ALONE = 0.3  # seconds a local speaker must talk alone to be embedded (see _local_embeddings)
MIN_TURN = 0.1  # seconds; shorter runs of frames are dropped
# A turn this short that abuts another speaker's turn is boundary jitter between chunks,
# not a reply: it joins the neighbour (a real backchannel is set off by a pause or
# spoken over someone).
SLIVER = 0.3
TOUCH = 0.05


@dataclass(frozen=True, slots=True)
class Voices:
    """What segmentation and embedding found, before any clustering."""

    seg: LocalSegmentation
    vectors: np.ndarray  # one voice embedding per (chunk, local speaker) heard alone
    owners: tuple[tuple[int, int], ...]  # the (chunk, local speaker) of each vector
    seconds: np.ndarray  # how long each vector's voice was heard
    regions: tuple[SpeechRegion, ...]
    duration: float


class SegmentationDiarizer:
    """Speaker turns (overlaps allowed) from a segmentation model and a speaker encoder."""

    def __init__(
        self,
        segmenter: SegmentationModel,
        embedder: SpeakerEncoder,
        options: DiarizeOptions | None = None,
    ) -> None:
        self.segmenter = segmenter
        self.embedder = embedder
        self.options = options or DiarizeOptions()

    def diarize(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress = no_progress
    ) -> list[Turn]:
        if not regions:
            return []
        return self.speakers(self.voices(audio, regions, progress))

    def voices(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress = no_progress
    ) -> Voices:
        """Steps 1–2: segment the recording and embed the voices heard alone."""

        def seg_progress(_stage: str, done: float, total: float) -> None:
            progress("embed", 0.5 * done / max(total, 1.0), 1.0)

        opts = self.options
        seg = self.segmenter.segment(audio, opts.segmentation_step, seg_progress, regions)
        keys = _key_chunks(seg.num_chunks, opts.embed_every)
        vectors, owners, seconds = self._local_embeddings(audio, seg, keys, progress)
        return Voices(seg, vectors, tuple(owners), seconds, tuple(regions), audio.duration)

    def speakers(
        self,
        voices: Voices,
        threshold: float | None = None,
        prints: np.ndarray | None = None,
    ) -> list[Turn]:
        """Steps 3–5: cluster the voices into speakers and lay out their turns.

        ``threshold`` overrides the merge distance (the pipeline passes the one
        :meth:`threshold` chose; the benchmarks sweep it without segmenting and
        embedding again). ``prints``, the enrolled voices (one row each), keep two
        enrolled people apart and one enrolled person whole (clustering.anchor).
        """
        if not voices.owners:
            # Nothing long enough to recognise a voice by: one speaker holds all speech.
            return one_speaker(voices.regions)
        if threshold is None:
            threshold = self.threshold(voices)
        labels = self._labels(voices, threshold, prints)
        links = _link(voices.seg, voices.vectors, voices.owners, labels)
        return _turns(voices.seg, links, int(labels.max()) + 1, voices.regions, voices.duration)

    def threshold(self, voices: Voices) -> float:
        """The merge distance for this meeting: the options' when set, else the one near
        the speaker model's own that separates these voices best (clustering.choose_threshold)."""
        if self.options.threshold is not None:
            return self.options.threshold
        lo, hi = self.options.bounds
        return choose_threshold(
            voices.vectors,
            base=self.embedder.merge_distance,
            min_speakers=lo,
            max_speakers=hi,
            seconds=voices.seconds,
        )

    def count_range(
        self,
        voices: Voices,
        threshold: float | None = None,
        prints: np.ndarray | None = None,
    ) -> tuple[int, int] | None:
        """How many speakers clustering finds a little either side of the threshold
        (looser, stricter): equal when the count is steady, apart when a nearby setting
        would merge or split someone. None when the user gave the count."""
        if self.options.num_speakers is not None:
            return None
        if len(voices.owners) < 2:
            return (1, 1)
        if threshold is None:
            threshold = self.threshold(voices)
        looser, stricter = (
            int(self._labels(voices, t, prints).max()) + 1
            for t in (threshold + COUNT_MARGIN, threshold - COUNT_MARGIN)
        )
        return looser, stricter

    def _labels(self, voices: Voices, threshold: float, prints: np.ndarray | None) -> np.ndarray:
        """A speaker label per embedding: clustered at ``threshold``, then anchored."""
        lo, hi = self.options.bounds
        labels = cluster(
            voices.vectors,
            min_speakers=lo,
            max_speakers=hi,
            threshold=threshold,
            seconds=voices.seconds,
        )
        if prints is None or not len(prints):
            return labels
        return anchor(
            labels,
            voices.vectors,
            prints,
            min_speakers=lo,
            max_speakers=hi,
            seconds=voices.seconds,
        )

    def _local_embeddings(
        self,
        audio: Audio,
        seg: LocalSegmentation,
        keys: Sequence[int],
        progress: Progress,
    ) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
        """One embedding per (chunk, local speaker) heard talking alone in the key chunks.

        A local speaker heard only over someone else gives an embedding of two voices,
        which sits far from both and would be clustered as a speaker of its own; it is
        linked by agreement instead (``_link``). Only when no one in the recording is ever
        heard alone are such mixed stretches embedded, so there is still a voice to go by.
        """
        min_alone = int(MIN_ALONE / seg.frames.step)
        vectors: list[np.ndarray] = []
        owners: list[tuple[int, int]] = []
        seconds: list[float] = []
        mixed: list[int] = []  # key chunks with a local speaker never heard alone
        for i, c in enumerate(keys):
            progress("embed", 0.5 + 0.5 * i / max(len(keys), 1), 1.0)
            act = seg.active[c]
            if not act.any():
                continue
            masks = _alone_frames(act, min_alone)
            if len(masks) < int(act.any(axis=0).sum()):
                mixed.append(c)
            self._embed_chunk(audio, seg, c, masks, vectors, owners, seconds)
        if not vectors:
            for c in mixed:
                act = seg.active[c]
                masks = {k: act[:, k] == 1 for k in range(act.shape[1]) if act[:, k].any()}
                self._embed_chunk(audio, seg, c, masks, vectors, owners, seconds)
        progress("embed", 1.0, 1.0)
        if not vectors:
            return np.zeros((0, self.embedder.dimension), np.float32), [], np.zeros(0)
        return np.stack(vectors), owners, np.asarray(seconds)

    def _embed_chunk(
        self,
        audio: Audio,
        seg: LocalSegmentation,
        c: int,
        masks: dict[int, np.ndarray],
        vectors: list[np.ndarray],
        owners: list[tuple[int, int]],
        seconds: list[float],
    ) -> None:
        """Embed the frames ``masks`` picks for each local speaker of chunk ``c``."""
        if not masks:
            return
        start = float(seg.starts[c])
        feats = self.embedder.features(audio.slice(start, start + seg.chunk_seconds))
        # The segmentation frame each filterbank frame falls in.
        centres = seg.frames.centres(seg.active.shape[1])
        where = np.searchsorted(centres, self.embedder.frame_centres(len(feats)))
        where = np.clip(where, 0, len(centres) - 1)
        for k, mask in masks.items():
            v = self.embedder.embed(feats[mask[where]])
            if v is not None:
                vectors.append(v)
                owners.append((c, k))
                seconds.append(float(mask.sum()) * seg.frames.step)


def _alone_frames(act: np.ndarray, min_alone: int) -> dict[int, np.ndarray]:
    """For each local speaker heard alone for ``min_alone`` frames or more, those frames."""
    alone = act.sum(axis=1) == 1
    masks = {k: (act[:, k] == 1) & alone for k in range(act.shape[1])}
    return {k: m for k, m in masks.items() if m.sum() >= min_alone}


def _key_chunks(n: int, every: int) -> list[int]:
    keys = list(range(0, n, max(1, every)))
    if keys[-1] != n - 1:
        keys.append(n - 1)
    return keys


def _offsets(seg: LocalSegmentation) -> np.ndarray:
    return np.rint(seg.starts / seg.frames.step).astype(np.int64)


def _link(
    seg: LocalSegmentation,
    vectors: np.ndarray,
    owners: Sequence[tuple[int, int]],
    labels: np.ndarray,
) -> dict[int, list[tuple[int, int]]]:
    """(local speaker, global speaker) pairs for every chunk."""
    k_global = int(labels.max()) + 1
    centroids = np.stack([vectors[labels == g].mean(axis=0) for g in range(k_global)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    by_chunk: dict[int, list[int]] = {}
    for row, (c, _) in enumerate(owners):
        by_chunk.setdefault(c, []).append(row)

    links: dict[int, list[tuple[int, int]]] = {}
    n, nf, _ = seg.active.shape
    offsets = _offsets(seg)
    placed = np.zeros((int(offsets[-1]) + nf, k_global), np.float32)
    cover = np.zeros(len(placed), np.float32)
    for c, rows in by_chunk.items():
        sim = vectors[rows] @ centroids.T
        r, g = linear_sum_assignment(-sim)
        links[c] = [(owners[rows[i]][1], int(j)) for i, j in zip(r, g, strict=True)]
        for local, glob in links[c]:
            placed[offsets[c] : offsets[c] + nf, glob] += seg.active[c, :, local]
        cover[offsets[c] : offsets[c] + nf] += 1
    placed /= np.maximum(cover, 1.0)[:, None]

    # Local speakers without an embedding (other chunks, or too little speech) follow the
    # global speaker whose placed frames they agree with most.
    for c in range(n):
        done = links.get(c, [])
        act = seg.active[c].astype(np.float32)
        locals_ = [k for k in range(act.shape[1]) if act[:, k].any() and k not in dict(done)]
        free = [g for g in range(k_global) if g not in {glob for _, glob in done}]
        if not locals_ or not free:
            continue
        agree = act[:, locals_].T @ placed[offsets[c] : offsets[c] + nf, free]
        r, g = linear_sum_assignment(-agree)
        links[c] = done + [
            (locals_[i], free[j]) for i, j in zip(r, g, strict=True) if agree[i, j] > 0
        ]
    return links


def _turns(
    seg: LocalSegmentation,
    links: dict[int, list[tuple[int, int]]],
    k_global: int,
    regions: Sequence[SpeechRegion],
    duration: float,
) -> list[Turn]:
    """Aggregate the linked chunks frame by frame and cut the result into turns."""
    n, nf, _ = seg.active.shape
    offsets = _offsets(seg)
    total = int(offsets[-1]) + nf
    hard = np.zeros((total, k_global), np.float32)
    soft = np.zeros((total, k_global), np.float32)
    heard = np.zeros(total, np.float32)  # sum over chunks of how many spoke
    cover = np.zeros(total, np.float32)
    for c in range(n):
        span = slice(offsets[c], offsets[c] + nf)
        for local, glob in links.get(c, []):
            hard[span, glob] += seg.active[c, :, local]
            soft[span, glob] += seg.soft[c, :, local]
        heard[span] += seg.active[c].sum(axis=1)
        cover[span] += 1
    cover = np.maximum(cover, 1.0)
    hard /= cover[:, None]
    count = np.rint(heard / cover).astype(np.int64)

    times = seg.frames.centres(total)
    inside = np.zeros(total, bool)
    for r in regions:
        inside[(times >= r.start) & (times < r.end)] = True
    silent = inside & (count == 0)
    spoken = np.flatnonzero(count > 0)
    count[silent] = 1
    hard[silent] = soft[silent] / cover[silent, None]
    unsure = np.flatnonzero(silent & (hard.max(axis=1, initial=0.0) < 0.05))
    if len(unsure) and len(spoken):
        # No hint at all: the speaker of the nearest frame someone was heard in.
        after = np.clip(np.searchsorted(spoken, unsure), 0, len(spoken) - 1)
        before = np.clip(after - 1, 0, len(spoken) - 1)
        nearest = np.where(
            np.abs(spoken[before] - unsure) <= np.abs(spoken[after] - unsure),
            spoken[before],
            spoken[after],
        )
        hard[unsure] = 0.0
        hard[unsure, hard[nearest].argmax(axis=1)] = 1.0

    order = np.argsort(-hard, axis=1, kind="stable")
    on = np.zeros_like(hard, dtype=bool)
    for j in range(min(k_global, int(count.max(initial=0)))):
        rows = np.flatnonzero(count > j)
        on[rows, order[rows, j]] = True

    half = seg.frames.step / 2
    turns: list[Turn] = []
    for g in range(k_global):
        edges = np.diff(np.concatenate([[0], on[:, g].astype(np.int8), [0]]))
        for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            start = max(0.0, float(times[s] - half))
            end = min(duration, float(times[e - 1] + half))
            if end - start >= MIN_TURN:
                turns.append(Turn(start, end, str(g)))
    return _renumber(_absorb_slivers(sorted(turns, key=lambda t: (t.start, t.end))))


def _absorb_slivers(turns: list[Turn]) -> list[Turn]:
    """Give each sliver (see SLIVER) to the longest other-speaker turn it touches."""
    out = list(turns)  # sorted by start
    for i, t in enumerate(out):
        if t.end - t.start >= SLIVER:
            continue
        near = [o for o in out[max(0, i - 6) : i + 7] if o.speaker != t.speaker]
        if any(min(o.end, t.end) - max(o.start, t.start) > TOUCH for o in near):
            continue  # spoken over someone: a real overlap, kept
        touching = [
            o
            for o in near
            if o.end - o.start >= SLIVER
            and (abs(o.end - t.start) < TOUCH or abs(o.start - t.end) < TOUCH)
        ]
        if touching:
            out[i] = Turn(t.start, t.end, max(touching, key=lambda o: o.end - o.start).speaker)
    merged: list[Turn] = []
    last: dict[str, int] = {}  # speaker -> index of their latest turn in merged
    for t in out:
        j = last.get(t.speaker)
        if j is not None and t.start - merged[j].end < TOUCH:
            merged[j] = Turn(merged[j].start, max(merged[j].end, t.end), t.speaker)
        else:
            last[t.speaker] = len(merged)
            merged.append(t)
    return merged


def _renumber(turns: list[Turn]) -> list[Turn]:
    """Speaker ids by first appearance: SPEAKER_00 speaks first."""
    ids: dict[str, str] = {}
    for t in turns:
        ids.setdefault(t.speaker, speaker_id(len(ids)))
    return [Turn(t.start, t.end, ids[t.speaker]) for t in turns]

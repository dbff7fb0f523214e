"""Embedded speaker diarization: VAD regions → window embeddings → clusters → turns."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from minutes.audio import Audio
from minutes.options import DiarizeOptions
from minutes.stages.base import Progress, no_progress
from minutes.stages.clustering import cluster
from minutes.stages.embed_resemblyzer import ResemblyzerEmbedder, Windows
from minutes.types import SpeechRegion, Turn

THRESHOLD = 0.4  # cosine distance at which resemblyzer window clusters stop merging


def speaker_id(index: int) -> str:
    """Stable speaker ids: SPEAKER_00, SPEAKER_01, ... (pyannote/WhisperX convention)."""
    return f"SPEAKER_{index:02d}"


def one_speaker(regions: Sequence[SpeechRegion]) -> list[Turn]:
    """All speech given to a single speaker (too little to tell voices apart, or asked)."""
    return [Turn(r.start, r.end, speaker_id(0)) for r in regions]


class EmbeddingDiarizer:
    """Clusters sliding-window voice embeddings; each window's centre owns its time."""

    def __init__(self, embedder: ResemblyzerEmbedder, options: DiarizeOptions | None = None):
        self.embedder = embedder
        self.options = options or DiarizeOptions()

    def diarize(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress = no_progress
    ) -> list[Turn]:
        opts = self.options
        if not regions:
            return []
        windows = self.embedder.windows(audio, regions, opts.window, opts.step, progress)
        if len(windows) == 0:
            # Speech too short to embed: one speaker holds all of it.
            return one_speaker(regions)
        lo, hi = opts.bounds
        threshold = opts.threshold if opts.threshold is not None else THRESHOLD
        labels = cluster(windows.vectors, min_speakers=lo, max_speakers=hi, threshold=threshold)
        return turns_from_windows(windows, labels, regions)


def turns_from_windows(
    windows: Windows, labels: np.ndarray, regions: Sequence[SpeechRegion]
) -> list[Turn]:
    """Split every region among the windows inside it at the midpoints between centres."""
    centres = windows.times.mean(axis=1)
    turns: list[Turn] = []
    order = np.argsort(centres, kind="stable")
    centres, labels = centres[order], labels[order]
    j = 0
    for r in regions:
        inside: list[tuple[float, int]] = []
        while j < len(centres) and centres[j] < r.end:
            if centres[j] >= r.start:
                inside.append((float(centres[j]), int(labels[j])))
            j += 1
        if not inside:
            # Too short to embed: give it to the nearest window's speaker.
            mid = (r.start + r.end) / 2
            k = int(np.argmin(np.abs(centres - mid)))
            inside = [(mid, int(labels[k]))]
        bounds = [r.start] + [(a[0] + b[0]) / 2 for a, b in itertools.pairwise(inside)] + [r.end]
        for (_, lab), s, e in zip(inside, bounds, bounds[1:], strict=False):
            _append(turns, Turn(s, e, speaker_id(lab)))
    return turns


def _append(turns: list[Turn], t: Turn) -> None:
    if turns and turns[-1].speaker == t.speaker and t.start - turns[-1].end < 1e-6:
        turns[-1] = Turn(turns[-1].start, t.end, t.speaker)
    elif t.end > t.start:
        turns.append(t)

"""Voice activity detection with Silero VAD v6 (ONNX, from faster-whisper's assets).

Probabilities are scored block by block so memory stays flat on long meetings; the
regions are then found with hysteresis over the whole probability track.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minutes.audio import SAMPLE_RATE, Audio
from minutes.options import VadOptions
from minutes.stages.base import Progress, no_progress
from minutes.types import SpeechRegion

WINDOW = 512  # samples per Silero frame at 16 kHz (32 ms)
FRAME = WINDOW / SAMPLE_RATE


class SileroVad:
    """Silero VAD adapter: ``detect(audio)`` returns speech regions."""

    def __init__(self, model_path: Path, options: VadOptions | None = None) -> None:
        from faster_whisper.vad import SileroVADModel

        self.options = options or VadOptions()
        self._model = SileroVADModel(str(model_path))

    def probabilities(self, audio: Audio, progress: Progress = no_progress) -> np.ndarray:
        """Speech probability per 32 ms frame over the whole recording."""
        block = int(self.options.block * SAMPLE_RATE) // WINDOW * WINDOW
        out: list[np.ndarray] = []
        n = len(audio.samples)
        for a in range(0, n, block):
            x = np.array(audio.samples[a : a + block], dtype=np.float32)
            pad = (-len(x)) % WINDOW
            if pad:
                x = np.pad(x, (0, pad))
            out.append(np.asarray(self._model(x), dtype=np.float32).reshape(-1))
            progress("vad", min(n, a + block) / SAMPLE_RATE, n / SAMPLE_RATE)
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def detect(self, audio: Audio, progress: Progress = no_progress) -> list[SpeechRegion]:
        probs = self.probabilities(audio, progress)
        return regions_from_probabilities(probs, audio.duration, self.options)


def regions_from_probabilities(
    probs: np.ndarray, duration: float, options: VadOptions
) -> list[SpeechRegion]:
    """Hysteresis thresholding, short-gap merging, minimum length, padding."""
    raw: list[tuple[float, float]] = []
    active = False
    start = 0.0
    for i, p in enumerate(probs):
        t = i * FRAME
        if not active and p >= options.threshold:
            active, start = True, t
        elif active and p < options.neg_threshold:
            active = False
            raw.append((start, t))
    if active:
        raw.append((start, len(probs) * FRAME))

    merged: list[list[float]] = []
    for s, e in raw:
        if merged and s - merged[-1][1] < options.min_silence:
            merged[-1][1] = e
        else:
            merged.append([s, e])

    regions: list[SpeechRegion] = []
    for a, b in merged:
        if b - a < options.min_speech:
            continue
        s, e = max(0.0, a - options.pad), min(duration, b + options.pad)
        if regions and s <= regions[-1].end:
            regions[-1] = SpeechRegion(regions[-1].start, e)
        elif e > s:
            regions.append(SpeechRegion(s, e))
    return regions

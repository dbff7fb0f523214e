"""Kaldi log-mel filterbanks (80 bins, 25/10 ms, no dither): what speaker encoders read.

3D-Speaker's models (CAM++) were trained on Kaldi's default Povey window, WeSpeaker's on
a Hamming window; both otherwise use the same features. They are computed here with
vectorised NumPy: the same numbers as kaldi-native-fbank (within 3e-4 in log energy,
tested) at a sixth of its time, which was a quarter of all diarization time.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import scipy.fft

from minutes.audio import SAMPLE_RATE

Window = Literal["povey", "hamming"]
WINDOWS: tuple[Window, ...] = ("povey", "hamming")

FRAME_SHIFT = 0.01  # seconds between filterbank frames
FRAME_LENGTH = 0.025
_SHIFT = int(FRAME_SHIFT * SAMPLE_RATE)
_LENGTH = int(FRAME_LENGTH * SAMPLE_RATE)
_FFT = 512  # the frame padded to a power of two, as Kaldi does
PREEMPHASIS = 0.97
LOW_HZ = 20.0  # Kaldi's default lowest mel bin edge
FEATURES = 80


def fbank(samples: np.ndarray, window: Window = "povey") -> np.ndarray:
    """Log-mel filterbanks, frames × 80; frame ``i`` is centred at 12.5 ms + i × 10 ms."""
    # Kaldi's features expect 16-bit sample values; the scale only shifts log energies.
    x = np.asarray(samples, np.float32) * np.float32(32768.0)
    n = 1 + (len(x) - _LENGTH) // _SHIFT if len(x) >= _LENGTH else 0
    if n == 0:
        return np.zeros((0, FEATURES), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, _LENGTH)[::_SHIFT][:n]
    frames = frames - frames.mean(axis=1, keepdims=True)  # DC offset, per frame
    emphasised = np.empty_like(frames)
    emphasised[:, 1:] = frames[:, 1:] - PREEMPHASIS * frames[:, :-1]
    emphasised[:, 0] = frames[:, 0] * (1.0 - PREEMPHASIS)
    emphasised *= _window(window)
    spectrum = scipy.fft.rfft(emphasised, _FFT, axis=1)[:, : _FFT // 2]
    power = spectrum.real**2 + spectrum.imag**2
    energies = power @ _mel_banks()
    return np.asarray(np.log(np.maximum(energies, np.finfo(np.float32).eps)), np.float32)


def frame_centres(n: int) -> np.ndarray:
    """The time (seconds) at the centre of each of ``n`` filterbank frames."""
    return FRAME_LENGTH / 2 + np.arange(n) * FRAME_SHIFT


@functools.cache
def _window(kind: Window) -> np.ndarray:
    n = np.arange(_LENGTH)
    if kind == "hamming":
        return (0.54 - 0.46 * np.cos(2 * np.pi * n / (_LENGTH - 1))).astype(np.float32)
    if kind == "povey":
        return ((0.5 - 0.5 * np.cos(2 * np.pi * n / (_LENGTH - 1))) ** 0.85).astype(np.float32)
    raise ValueError(f"unknown filterbank window {kind!r}; use one of {', '.join(WINDOWS)}")


@functools.cache
def _mel_banks() -> np.ndarray:
    """Kaldi's triangular mel filters over the FFT bins below Nyquist: (256, 80)."""

    def mel(f: np.ndarray | float) -> np.ndarray:
        return 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)

    lo, hi = mel(LOW_HZ), mel(SAMPLE_RATE / 2)
    edges = lo + (hi - lo) / (FEATURES + 1) * np.arange(FEATURES + 2)
    m = mel(np.arange(_FFT // 2) * SAMPLE_RATE / _FFT)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    weights = np.maximum(
        0.0, np.minimum((m - left) / (centre - left), (right - m) / (right - centre))
    )
    return np.ascontiguousarray(weights.T, dtype=np.float32)

"""Speaker-model features: our vectorised filterbank gives Kaldi's numbers
(kaldi-native-fbank), with the Povey window CAM++ was trained on and WeSpeaker's Hamming."""

from __future__ import annotations

import kaldi_native_fbank as knf
import numpy as np
import pytest

from minutes.stages.fbank import FEATURES, WINDOWS, Window, fbank


def kaldi(samples: np.ndarray, window: Window = "povey") -> np.ndarray:
    opts = knf.FbankOptions()
    opts.frame_opts.samp_freq = 16000
    opts.frame_opts.dither = 0.0
    opts.frame_opts.window_type = window
    opts.mel_opts.num_bins = FEATURES
    fbank = knf.OnlineFbank(opts)
    fbank.accept_waveform(16000, np.asarray(samples, np.float32) * 32768.0)
    fbank.input_finished()
    n = fbank.num_frames_ready
    return np.array([fbank.get_frame(i) for i in range(n)], np.float32).reshape(n, FEATURES)


def _signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    t = np.arange(48000) / 16000
    sweep = 0.3 * np.sin(2 * np.pi * (100 + 1500 * t) * t)
    voiced = sum(0.1 / k * np.sin(2 * np.pi * 140 * k * t) for k in range(1, 20))
    return {
        "noise": 0.05 * rng.standard_normal(32000),
        "sweep": sweep,
        "voiced": voiced * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
        + 0.001 * rng.standard_normal(len(t)),
        "quiet": 1e-4 * rng.standard_normal(16000),
        "silence": np.zeros(8000),
        "one frame": 0.1 * rng.standard_normal(400),
        "odd length": 0.1 * rng.standard_normal(16000 + 237),
    }


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("name", list(_signals()))
def test_features_match_kaldi(name: str, window: Window) -> None:
    x = _signals()[name].astype(np.float32)
    ours, theirs = fbank(x, window), kaldi(x, window)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    # float32 resolves about seven digits of power: bins more than 1e-7 below a frame's
    # loudest (a pure tone's empty bands, never speech) are rounding noise in both.
    audible = theirs > theirs.max(axis=1, keepdims=True) - 16.0
    assert np.abs(ours - theirs)[audible].max() < 1e-3


def test_too_short_for_one_frame() -> None:
    assert fbank(np.zeros(399, np.float32)).shape == (0, FEATURES)
    assert fbank(np.zeros(0, np.float32)).shape == (0, FEATURES)


def test_the_windows_differ() -> None:
    # Were the window ignored, a WeSpeaker model would silently get CAM++'s features.
    x = _signals()["voiced"].astype(np.float32)
    assert np.abs(fbank(x, "povey") - fbank(x, "hamming")).max() > 0.01


def test_an_unknown_window_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown filterbank window 'hann'"):
        fbank(np.zeros(16000, np.float32), "hann")  # type: ignore[arg-type]

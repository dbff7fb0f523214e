"""Decoding: every common container, odd rates and channels, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from minutes.audio import SAMPLE_RATE, Audio, decode
from minutes.errors import AudioDecodeError, EmptyAudioError, InputError

from media import encode, tone


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".m4a", ".ogg", ".webm", ".mp4"])
def test_decodes_common_containers_to_16k_mono(tmp_path: Path, suffix: str) -> None:
    signal = tone(2.0, 440.0)
    path = encode(tmp_path / f"clip{suffix}", signal, video=suffix == ".mp4")
    audio = decode(path)
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert audio.duration == pytest.approx(2.0, abs=0.1)
    # The tone survives decoding: its spectrum peaks at 440 Hz.
    spectrum = np.abs(np.fft.rfft(audio.samples[:16000]))
    assert np.argmax(spectrum) == pytest.approx(440, abs=3)


def test_8khz_telephone_audio_is_resampled(tmp_path: Path) -> None:
    path = encode(tmp_path / "phone.wav", tone(1.5, 300.0, sample_rate=8000), sample_rate=8000)
    audio = decode(path)
    assert audio.duration == pytest.approx(1.5, abs=0.01)
    spectrum = np.abs(np.fft.rfft(audio.samples[:16000]))
    assert np.argmax(spectrum) == pytest.approx(300, abs=3)


def test_48khz_multichannel_is_mixed_down(tmp_path: Path) -> None:
    path = encode(tmp_path / "room.wav", tone(1.0, 500.0, 48000), sample_rate=48000, channels=6)
    audio = decode(path)
    assert audio.samples.ndim == 1
    assert audio.duration == pytest.approx(1.0, abs=0.01)
    assert np.abs(audio.samples).max() > 0.05


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        decode(tmp_path / "nope.wav")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        decode(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    with pytest.raises(EmptyAudioError, match="empty"):
        decode(p)


def test_not_audio(tmp_path: Path) -> None:
    p = tmp_path / "notes.mp3"
    p.write_text("these are the minutes of the last meeting, not a recording\n" * 50)
    with pytest.raises(AudioDecodeError, match=r"notes\.mp3"):
        decode(p)


def test_zero_length_audio(tmp_path: Path) -> None:
    from minutes.synth import write_wav

    path = tmp_path / "zero.wav"
    write_wav(str(path), np.zeros(0, dtype=np.float32))  # a valid header, no samples
    with pytest.raises(EmptyAudioError, match="no audio"):
        decode(path)


def test_truncated_file_keeps_what_decoded(tmp_path: Path) -> None:
    full = encode(tmp_path / "full.mp3", tone(4.0))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    audio = decode(cut)
    assert 1.0 < audio.duration < 3.5


def test_garbage_after_header_is_a_clear_error(tmp_path: Path) -> None:
    full = encode(tmp_path / "x.m4a", tone(2.0))
    data = bytearray(full.read_bytes())
    data[64:] = bytes(len(data) - 64)  # wipe everything after the header
    bad = tmp_path / "bad.m4a"
    bad.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"bad\.m4a"):
        decode(bad)


def test_hostile_and_unicode_file_names(tmp_path: Path) -> None:
    name = "會議 錄音 -- $(rm -rf) ; 'quote'.wav"
    path = encode(tmp_path / name, tone(0.5))
    assert decode(path).duration == pytest.approx(0.5, abs=0.01)


def test_stream_input(tmp_path: Path) -> None:
    path = encode(tmp_path / "s.flac", tone(1.0))
    with path.open("rb") as f:
        audio = decode(f, name="upload.flac")
    assert audio.source == "upload.flac"
    assert audio.duration == pytest.approx(1.0, abs=0.01)


def test_long_audio_lives_in_a_temporary_file(tmp_path: Path) -> None:
    # 6 minutes of quiet tone: over the spill limit, so it lives in a temporary file.
    from minutes.audio import PcmFile

    signal = tone(360.0, amp=0.01)
    path = encode(tmp_path / "long.flac", signal)
    audio = decode(path)
    assert isinstance(audio.samples, PcmFile)
    assert audio.duration == pytest.approx(360.0, abs=0.05)
    assert audio.slice(100.0, 101.0).shape == (16000,)
    np.testing.assert_allclose(audio.slice(100.0, 101.0), signal[1_600_000:1_616_000], atol=1e-3)
    assert np.asarray(audio.samples).shape == (len(audio.samples),)
    assert len(audio.samples[len(audio.samples) - 10 : len(audio.samples) + 10]) == 10


def test_from_array_resamples_and_mixes() -> None:
    stereo = np.stack([tone(1.0, 440, 44100), tone(1.0, 440, 44100)])
    audio = Audio.from_array(stereo, 44100)
    assert audio.duration == pytest.approx(1.0, abs=0.01)


def test_slice_clamps() -> None:
    audio = Audio.from_array(tone(1.0))
    assert len(audio.slice(-5, 0.5)) == 8000
    assert len(audio.slice(0.9, 99)) == 1600
    assert len(audio.slice(2, 3)) == 0

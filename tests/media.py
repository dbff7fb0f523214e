"""Test media made in code: encode a signal into any container with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# container suffix -> (format name, audio codec, sample format)
CODECS = {
    ".wav": ("wav", "pcm_s16le", "s16"),
    ".flac": ("flac", "flac", "s16"),
    ".mp3": ("mp3", "libmp3lame", "fltp"),
    ".m4a": ("ipod", "aac", "fltp"),
    ".ogg": ("ogg", "libopus", "flt"),
    ".opus": ("ogg", "libopus", "flt"),
    ".webm": ("webm", "libopus", "flt"),
    ".mp4": ("mp4", "aac", "fltp"),
}


def encode(
    path: Path,
    samples: np.ndarray,
    sample_rate: int = 16000,
    channels: int = 1,
    video: bool = False,
) -> Path:
    """Write ``samples`` (mono float32) to ``path``; the suffix picks the container."""
    fmt, codec, sample_fmt = CODECS[path.suffix]
    rate = 48000 if codec == "libopus" else sample_rate
    x = np.asarray(samples, dtype=np.float32)
    if rate != sample_rate:
        from scipy.signal import resample_poly

        g = np.gcd(rate, sample_rate)
        x = resample_poly(x, rate // g, sample_rate // g).astype(np.float32)
    layout = "mono" if channels == 1 else "stereo" if channels == 2 else f"{channels}.0"
    if channels > 2:
        layout = {4: "quad", 6: "5.1"}[channels]
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = layout
        vstream = None
        if video:
            vstream = out.add_stream("mpeg4", rate=10)
            vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        frame_len = 1024
        pts = 0
        for a in range(0, len(x), frame_len):
            block = x[a : a + frame_len]
            data = (
                np.tile(block, (channels, 1))
                if sample_fmt.endswith("p")
                else np.tile(block[:, None], (1, channels)).reshape(1, -1)
            )
            if sample_fmt == "s16":
                data = (np.clip(data, -1, 1) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(data, format=sample_fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += len(block)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if vstream is not None:
            for i in range(int(len(x) / rate * 10)):
                img = np.zeros((48, 64, 3), dtype=np.uint8)
                vf = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
                vf.pts = i
                for packet in vstream.encode(vf):
                    out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)
    return path


def tone(
    seconds: float, freq: float = 440.0, sample_rate: int = 16000, amp: float = 0.3
) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def music(seconds: float, sample_rate: int = 16000) -> np.ndarray:
    """Chords with a beat: tonal, rhythmic, and no words at all."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0, 523.3))
    beat = 0.5 + 0.5 * (np.sin(2 * np.pi * 2 * t) > 0)
    return (0.08 * chord * beat).astype(np.float32)

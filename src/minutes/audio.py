"""Decoding any container to 16 kHz mono float32, and reading it back in slices.

Decoding is streamed with PyAV: packets are decoded and resampled one frame at a time.
Long recordings are spilled to an unlinked temporary file that stages read slice by
slice (``pread``, not a memory map, whose touched pages would count against the process
for as long as it lives), so peak memory does not grow with the length of a meeting.
"""

from __future__ import annotations

import os
import re
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from minutes.errors import AudioDecodeError, EmptyAudioError, InputError

if TYPE_CHECKING:
    from av.container import InputContainer

SAMPLE_RATE = 16_000
# Above this many seconds decoded audio goes to a memory-mapped temporary file.
SPILL_SECONDS = 300.0
_SPILL_SAMPLES = int(SPILL_SECONDS * SAMPLE_RATE)


class PcmFile:
    """Float32 samples in an unlinked temporary file, read back by slicing.

    Behaves like a read-only 1-D array for the few things stages do with samples:
    ``len()``, ``[a:b]`` (a fresh ndarray) and ``np.asarray()`` (the whole signal).
    """

    ndim = 1
    dtype = np.dtype(np.float32)

    def __init__(self, file: BinaryIO, count: int) -> None:
        self._file = file  # kept open: the data lives as long as this object
        self._count = count
        # Close (and so free) the unlinked file when the samples are no longer used.
        weakref.finalize(self, file.close)

    def __len__(self) -> int:
        return self._count

    @property
    def shape(self) -> tuple[int]:
        return (self._count,)

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("PcmFile supports contiguous slices only")
        a, b, _ = key.indices(self._count)
        if b <= a:
            return np.zeros(0, dtype=np.float32)
        data = os.pread(self._file.fileno(), (b - a) * 4, a * 4)
        return np.frombuffer(data, dtype=np.float32).copy()

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        whole = self[0 : self._count]
        return whole if dtype is None else whole.astype(dtype)


@dataclass(frozen=True, slots=True, eq=False)
class Audio:
    """Mono float32 samples at 16 kHz; long recordings live in a :class:`PcmFile`."""

    samples: np.ndarray | PcmFile
    sample_rate: int = SAMPLE_RATE
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def slice(self, start: float, end: float) -> np.ndarray:
        """A float32 copy of the samples between two times (clamped to the recording)."""
        a = max(0, round(start * self.sample_rate))
        b = min(len(self.samples), round(end * self.sample_rate))
        return np.array(self.samples[a : max(a, b)], dtype=np.float32)

    def blocks(self, seconds: float) -> Iterator[tuple[float, np.ndarray]]:
        """Consecutive (start time, samples) blocks of at most ``seconds`` each."""
        step = max(1, int(seconds * self.sample_rate))
        for a in range(0, len(self.samples), step):
            yield a / self.sample_rate, np.array(self.samples[a : a + step], dtype=np.float32)

    @classmethod
    def from_array(cls, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Audio:
        """Wrap an in-memory signal, resampling it to 16 kHz mono when needed."""
        x = np.asarray(samples, dtype=np.float32)
        if x.ndim == 2:
            x = x.mean(axis=0 if x.shape[0] < x.shape[1] else 1)
        if sample_rate != SAMPLE_RATE:
            from scipy.signal import resample_poly

            g = np.gcd(int(sample_rate), SAMPLE_RATE)
            x = resample_poly(x, SAMPLE_RATE // g, int(sample_rate) // g).astype(np.float32)
        return cls(samples=x)


class _Sink:
    """Collects decoded chunks in memory, moving them to a temporary file once long."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self.count = 0
        self._file: BinaryIO | None = None

    def add(self, chunk: np.ndarray) -> None:
        self.count += len(chunk)
        if self._file is None:
            self._chunks.append(chunk)
            if self.count > _SPILL_SAMPLES:
                self._file = tempfile.TemporaryFile(prefix="minutes-audio-")  # noqa: SIM115
                for c in self._chunks:
                    self._file.write(c.tobytes())
                self._chunks = []
        else:
            self._file.write(chunk.tobytes())

    def finish(self) -> np.ndarray | PcmFile:
        if self._file is None:
            if not self._chunks:
                return np.zeros(0, dtype=np.float32)
            return np.concatenate(self._chunks)
        self._file.flush()
        return PcmFile(self._file, self.count)


def decode(source: str | Path | BinaryIO, *, name: str | None = None) -> Audio:
    """Decode a file path or binary stream of any common container/codec to :class:`Audio`.

    Raises :class:`InputError` subclasses naming the input and the problem; a file that
    breaks off part-way keeps what decoded and records a warning.
    """
    import av

    label = name or (str(source) if isinstance(source, (str, Path)) else "upload")
    opened = _check_path(source, label) if isinstance(source, (str, Path)) else source

    container = _open(opened, label)

    warnings: list[str] = []
    sink = _Sink()
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(f"{label}: the file has no audio track.")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    sink.add(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except (av.FFmpegError, ValueError) as e:
            if sink.count == 0:
                raise AudioDecodeError(
                    f"{label}: the audio is corrupt and could not be decoded ({_reason(e)})."
                ) from e
            warnings.append(
                f"decoding stopped early at {sink.count / SAMPLE_RATE:.1f} s ({_reason(e)}); "
                "the file looks truncated"
            )
        for out in resampler.resample(None):
            sink.add(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))

    samples = sink.finish()
    if len(samples) == 0:
        raise EmptyAudioError(f"{label}: the recording contains no audio samples.")
    return Audio(samples=samples, source=label, warnings=tuple(warnings))


def _check_path(source: str | Path, label: str) -> str:
    path = Path(source)
    if not path.exists():
        raise InputError(f"{label}: no such file. Check the path and try again.")
    if path.is_dir():
        raise InputError(f"{label}: is a directory; pass one recording file.")
    if path.stat().st_size == 0:
        raise EmptyAudioError(f"{label}: the file is empty (0 bytes).")
    return str(path)


def _open(opened: str | BinaryIO, label: str) -> InputContainer:
    """The media container, or an error that says the file is not a recording."""
    import av

    try:
        return av.open(opened, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as e:
        raise AudioDecodeError(
            f"{label}: not a recording minutes can read ({_reason(e)}). "
            "Use an audio or video file such as WAV, FLAC, MP3, M4A, OGG, WebM or MP4."
        ) from e


def _reason(e: BaseException) -> str:
    # FFmpeg's message names the file it opened (a server-side path for uploads) and
    # an errno number; the user already knows which file, so keep only the reason.
    if getattr(e, "strerror", None):
        return str(e.strerror)[:200]  # type: ignore[attr-defined]
    text = str(e).strip() or type(e).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text.splitlines()[0])
    return re.sub(r":\s*'[^']*'$", "", text)[:200]


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a quick look at a recording found: its container and length."""

    format: str
    duration: float | None
    codec: str


def probe(path: str | Path, *, name: str | None = None, decode_seconds: float = 2.0) -> MediaInfo:
    """Check that a file really is decodable audio by decoding its first seconds.

    Cheap enough for an upload handler (the whole file is not read). Raises the same
    errors as :func:`decode` for files that are not media or hold no audio.
    """
    import av

    label = name or str(path)
    opened = _check_path(path, label)
    container = _open(opened, label)
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(f"{label}: the file has no audio track.")
        stream = container.streams.audio[0]
        decoded = 0.0
        try:
            for frame in container.decode(stream):
                decoded += frame.samples / max(frame.sample_rate or SAMPLE_RATE, 1)
                if decoded >= decode_seconds:
                    break
        except (av.FFmpegError, ValueError) as e:
            if decoded == 0.0:
                raise AudioDecodeError(
                    f"{label}: the audio is corrupt and could not be decoded ({_reason(e)})."
                ) from e
        if decoded == 0.0:
            raise EmptyAudioError(f"{label}: the recording contains no audio samples.")
        duration = None
        if container.duration:
            duration = container.duration / 1_000_000  # av.time_base
        elif stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        return MediaInfo(
            format=str(container.format.name).split(",")[0],
            duration=duration,
            codec=str(stream.codec_context.name),
        )

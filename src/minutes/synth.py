"""Speech synthesis with espeak-ng (via ``espeakng-loader``) for demos and tests.

Generated meetings have known text, known speakers and exact turn times, so the
whole pipeline can be checked anywhere without third-party recordings.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minutes.audio import SAMPLE_RATE
from minutes.errors import MinutesError

# espeak-ng's noise generator seed, fixed so a line sounds the same every run. Any value
# works for tests; 6 is one of the eight tried under which Whisper base's readings of the
# demo's (unintelligible) Cantonese lines are harmless nonsense rather than rude words.
_SEED = 6


@dataclass(frozen=True, slots=True)
class Voice:
    """An espeak-ng voice (``yue``, ``cmn``, ``en`` + variant such as ``+f2``)."""

    name: str
    rate: int = 160  # words per minute
    pitch: int = 50  # 0..100


@dataclass(frozen=True, slots=True)
class Line:
    """One scripted turn of a generated meeting."""

    speaker: str
    voice: Voice
    language: str  # yue | zh | en
    text: str
    pause: float = 0.6  # seconds of silence before this line
    overlap: float = 0.0  # seconds this line starts before the previous one ends


@dataclass(frozen=True, slots=True)
class RenderedLine:
    speaker: str
    language: str
    text: str
    start: float
    end: float


class Espeak:
    """espeak-ng in a helper process (``minutes.espeak_worker``) that speaks every line
    from the same starting state, so a line sounds the same whatever was spoken before
    it. Calls are serialised with a lock."""

    def __init__(self) -> None:
        try:
            import espeakng_loader  # noqa: F401  (the worker needs it)
        except ImportError as e:  # pragma: no cover - a declared dependency
            raise MinutesError("espeakng-loader is not installed; run `make setup`.") from e
        self._lock = threading.Lock()
        self._worker = subprocess.Popen(
            [sys.executable, "-m", "minutes.espeak_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        # The worker is ours alone: stop it with this object or at exit, whichever first.
        self._stop = weakref.finalize(self, _stop_worker, self._worker)
        rate = self._read_int()
        if rate <= 0:
            self._stop()
            raise MinutesError("espeak-ng failed to initialise (its data directory is missing).")
        self.sample_rate = rate

    def _read_int(self) -> int:
        assert self._worker.stdout is not None
        head = self._worker.stdout.read(8)
        if len(head) != 8:
            raise MinutesError("The espeak-ng helper process stopped unexpectedly.")
        return int(struct.unpack("<q", head)[0])

    def speak(self, text: str, voice: Voice) -> np.ndarray:
        """``text`` spoken by ``voice`` as 16 kHz mono float32."""
        from scipy.signal import resample_poly

        request = {
            "text": text,
            "voice": voice.name,
            "rate": voice.rate,
            "pitch": voice.pitch,
            "seed": _SEED,
        }
        with self._lock:
            assert self._worker.stdin is not None
            assert self._worker.stdout is not None
            try:
                self._worker.stdin.write((json.dumps(request) + "\n").encode())
                self._worker.stdin.flush()
            except OSError as e:
                raise MinutesError("The espeak-ng helper process stopped unexpectedly.") from e
            n = self._read_int()
            raw = self._worker.stdout.read(n)
        if not raw:
            raise MinutesError(f"espeak-ng could not speak with voice {voice.name!r}.")
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        g = np.gcd(self.sample_rate, SAMPLE_RATE)
        y = resample_poly(x, SAMPLE_RATE // g, self.sample_rate // g)
        return np.asarray(y, dtype=np.float32)

    def close(self) -> None:
        """Stop the helper process (also done when the object is collected)."""
        self._stop()


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.stdin is not None:
        with contextlib.suppress(OSError):
            worker.stdin.close()
    try:
        worker.wait(timeout=5)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    if worker.stdout is not None:
        worker.stdout.close()


def render_meeting(
    lines: Sequence[Line], engine: Espeak | None = None, lead: float = 0.5, tail: float = 0.5
) -> tuple[np.ndarray, list[RenderedLine]]:
    """Mix scripted lines into one signal; return it with the exact reference timing.

    Overlapping lines are summed, so overlapped speech is real overlap.
    """
    engine = engine or Espeak()
    clips = [engine.speak(line.text, line.voice) for line in lines]
    placed: list[tuple[int, np.ndarray]] = []
    ref: list[RenderedLine] = []
    cursor = lead
    for line, clip in zip(lines, clips, strict=True):
        trimmed = _trim(clip)
        start = max(0.0, cursor + line.pause - line.overlap) if ref else cursor
        end = start + len(trimmed) / SAMPLE_RATE
        placed.append((round(start * SAMPLE_RATE), trimmed))
        ref.append(RenderedLine(line.speaker, line.language, line.text, start, end))
        cursor = max(cursor, end)
    total = round((cursor + tail) * SAMPLE_RATE)
    mix = np.zeros(total, dtype=np.float32)
    for a, clip in placed:
        mix[a : a + len(clip)] += clip
    peak = float(np.max(np.abs(mix))) if len(mix) else 0.0
    if peak > 0.99:
        mix *= 0.99 / peak
    return mix, ref


def _trim(x: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """Cut espeak's leading and trailing silence so reference times are exact."""
    loud = np.flatnonzero(np.abs(x) > floor)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def write_wav(path: str, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit PCM WAV (for demos and test inputs)."""
    import wave

    pcm = np.clip(samples, -1.0, 1.0)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes((pcm * 32767).astype("<i2").tobytes())

"""Speech synthesis with espeak-ng (via ``espeakng-loader``) for demos and tests.

Generated meetings have known text, known speakers and exact turn times, so the
whole pipeline can be checked anywhere without third-party recordings.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from minutes.audio import SAMPLE_RATE
from minutes.errors import MinutesError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _PITCH = 1, 3
# espeak-ng's noise generator seed, fixed so a line sounds the same every run. Any value
# works for tests; 6 is one of the eight tried under which Whisper base's readings of the
# demo's (unintelligible) Cantonese lines are harmless nonsense rather than rude words.
_SEED = 6
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


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
    """A handle on the espeak-ng shared library. The library is process-global; calls are
    serialised with a lock."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as e:  # pragma: no cover - a declared dependency
            raise MinutesError("espeakng-loader is not installed; run `make setup`.") from e
        self._lib: Any = ctypes.CDLL(espeakng_loader.get_library_path())
        rate = self._lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS,
            0,
            espeakng_loader.get_data_path().encode(),
            _INITIALIZE_DONT_EXIT,
        )
        if rate <= 0:
            raise MinutesError("espeak-ng failed to initialise (its data directory is missing).")
        self.sample_rate = int(rate)
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # keep a reference: C holds the pointer
        self._lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, n: int, _events: Any) -> int:
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    def speak(self, text: str, voice: Voice) -> np.ndarray:
        """``text`` spoken by ``voice`` as 16 kHz mono float32."""
        from scipy.signal import resample_poly

        with self._lock:
            self._chunks = []
            if self._lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise MinutesError(f"espeak-ng has no voice {voice.name!r}.")
            self._lib.espeak_SetParameter(_RATE, voice.rate, 0)
            self._lib.espeak_SetParameter(_PITCH, voice.pitch, 0)
            # espeak-ng draws noise from its own generator; a fixed seed per call makes
            # the same line sound the same every time, so tests and the demo repeat.
            self._lib.espeak_ng_SetRandSeed(ctypes.c_long(_SEED))
            data = text.encode("utf-8")
            self._lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            raw = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        x = raw.astype(np.float32) / 32768.0
        g = np.gcd(self.sample_rate, SAMPLE_RATE)
        y = resample_poly(x, SAMPLE_RATE // g, self.sample_rate // g)
        return np.asarray(y, dtype=np.float32)


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

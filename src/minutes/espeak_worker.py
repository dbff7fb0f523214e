"""A helper process that speaks each line with espeak-ng from the same starting state.

espeak-ng keeps state between calls that no API resets (the pitch flutter's position
is a function-level static in its wave generator), so in one process the same line
comes out a few samples different each time and depends on everything spoken before
it: a test's audio, and so what Whisper hears, would depend on which tests ran first.
This process loads the library once and forks a child for every line; the child
speaks from the untouched state and exits, so a line sounds the same every time.

Run by ``minutes.synth.Espeak``; the protocol on stdin/stdout is private to the two.
Only the standard library and ``espeakng_loader`` are imported, so it starts fast.
"""

from __future__ import annotations

import ctypes
import json
import os
import struct
import sys
from typing import Any

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _PITCH = 1, 3
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def _speak(lib: Any, request: dict[str, Any]) -> bytes:
    """16-bit PCM at the library's rate, or b"" for an unknown voice."""
    chunks: list[bytes] = []

    def collect(wav: Any, n: int, _events: Any) -> int:
        if n > 0:
            chunks.append(ctypes.string_at(wav, 2 * n))
        return 0

    callback = _CALLBACK(collect)
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(request["voice"].encode()) != 0:
        return b""
    lib.espeak_SetParameter(_RATE, int(request["rate"]), 0)
    lib.espeak_SetParameter(_PITCH, int(request["pitch"]), 0)
    # espeak-ng draws noise from its own generator: a fixed seed for repeatable lines.
    lib.espeak_ng_SetRandSeed(ctypes.c_long(int(request["seed"])))
    data = request["text"].encode("utf-8")
    lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
    lib.espeak_Synchronize()
    return b"".join(chunks) or b"\0\0"  # never empty: empty means "no such voice"


def _reply(out: Any, pcm: bytes) -> None:
    out.write(struct.pack("<q", len(pcm)) + pcm)
    out.flush()


def main() -> None:
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    rate = lib.espeak_Initialize(
        _AUDIO_OUTPUT_SYNCHRONOUS,
        0,
        espeakng_loader.get_data_path().encode(),
        _INITIALIZE_DONT_EXIT,
    )
    out = sys.stdout.buffer
    out.write(struct.pack("<q", int(rate)))
    out.flush()
    if rate <= 0:
        return
    for line in sys.stdin:
        request = json.loads(line)
        if not hasattr(os, "fork"):
            _reply(out, _speak(lib, request))  # no fork: repeatable only within one run
            continue
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(_speak(lib, request))
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            pcm = pipe.read()  # b"" when the child failed: the caller raises
        os.waitpid(pid, 0)
        _reply(out, pcm)


if __name__ == "__main__":
    main()

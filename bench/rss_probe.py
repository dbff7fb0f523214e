"""Peak memory of one run in a fresh process: ``python bench/rss_probe.py MODE FILE``.

MODE is ``pipeline`` (minutes, everything from decoding on), ``diarize`` (decoding, VAD
and diarization only) or ``bare`` (faster-whisper alone, same model and settings). Prints one JSON line: processing seconds, real-time
factor and peak RSS in MiB.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def peak_rss_mib() -> float:
    """This process's own peak resident memory.

    Linux carries ``ru_maxrss`` across exec, so a probe started by a parent that holds a
    3-hour recording in memory would report the parent's size; ``VmHWM`` belongs to the
    new program alone.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "pipeline":
        from minutes.pipeline import Pipeline

        p = Pipeline()
        p.load()
        t0 = time.perf_counter()
        t = p.run_file(path)
        duration = t.duration
    elif mode == "diarize":
        from minutes.audio import decode
        from minutes.pipeline import Pipeline

        p = Pipeline()
        p.load()
        t0 = time.perf_counter()
        audio = decode(path)
        turns = p._diarize(audio, p.vad.detect(audio), lambda *a: None)
        duration = audio.duration
        print(json.dumps({"speakers": len({x.speaker for x in turns})}), file=sys.stderr)
    else:
        from faster_whisper import WhisperModel

        from minutes.models import ModelRegistry

        m = WhisperModel(
            str(ModelRegistry().whisper_dir("base")), device="cpu", compute_type="int8"
        )
        t0 = time.perf_counter()
        segments, info = m.transcribe(path, beam_size=5, word_timestamps=True)
        for _ in segments:
            pass
        duration = info.duration
    seconds = time.perf_counter() - t0
    peak = peak_rss_mib()
    print(
        json.dumps(
            {
                "mode": mode,
                "audio_seconds": round(duration, 1),
                "seconds": round(seconds, 2),
                "rtf": round(seconds / duration, 4),
                "peak_rss_mib": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

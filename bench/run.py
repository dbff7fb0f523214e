"""Benchmark minutes against bare faster-whisper on ../shared/data.

    python bench/run.py [--quick] [--long 5,60]

Writes bench/results/latest.json and bench/results/latest.md (also copied into
docs/benchmarks.md by hand when figures change). Timings are wall-clock on this
machine; run it on an otherwise idle machine and read small differences as noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.audio import decode
from minutes.pipeline import Pipeline
from minutes.synth import write_wav

from bench.data import (
    ami_path,
    ami_references,
    asr_items,
    long_input,
    recognition_meetings,
)
from bench.report import markdown
from bench.scoring import (
    cpwer,
    diarization_errors,
    error_rate,
    interjection_lines,
    language_accuracy,
)

RESULTS = Path(__file__).resolve().parent / "results"


def bare_model() -> Any:
    from faster_whisper import WhisperModel

    from minutes.models import ModelRegistry

    return WhisperModel(
        str(ModelRegistry().whisper_dir("base")),
        device="cpu",
        compute_type="int8",
        cpu_threads=os.cpu_count() or 1,
    )


def bare_transcribe(model: Any, path: Path) -> tuple[str, str, float]:
    """Bare faster-whisper: same model and settings, language auto, no VAD."""
    t0 = time.perf_counter()
    segments, info = model.transcribe(str(path), beam_size=5, word_timestamps=True)
    text = "".join(s.text for s in segments)
    return text, info.language, time.perf_counter() - t0


def run_asr(pipeline: Pipeline, bare: Any) -> list[dict[str, Any]]:
    rows = []
    for item in asr_items():
        t0 = time.perf_counter()
        t = pipeline.run_file(item.path)
        ours_s = time.perf_counter() - t0
        bare_text, bare_lang, bare_s = bare_transcribe(bare, item.path)
        rows.append(
            {
                "file": str(item.path.relative_to(item.path.parents[2])),
                "language": item.language,
                "duration": round(t.duration, 2),
                "weak_reference": item.weak,
                "ours_error": round(error_rate(item.reference, t.text, item.language), 4),
                "bare_error": round(error_rate(item.reference, bare_text, item.language), 4),
                "ours_language": t.language,
                "bare_language": bare_lang,
                "ours_seconds": round(ours_s, 3),
                "bare_seconds": round(bare_s, 3),
                "ours_text": t.text.replace("\n", " "),
                "bare_text": bare_text.strip(),
            }
        )
        print(
            f"asr {rows[-1]['file']}: ours {rows[-1]['ours_error']:.3f} bare {rows[-1]['bare_error']:.3f}"
        )
    return rows


def run_ami(pipeline: Pipeline, bare: Any) -> list[dict[str, Any]]:
    rows = []
    for uri, ref in sorted(ami_references().items()):
        path = ami_path(uri)
        t0 = time.perf_counter()
        t = pipeline.run_file(path)
        ours_s = time.perf_counter() - t0
        _, _, bare_s = bare_transcribe(bare, path)
        row: dict[str, Any] = {
            "uri": uri,
            "ours_seconds": round(ours_s, 3),
            "bare_seconds": round(bare_s, 3),
        }
        row |= diarization_errors(ref, t.turns, uri, 30.0)
        row |= interjection_lines(ref, t, 30.0)
        row["timings"] = t.metadata["timings"]
        rows.append(row)
        print(
            f"ami {uri}: DER {row['c25_total'] and (row['c25_missed_detection'] + row['c25_false_alarm'] + row['c25_confusion']) / row['c25_total']:.3f}"
        )
    return rows


def run_constructed(pipeline: Pipeline) -> list[dict[str, Any]]:
    """Meetings built from real single-speaker clips, with exact reference."""
    rows = []
    for meeting in recognition_meetings(asr_items()):
        name = meeting.name
        t0 = time.perf_counter()
        t = pipeline.run(meeting.audio)
        seconds = time.perf_counter() - t0
        row: dict[str, Any] = {
            "meeting": name,
            "duration": round(meeting.audio.duration, 1),
            "seconds": round(seconds, 2),
        }
        row |= diarization_errors(meeting.turns, t.turns, name, meeting.audio.duration)
        row |= cpwer(meeting.turns, t)
        row |= language_accuracy(meeting.turns, t)
        rows.append(row)
        print(f"constructed {name}: cpWER {row['cpwer']:.3f}")
    return rows


def run_long(minutes_list: list[float], modes: list[str]) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="minutes-bench-") as tmp:
        for minutes in minutes_list:
            path = Path(tmp) / f"long-{minutes:g}min.wav"
            audio = long_input(minutes, asr_items())
            write_wav(str(path), audio.samples)
            del audio
            for mode in modes:
                out = subprocess.run(
                    [sys.executable, str(Path(__file__).parent / "rss_probe.py"), mode, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row = json.loads(out.stdout.strip().splitlines()[-1])
                row["minutes"] = minutes
                rows.append(row)
                print(f"long {minutes:g} min {mode}: {row}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the long-input memory runs")
    ap.add_argument(
        "--long", default="5,60", help="minutes of long input to probe, comma-separated"
    )
    ap.add_argument("--only", default="", help="comma-separated subset: asr,ami,constructed,long")
    ap.add_argument(
        "--modes", default="pipeline,bare", help="long-input runs: pipeline,diarize,bare"
    )
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))

    needs_models = not only or only - {"long"}
    pipeline = Pipeline()
    if needs_models:
        pipeline.load()
    bare = bare_model() if needs_models else None
    decode(asr_items()[0].path)  # warm PyAV
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "model": "base (int8, beam 5, word timestamps)",
    }
    if not only or "asr" in only:
        results["asr"] = run_asr(pipeline, bare)
    if not only or "ami" in only:
        results["ami"] = run_ami(pipeline, bare)
    if not only or "constructed" in only:
        results["constructed"] = run_constructed(pipeline)
    if (not only and not args.quick) or "long" in only:
        results["long"] = run_long([float(x) for x in args.long.split(",")], args.modes.split(","))
    RESULTS.mkdir(exist_ok=True)
    previous = RESULTS / "latest.json"
    if only and previous.exists():
        # A partial run updates its sections and keeps the others.
        kept = json.loads(previous.read_text())
        if "long" in results and "long" in kept:
            # Long-input rows are kept per (length, mode): a diarize-only run keeps the rest.
            fresh = {(r["minutes"], r["mode"]) for r in results["long"]}
            old = [r for r in kept["long"] if (r["minutes"], r["mode"]) not in fresh]
            results["long"] = sorted(old + results["long"], key=lambda r: (r["minutes"], r["mode"]))
        results = {k: v for k, v in kept.items() if k not in results} | results
    (RESULTS / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()

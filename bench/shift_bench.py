"""How much diarization depends on where a recording happens to start.

    python bench/shift_bench.py [--sets ami] [--seeds 9]

Segmentation reads 5-second chunks every ``segmentation_step`` seconds, and only every
``embed_every``-th chunk (a key chunk) gets voice embeddings. Which stretches of a meeting are embedded
therefore depends on where the recording started, and on the 12 thirty-second AMI
excerpts, whose clusters rest on a handful of embeddings each, that alone moves DER by
several points. Each recording is diarized (VAD + diarization, no recognition) again
after 0, 1, … ``embed_every`` - 1 segmentation steps of silence, which covers every
alignment of the key chunks; the turns are shifted back and scored as usual. Quote the
mean; the range is how much a single run can be luck.

``--sets`` takes any of ami, clips, meetings (the constructed meetings of
bench/diarization_bench.py; each costs the whole set once per shift).
Writes bench/results/shift-bench.json (AMI alone) or shift-bench-<sets>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.api import build_options
from minutes.audio import SAMPLE_RATE, Audio
from minutes.pipeline import Pipeline
from minutes.types import Turn

from bench.report import write_results
from bench.threshold_sweep import recordings, scored, summarise

SETS = ("clips", "meetings", "ami")


def shifted(audio: Audio, seconds: float) -> Audio:
    """The recording with ``seconds`` of digital silence before it."""
    lead = np.zeros(round(seconds * SAMPLE_RATE), np.float32)
    return Audio.from_array(np.concatenate([lead, np.asarray(audio.samples[:], np.float32)]))


def unshift(turns: list[Turn], seconds: float) -> list[Turn]:
    """Turns on the original recording's clock (anything in the lead-in dropped)."""
    return [
        Turn(max(0.0, t.start - seconds), t.end - seconds, t.speaker)
        for t in turns
        if t.end - seconds > 0.0
    ]


def run(
    pipeline: Pipeline, sets: list[str], seeds: int, shifts: list[float]
) -> list[dict[str, Any]]:
    rows = []
    for kind, name, audio, ref, k in recordings(seeds, sets):
        duration = 30.0 if kind == "ami" else audio.duration
        counts = []
        for s in shifts:
            moved = shifted(audio, s)
            turns = pipeline._diarize(moved, pipeline.vad.detect(moved), lambda *a: None)
            row = scored(kind, name, ref, k, unshift(turns, s), duration)
            rows.append({**row, "shift": s})
            counts.append(row["hyp_speakers"])
        print(kind, name, "speakers by shift:", counts, flush=True)
    return rows


def spread(by_shift: dict[str, Any]) -> dict[str, Any]:
    """Mean, lowest and highest over the shifts, per set."""
    out: dict[str, Any] = {}
    for kind in SETS:
        lines = [v[kind] for v in by_shift.values() if kind in v]
        if not lines:
            continue
        der_key = "der_c25" if kind == "ami" else "der_c25_mean"
        ders = [line[der_key] for line in lines]
        exact = [int(line["count_exact"].split("/")[0]) for line in lines]
        out[kind] = {
            f"{der_key}_mean": round(float(np.mean(ders)), 4),
            f"{der_key}_range": [min(ders), max(ders)],
            "count_exact_mean": round(float(np.mean(exact)), 1),
            "count_exact_range": [min(exact), max(exact)],
            "recordings": int(lines[0]["count_exact"].split("/")[1]),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="ami", help="comma-separated: ami,clips,meetings")
    ap.add_argument("--seeds", type=int, default=9, help="constructed meetings per count")
    args = ap.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    if unknown := set(sets) - set(SETS):
        ap.error(f"unknown set(s) {sorted(unknown)}; choose from {', '.join(SETS)}")
    pipeline = Pipeline(build_options())
    pipeline.load()
    d = pipeline.options.diarize
    shifts = [round(i * d.segmentation_step, 3) for i in range(d.embed_every)]
    rows = run(pipeline, sets, args.seeds, shifts)
    by_shift = summarise(rows, shifts, key="shift")
    summary = {"shifts": shifts, "over_shifts": spread(by_shift), "by_shift": by_shift}
    print(json.dumps(summary, indent=1))
    name = "shift-bench" if sets == ["ami"] else "shift-bench-" + "-".join(sets)
    write_results(name, summary, rows)


if __name__ == "__main__":
    main()

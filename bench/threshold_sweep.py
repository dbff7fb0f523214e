"""The clustering threshold against both kinds of constructed meeting and AMI.

    python bench/threshold_sweep.py [--thresholds 0.30,0.35,0.40,0.45,0.50] [--seeds 9]

The speaker count depends on one number, the cosine distance at which CAM++ clusters
stop merging. Close-talk clips with a few seconds per voice pull it one way (voices
merge: too few speakers), far-field meeting voices the other (one person's stretches
spread: too many). Clusters heard for under ``clustering.SHORT_SECONDS`` join their
neighbour at the threshold + ``clustering.SHORT_MARGIN``, so that rule moves with it. Each
recording is segmented and embedded once; only clustering, linking and turns are
redone per threshold, so a sweep costs little more than one run.
Writes bench/results/threshold-sweep.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.api import build_options
from minutes.audio import Audio, decode
from minutes.pipeline import Pipeline
from minutes.stages.diarize_segmentation import SegmentationDiarizer
from minutes.types import Turn

from bench.data import RefTurn, ami_path, ami_references, meeting_voices
from bench.diarization_bench import COUNTS, build, speakers
from bench.report import write_results
from bench.scoring import diarization_errors


def recordings(
    seeds: int, sets: Sequence[str] = ("clips", "meetings", "ami")
) -> list[tuple[str, str, Audio, list[RefTurn], int | None]]:
    """(set, name, audio, reference, true count) for every recording of ``sets``."""
    out: list[tuple[str, str, Audio, list[RefTurn], int | None]] = []
    for kind, draw, counts in (
        ("clips", speakers, COUNTS),
        ("meetings", meeting_voices, (*COUNTS, 10)),
    ):
        if kind not in sets:
            continue
        voices = draw()
        names = sorted(voices)
        for k in counts:
            if k > len(names):
                continue
            for seed in range(seeds):
                # The same draws as bench/diarization_bench.py.
                rng = np.random.default_rng(1000 * k + seed)
                chosen = {n: voices[n] for n in rng.choice(names, size=k, replace=False)}
                samples, ref = build(chosen, rng)
                out.append((kind, f"k{k}s{seed}", Audio.from_array(samples), ref, k))
    if "ami" in sets:
        for uri, ref in sorted(ami_references().items()):
            out.append(("ami", uri, decode(ami_path(uri)), ref, None))
    return out


def scored(
    kind: str, name: str, ref: list[RefTurn], k: int | None, turns: list[Turn], duration: float
) -> dict[str, Any]:
    """One recording's row: true and found speaker counts, DER c0.25 errors and total."""
    e = diarization_errors(ref, turns, name, duration)
    errors = e["c25_missed_detection"] + e["c25_false_alarm"] + e["c25_confusion"]
    return {
        "set": kind,
        "recording": name,
        "speakers": k if k is not None else e["ref_speakers"],
        "hyp_speakers": e["hyp_speakers"],
        "errors_c25": round(errors, 3),
        "total_c25": round(e["c25_total"], 3),
    }


def sweep(pipeline: Pipeline, thresholds: list[float], seeds: int) -> list[dict[str, Any]]:
    diarizer = SegmentationDiarizer(
        pipeline.segmenter, pipeline.speaker_encoder, pipeline.options.diarize
    )
    rows = []
    for kind, name, audio, ref, k in recordings(seeds):
        voices = diarizer.voices(audio, pipeline.vad.detect(audio))
        duration = 30.0 if kind == "ami" else audio.duration
        for threshold in thresholds:
            turns = diarizer.speakers(voices, threshold)
            row = scored(kind, name, ref, k, turns, duration)
            rows.append({**row, "threshold": threshold})
        print(kind, name, [r["hyp_speakers"] for r in rows[-len(thresholds) :]], flush=True)
    return rows


def summarise(
    rows: list[dict[str, Any]], values: list[float], key: str = "threshold"
) -> dict[str, Any]:
    """Count and DER per set, for each value of ``key`` the rows were run with."""
    out: dict[str, Any] = {}
    for t in values:
        line: dict[str, Any] = {}
        for kind in ("clips", "meetings", "ami"):
            sel = [r for r in rows if r["set"] == kind and r[key] == t]
            if not sel:
                continue
            exact = sum(r["hyp_speakers"] == r["speakers"] for r in sel)
            line[kind] = {
                "count_exact": f"{exact}/{len(sel)}",
                "too_few": sum(r["hyp_speakers"] < r["speakers"] for r in sel),
                "too_many": sum(r["hyp_speakers"] > r["speakers"] for r in sel),
            }
            if kind == "ami":
                # Pooled over the excerpts, as pyannote.metrics reports a corpus.
                line[kind]["der_c25"] = round(
                    sum(r["errors_c25"] for r in sel) / sum(r["total_c25"] for r in sel), 4
                )
            else:
                line[kind]["der_c25_mean"] = round(
                    float(np.mean([r["errors_c25"] / r["total_c25"] for r in sel])), 4
                )
        out[f"{t:.2f}"] = line
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--thresholds", default="0.30,0.35,0.40,0.45,0.50")
    ap.add_argument("--seeds", type=int, default=9)
    args = ap.parse_args()
    thresholds = [float(x) for x in args.thresholds.split(",")]
    pipeline = Pipeline(build_options())
    pipeline.load()
    rows = sweep(pipeline, thresholds, args.seeds)
    summary = summarise(rows, thresholds)
    print(json.dumps(summary, indent=1))
    write_results("threshold-sweep", summary, rows)


if __name__ == "__main__":
    main()

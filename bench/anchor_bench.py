"""Enrolled voices as anchors: the speaker count when some or all people are enrolled.

    python bench/anchor_bench.py [--seeds 9]

The meeting voices of ``bench/diarization_bench.py --voices meetings`` (ten AMI and
pyannote-sample speakers, each their solo speech joined) are split: the first 70 % of
each voice builds the meetings (the same draws as that benchmark: 1–10 speakers, nine
seeds each, overlap made by mixing), and the last 30 % enrols the person with
:func:`minutes.voiceprints.enrol` (2–11 s each, shorter than the 10–30 s the CLI asks
for, so a hard case). Each meeting is segmented and embedded once and diarized with no
one enrolled, with everyone enrolled, and with three fixed halves of the ten enrolled
(prints of people absent from a meeting are passed too, as a user's store would be).
Reports count exact and DER (collar 0.25, overlap scored) for each, and writes
bench/results/anchors.json.
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
from minutes.audio import Audio
from minutes.pipeline import Pipeline
from minutes.stages.diarize_segmentation import SegmentationDiarizer
from minutes.types import SpeechRegion
from minutes.voiceprints import enrol, people

from bench.data import meeting_voices
from bench.diarization_bench import COUNTS, build
from bench.report import write_results
from bench.scoring import diarization_errors

MEETING_SHARE = 0.7  # of each voice; the rest enrols
HALVES = 3  # random halves of the people enrolled


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=9)
    args = ap.parse_args()
    voices = meeting_voices()
    names = sorted(voices)
    cut = {n: int(len(x) * MEETING_SHARE) for n, x in voices.items()}
    pipeline = Pipeline(build_options())
    pipeline.load()
    encoder = pipeline.speaker_encoder
    book = {}
    for n in names:
        tail = Audio.from_array(voices[n][cut[n] :])
        # One voice by construction; the two-voice check refuses some far-field tails.
        whole = [SpeechRegion(0.0, tail.duration)]
        book[n] = enrol(n, encoder, tail, whole, check_single_voice=False, min_seconds=2.0)
    draw = np.random.default_rng(7)
    scenarios = {"none": [], "all": names} | {
        f"half{i}": sorted(draw.choice(names, size=len(names) // 2, replace=False).tolist())
        for i in range(HALVES)
    }
    diarizer = SegmentationDiarizer(
        pipeline.segmenter, pipeline.speaker_encoder, pipeline.options.diarize
    )
    rows: list[dict[str, Any]] = []
    for k in (*COUNTS, 10):
        for seed in range(args.seeds):
            rng = np.random.default_rng(1000 * k + seed)  # the same draws as diarization_bench
            chosen = {n: voices[n][: cut[n]] for n in rng.choice(names, size=k, replace=False)}
            samples, ref = build(chosen, rng)
            audio = Audio.from_array(samples)
            found = diarizer.voices(audio, pipeline.vad.detect(audio))
            threshold = diarizer.threshold(found)
            row: dict[str, Any] = {"meeting": f"k{k}s{seed}", "speakers": k}
            for scenario, enrolled in scenarios.items():
                prints = people([book[n] for n in enrolled], encoder.model_id)
                turns = diarizer.speakers(found, threshold, prints)
                e = diarization_errors(ref, turns, row["meeting"], audio.duration)
                errors = e["c25_missed_detection"] + e["c25_false_alarm"] + e["c25_confusion"]
                row[scenario] = {
                    "found": len({t.speaker for t in turns}),
                    "der_c25": round(errors / e["c25_total"], 4),
                }
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {
        scenario: {
            "enrolled": enrolled,
            "count_exact": sum(r[scenario]["found"] == r["speakers"] for r in rows),
            "too_few": sum(r[scenario]["found"] < r["speakers"] for r in rows),
            "too_many": sum(r[scenario]["found"] > r["speakers"] for r in rows),
            "der_c25_mean": round(float(np.mean([r[scenario]["der_c25"] for r in rows])), 4),
        }
        for scenario, enrolled in scenarios.items()
    }
    summary["meetings"] = len(rows)
    summary["enrolment_seconds"] = {n: round(p.seconds, 1) for n, p in book.items()}
    write_results("anchors", summary, rows)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

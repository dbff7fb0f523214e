"""Speaker count and DER on meetings built from real single-speaker clips.

    python bench/diarization_bench.py [--seeds 3]

For each speaker count in 1–8, speakers are drawn from the distinct source recordings
of ../shared/data's ASR clips; each speaker's clip is cut into pieces at random points
(turns of 0.5–15 s) and the pieces are interleaved, with about a third of turns starting
0.5–2 s before the previous one ends (overlap made by mixing; 5–15 % of speech
overlapped). The exact reference is known. Runs VAD + diarization (no recognition) and
reports speaker-count accuracy, DER (collar 0.25 and 0, overlap scored), JER, overlap
detection precision and recall, and the share of reference speech that is overlapped.
Writes bench/results/diarization-<method>.json.

    python bench/diarization_bench.py --method windows   # the resemblyzer baseline
    python bench/diarization_bench.py --voices meetings  # voices with 7-38 s each

``--voices meetings`` draws the speakers from the diarization recordings instead (AMI
excerpts and pyannote's sample: each person's speech where they talk alone, levelled;
ten people with 7-38 s each, so counts up to 10), and writes
bench/results/diarization-<method>-meetings.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools
from dataclasses import replace

from minutes.api import build_options
from minutes.audio import Audio, decode
from minutes.options import DIARIZERS
from minutes.pipeline import Pipeline, count_span

from bench.data import RefTurn, asr_items, meeting_voices, speaker_of
from bench.report import write_results
from bench.scoring import diarization_errors

COUNTS = (1, 2, 3, 4, 5, 6, 8)
OVERLAP_TURNS = 0.35  # share of turns that start before the previous one ends


def _flag_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How well the uncertain-count warning separates right counts from wrong ones."""
    spans = [(r, r["count_range"]) for r in rows if r["count_range"] is not None]
    steady = [r for r, (lo, hi) in spans if lo == hi]
    flagged = [(r, lo, hi) for r, (lo, hi) in spans if lo != hi]
    return {
        "steady": len(steady),
        "steady_exact": sum(r["count_exact"] for r in steady),
        "flagged": len(flagged),
        "flagged_exact": sum(r["count_exact"] for r, _, _ in flagged),
        "flagged_truth_in_range": sum(lo <= r["speakers"] <= hi for r, lo, hi in flagged),
    }


def speakers() -> dict[str, np.ndarray]:
    """One clip (the longest) per distinct speaker, from clips of one voice only."""
    best: dict[str, tuple[float, Any]] = {}
    for item in asr_items():
        if not item.one_voice:
            continue
        s = speaker_of(item)
        if item.duration > best.get(s, (0.0, None))[0]:
            best[s] = (item.duration, item)
    return {s: np.asarray(decode(it.path).samples, dtype=np.float32) for s, (_, it) in best.items()}


def build(
    voices: dict[str, np.ndarray], rng: np.random.Generator
) -> tuple[np.ndarray, list[RefTurn]]:
    pieces: list[tuple[str, np.ndarray]] = []
    for name, x in voices.items():
        n = len(x) / 16000
        k = int(np.clip(n // 3, 1, 3))  # 1–3 turns per speaker
        cuts = sorted(rng.uniform(0.5, n - 0.5, size=k - 1)) if k > 1 else []
        bounds = [0.0, *cuts, n]
        pieces += [
            (name, x[int(a * 16000) : int(b * 16000)]) for a, b in itertools.pairwise(bounds)
        ]
    order = rng.permutation(len(pieces))
    # Avoid the same speaker twice in a row where possible (it would be one turn).
    seq = [pieces[i] for i in order]
    for i in range(1, len(seq)):
        if seq[i][0] == seq[i - 1][0]:
            for j in range(i + 1, len(seq)):
                if seq[j][0] != seq[i - 1][0]:
                    seq[i], seq[j] = seq[j], seq[i]
                    break
    total = sum(len(p) for _, p in seq) / 16000 + 2 * len(seq) + 2
    out = np.zeros(int(total * 16000), np.float32)
    turns: list[RefTurn] = []
    t = 0.5
    for name, x in seq:
        if turns and rng.random() < OVERLAP_TURNS:  # start before the previous turn ends
            t = max(turns[-1].start + 0.5, turns[-1].end - float(rng.uniform(0.5, 2.0)))
        a = int(t * 16000)
        out[a : a + len(x)] += x
        turns.append(RefTurn(t, t + len(x) / 16000, name, "", ""))
        t = turns[-1].end + float(rng.uniform(0.2, 1.0))
    end = int((t + 0.5) * 16000)
    return out[:end], turns


def overlap_share(turns: list[RefTurn], duration: float) -> float:
    grid = np.zeros(int(duration * 100) + 1)
    for r in turns:
        grid[int(r.start * 100) : int(r.end * 100)] += 1
    talk = grid.sum()
    return float(np.clip(grid - 1, 0, None).sum() / talk) if talk else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    # Nine meetings per speaker count: the first three were the whole set until session 7
    # and are reported apart (``first3``) so older figures stay comparable; 21 meetings
    # proved too few to tell a real change in the count from noise.
    ap.add_argument("--seeds", type=int, default=9)
    ap.add_argument("--method", default="segmentation", choices=DIARIZERS)
    ap.add_argument("--voices", default="clips", choices=("clips", "meetings"))
    args = ap.parse_args()
    voices = speakers() if args.voices == "clips" else meeting_voices()
    counts = COUNTS if args.voices == "clips" else (*COUNTS, 10)
    names = sorted(voices)
    options = build_options()
    options = replace(options, diarize=replace(options.diarize, method=args.method))
    pipeline = Pipeline(options)
    pipeline.load()
    rows = []
    for k in counts:
        if k > len(names):
            continue
        for seed in range(args.seeds):
            rng = np.random.default_rng(1000 * k + seed)
            chosen = {n: voices[n] for n in rng.choice(names, size=k, replace=False)}
            samples, ref = build(chosen, rng)
            audio = Audio.from_array(samples)
            t0 = time.perf_counter()
            regions = pipeline.vad.detect(audio)
            diarization = pipeline._diarization(audio, regions, lambda *a: None)
            turns = list(diarization.turns)
            seconds = time.perf_counter() - t0
            e = diarization_errors(ref, turns, f"k{k}s{seed}", audio.duration)
            der = (e["c25_missed_detection"] + e["c25_false_alarm"] + e["c25_confusion"]) / e[
                "c25_total"
            ]
            der0 = (e["c00_missed_detection"] + e["c00_false_alarm"] + e["c00_confusion"]) / e[
                "c00_total"
            ]
            row = {
                "speakers": k,
                "seed": seed,
                "duration": round(audio.duration, 1),
                "hyp_speakers": e["hyp_speakers"],
                "count_exact": e["hyp_speakers"] == k,
                "der_c25": round(der, 4),
                "der_c0": round(der0, 4),
                "jer": round(e["jer"], 4),
                "overlap_share": round(overlap_share(ref, audio.duration), 4),
                "overlap_ref": e["overlap_ref"],
                "overlap_hyp": e["overlap_hyp"],
                "overlap_hit": e["overlap_hit"],
                "diarize_seconds": round(seconds, 2),
                # The span the pipeline reports (a warning when it holds more than one).
                "count_range": count_span(e["hyp_speakers"], diarization.count_range),
            }
            rows.append(row)
            print(json.dumps(row))
    ref_ov = sum(r["overlap_ref"] for r in rows)
    hyp_ov = sum(r["overlap_hyp"] for r in rows)
    hit_ov = sum(r["overlap_hit"] for r in rows)
    summary = {
        "method": args.method,
        "voices": args.voices,
        "meetings": len(rows),
        "overlap_precision": round(hit_ov / hyp_ov, 3) if hyp_ov else None,
        "overlap_recall": round(hit_ov / ref_ov, 3) if ref_ov else None,
        "count_exact": round(sum(r["count_exact"] for r in rows) / len(rows), 3),
        "count_within_one": round(
            sum(abs(r["hyp_speakers"] - r["speakers"]) <= 1 for r in rows) / len(rows), 3
        ),
        "count_exact_by_speakers": {
            k: f"{sum(r['count_exact'] for r in rows if r['speakers'] == k)}/"
            f"{sum(r['speakers'] == k for r in rows)}"
            for k in sorted({r["speakers"] for r in rows})
        },
        "first3": {
            "meetings": sum(r["seed"] < 3 for r in rows),
            "count_exact": sum(r["count_exact"] for r in rows if r["seed"] < 3),
            "der_c25_mean": round(float(np.mean([r["der_c25"] for r in rows if r["seed"] < 3])), 4),
        },
        "count_flag": _flag_summary(rows),
        "der_c25_mean": round(float(np.mean([r["der_c25"] for r in rows])), 4),
        "der_c0_mean": round(float(np.mean([r["der_c0"] for r in rows])), 4),
        "overlap_share_mean": round(float(np.mean([r["overlap_share"] for r in rows])), 4),
    }
    print(json.dumps(summary))
    suffix = "" if args.voices == "clips" else f"-{args.voices}"
    write_results(f"diarization-{args.method}{suffix}", summary, rows)


if __name__ == "__main__":
    main()

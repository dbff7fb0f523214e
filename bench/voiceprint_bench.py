"""Voiceprints on real voices: the AMI excerpts in ../shared/data.

    python bench/voiceprint_bench.py

Every AMI speaker's voiceprint is made from their reference turns in one excerpt and
compared with every speaker's turns in the other excerpts: same person → genuine
score, different person → impostor score. Reports the equal error rate, the
false-accept and false-reject rates at candidate thresholds, and identification
accuracy when each speaker is enrolled from their first excerpt (with unenrolled
speakers mixed in). Writes bench/results/voiceprints.json.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.audio import decode
from minutes.models import ModelRegistry
from minutes.stages.embed_resemblyzer import ResemblyzerEmbedder
from minutes.types import Turn
from minutes.voiceprints import Voiceprint, centroids, identify

from bench.data import ami_path, ami_references

RESULTS = Path(__file__).resolve().parent / "results"
THRESHOLDS = (0.70, 0.75, 0.78, 0.80, 0.82, 0.85, 0.88, 0.90)
MIN_SECONDS = 3.0


def main() -> None:
    embedder = ResemblyzerEmbedder(ModelRegistry().speaker_encoder_path())
    refs = ami_references()
    prints: list[tuple[str, str, np.ndarray]] = []  # (file, speaker, centroid)
    halves: list[tuple[str, np.ndarray, np.ndarray]] = []  # same session, split in two
    for uri, turns in sorted(refs.items()):
        audio = decode(ami_path(uri))
        ts = [Turn(t.start, t.end, t.speaker) for t in turns]
        for speaker, vec in centroids(embedder, audio, ts).items():
            own = [t for t in ts if t.speaker == speaker]
            seconds = sum(t.end - t.start for t in own)
            if len(vec) and seconds >= MIN_SECONDS:
                prints.append((uri, speaker, vec))
            if seconds >= 2 * MIN_SECONDS:
                half = len(own) // 2
                a = centroids(embedder, audio, own[:half]).get(speaker)
                b = centroids(embedder, audio, own[half:]).get(speaker)
                if a is not None and b is not None and len(a) and len(b):
                    halves.append((speaker, a, b))
    genuine, impostor = [], []
    for (fa, sa, va), (fb, sb, vb) in itertools.combinations(prints, 2):
        if fa == fb and sa == sb:
            continue
        (genuine if sa == sb else impostor).append(float(va @ vb))
    cross_session = len(genuine)
    genuine += [float(a @ b) for _, a, b in halves]
    g, i = np.array(genuine), np.array(impostor)
    rates = {
        f"{t:.2f}": {
            "false_accept": round(float((i >= t).mean()), 4),
            "false_reject": round(float((g < t).mean()), 4),
        }
        for t in THRESHOLDS
    }
    grid = np.linspace(0.5, 1.0, 501)
    far = np.array([(i >= t).mean() for t in grid])
    frr = np.array([(g < t).mean() for t in grid])
    k = int(np.argmin(np.abs(far - frr)))

    # Identification: enrol each speaker from their first excerpt, half of them only.
    first: dict[str, tuple[str, np.ndarray]] = {}
    for f, s, v in prints:
        first.setdefault(s, (f, v))
    enrolled = sorted(first)[::2]
    book = [Voiceprint(s, tuple(float(x) for x in first[s][1]), 60.0) for s in enrolled]
    ident: dict[str, dict[str, int]] = {}
    for t in THRESHOLDS:
        right = wrong = missed = rejected = 0
        for f, s, v in prints:
            if first[s][0] == f:
                continue  # not held out
            match = identify({s: v}, book, threshold=t)
            named = match[0].name if match else None
            if s in enrolled:
                right += named == s
                wrong += named is not None and named != s
                missed += named is None
            else:
                rejected += named is None
                wrong += named is not None
        ident[f"{t:.2f}"] = {
            "correct": right,
            "wrong_name": wrong,
            "missed": missed,
            "unenrolled_left_unnamed": rejected,
        }
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "speakers": len({s for _, s, _ in prints}),
        "prints": len(prints),
        "genuine_pairs": len(g),
        "genuine_cross_session": cross_session,
        "genuine_same_session_halves": len(halves),
        "impostor_pairs": len(i),
        "genuine_mean": round(float(g.mean()), 3) if len(g) else None,
        "impostor_mean": round(float(i.mean()), 3) if len(i) else None,
        "eer": round(float((far[k] + frr[k]) / 2), 4),
        "eer_threshold": round(float(grid[k]), 3),
        "rates": rates,
        "identification": ident,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "voiceprints.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

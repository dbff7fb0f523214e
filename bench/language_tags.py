"""Language tags per utterance on many meetings built from real clips.

    python bench/language_tags.py [--meetings 10] [--turns 6] [--num-speakers 1]

bench/run.py's three constructed meetings hold 27 turns, so one turn moves the tag
accuracy by almost four points. Here each meeting draws ``--turns`` clips at random
from all of ../shared/data's Cantonese, Mandarin and English clips (each source
recording is a speaker; seeds fixed, so every run builds the same meetings), and the
whole pipeline tags them. A turn's tag is that of the utterance time overlapping it
most; unlike bench/run.py, ``mixed`` is counted wrong here, since every clip is in one
language. Writes bench/results/language-tags.json.

``--num-speakers 1`` makes every meeting one speaker, as if one person switched
between the languages: each turn must then be judged on its own audio, not on the
register the speaker showed elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.api import build_options
from minutes.pipeline import Pipeline
from minutes.types import Transcript

from bench.data import RefTurn, asr_items, tag_meetings
from bench.report import write_results

LANGUAGES = ("yue", "zh", "en")


def tag_of(turn: RefTurn, transcript: Transcript) -> str | None:
    """The language of the utterance time that overlaps ``turn`` most (None: nothing)."""
    share: dict[str, float] = {}
    for u in transcript.utterances:
        overlap = min(turn.end, u.end) - max(turn.start, u.start)
        if overlap > 0:
            share[u.language] = share.get(u.language, 0.0) + overlap
    return max(share, key=share.__getitem__) if share else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--meetings", type=int, default=10)
    ap.add_argument("--turns", type=int, default=6)
    ap.add_argument(
        "--num-speakers",
        type=int,
        help="diarize every meeting as this many speakers (1: one voice that switches "
        "between Cantonese, Mandarin and English); results go to language-tags-N.json",
    )
    args = ap.parse_args()
    items = asr_items()
    pipeline = Pipeline(build_options(num_speakers=args.num_speakers))
    pipeline.load()
    rows: list[dict[str, Any]] = []
    for meeting in tag_meetings(items, args.meetings, args.turns):
        t0 = time.perf_counter()
        transcript = pipeline.run(meeting.audio)
        seconds = time.perf_counter() - t0
        for turn in meeting.turns:
            rows.append(
                {
                    "meeting": meeting.name,
                    "clip": turn.clip,
                    "language": turn.language,
                    "tag": tag_of(turn, transcript),
                    "duration": round(turn.end - turn.start, 2),
                }
            )
        right = sum(r["tag"] == r["language"] for r in rows[-args.turns :])
        print(f"{meeting.name}: {right}/{args.turns} tags right ({seconds:.0f} s)", flush=True)
    summary: dict[str, Any] = {
        "turns": len(rows),
        "right": sum(r["tag"] == r["language"] for r in rows),
    }
    summary["accuracy"] = round(summary["right"] / len(rows), 4)
    # Turns no utterance overlaps: speech the transcript lost.
    summary["unheard"] = sum(r["tag"] is None for r in rows)
    for lang in LANGUAGES:
        mine = [r for r in rows if r["language"] == lang]
        summary[lang] = {
            "turns": len(mine),
            "tagged": {
                str(tag): sum(r["tag"] == tag for r in mine)
                for tag in sorted({str(r["tag"]) for r in mine})
            },
        }
    print(json.dumps(summary, indent=1))
    name = f"language-tags-{args.num_speakers}" if args.num_speakers else "language-tags"
    write_results(name, summary, rows)


if __name__ == "__main__":
    main()

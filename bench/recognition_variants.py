"""Recognition error on every clip of ../shared/data, as recorded and in five harder
versions, so a change to decoding is judged on 150 readings rather than 25.

    python bench/recognition_variants.py                     # about 7 minutes
    python bench/recognition_variants.py --compare OLD.json  # items better / worse
    python bench/recognition_variants.py --beam 10 --out beam10.json   # a decoding setting

On 25 short clips Whisper's output flips with a 0.1 s shift of where a chunk starts,
so one clip can move a language's mean by several points either way. Reading each
clip also with added noise, slower, faster, through a telephone band and at a tenth of
the level (``bench/register_log.variants``) gives six readings per clip; a change that
helps shows up as more items better than worse, across the variants. Writes
bench/results/recognition-variants.json (CER for yue/zh, WER for en, per item).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.audio import Audio, decode
from minutes.options import AsrOptions, PipelineOptions
from minutes.pipeline import Pipeline

from bench.data import asr_items
from bench.register_log import variants
from bench.scoring import error_rate

RESULTS = Path(__file__).resolve().parent / "results"
OUT = RESULTS / "recognition-variants.json"


def run(options: PipelineOptions | None = None) -> list[dict[str, Any]]:
    """One row per clip and variant: its error and the text read."""
    pipeline = Pipeline(options or PipelineOptions())
    pipeline.load()
    rows = []
    for seed, item in enumerate(asr_items()):
        x = np.asarray(decode(item.path).samples, dtype=np.float32)
        for name, samples in variants(x, seed).items():
            t = pipeline.run(Audio.from_array(samples))
            rows.append(
                {
                    "clip": item.path.name,
                    "language": item.language,
                    "variant": name,
                    "error": round(error_rate(item.reference, t.text, item.language), 4),
                    "text": t.text.replace("\n", " "),
                }
            )
        print(f"{item.path.name}: {[r['error'] for r in rows[-6:]]}", flush=True)
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean error per language, overall and per variant."""
    out: dict[str, dict[str, float]] = {}
    for lang in sorted({r["language"] for r in rows}):
        mine = [r for r in rows if r["language"] == lang]
        out[lang] = {"all": round(float(np.mean([r["error"] for r in mine])), 4)}
        for v in dict.fromkeys(r["variant"] for r in mine):
            out[lang][v] = round(float(np.mean([r["error"] for r in mine if r["variant"] == v])), 4)
    return out


def compare(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per language, how many (clip, variant) items got better, worse or stayed."""
    before = {(r["clip"], r["variant"]): r["error"] for r in old}
    out: dict[str, dict[str, int]] = {}
    for r in new:
        was = before.get((r["clip"], r["variant"]))
        if was is None:
            continue
        counts = out.setdefault(r["language"], {"better": 0, "worse": 0, "same": 0})
        key = "better" if r["error"] < was else "worse" if r["error"] > was else "same"
        counts[key] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--compare", type=Path, help="an earlier recognition-variants.json")
    ap.add_argument("--beam", type=int, default=AsrOptions().beam_size, help="decoder beam size")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the results")
    args = ap.parse_args()
    old = json.loads(args.compare.read_text())["rows"] if args.compare else None
    rows = run(PipelineOptions(asr=AsrOptions(beam_size=args.beam)))
    result: dict[str, Any] = {"beam_size": args.beam, "summary": summary(rows), "rows": rows}
    if old is not None:
        result["compared_with"] = str(args.compare)
        result["items"] = compare(old, rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    main()

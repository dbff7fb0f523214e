"""Glossaries on real recordings: names the base model mishears, given in a glossary.

    python bench/glossary_bench.py

Each clip is transcribed twice by the full pipeline — without a glossary and with one
holding the names and terms of that clip that Whisper base gets wrong (the place, person
and title names a user would have in a council's or newsroom's glossary) — and scored
against the reference (CER, both sides Simplified, punctuation removed). Reports how many
glossary terms appear in the text each way, the CER each way, and whether punctuation
survives. Writes bench/results/glossary.json.

The glossaries are written from the references, so this measures what a glossary can do
when it holds the right names, not how often a user's glossary holds them; it is kept out
of the recognition goal's figures for that reason.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes import glossary
from minutes.api import build_options
from minutes.pipeline import Pipeline

from bench.data import SHARED, asr_items
from bench.scoring import error_rate

# Clip → the names in it that Whisper base mishears, in HK Traditional spelling.
TERMS = {
    "yue/WenetSpeech-Yue/xg0055639_31550_45350.wav": ["氹仔北安碼頭", "航班", "澳門"],
    "yue/WenetSpeech-Yue/xq0016523_327940_334360.wav": ["王力宏"],
    "yue/WenetSpeech-Yue/230636120099_7mx8A_25_13800.wav": ["丹東", "哈大線"],
    "yue/WenetSpeech-Yue/gd0048640_305540_318390.wav": ["靈蛇島", "屠龍寶刀"],
}


def main() -> dict[str, Any]:
    items = {str(i.path.relative_to(SHARED)): i for i in asr_items()}
    base = Pipeline()
    rows = []
    for name, terms in TERMS.items():
        if not terms or name not in items:
            continue
        item = items[name]
        row: dict[str, Any] = {"file": name, "terms": terms}
        for label, gloss in (("without", None), ("with", glossary.from_terms(terms))):
            t0 = time.perf_counter()
            pipe = base.with_options(build_options(glossary=gloss)) if gloss else base
            text = pipe.run_file(item.path).text
            row[label] = {
                "text": text,
                "cer": round(error_rate(item.reference, text, item.language), 4),
                "terms_found": sum(term in text for term in terms),
                "punctuated": any(c in text for c in "，。？！"),
                "seconds": round(time.perf_counter() - t0, 2),
            }
        rows.append(row)
        print(
            f"{name}: CER {row['without']['cer']:.3f} → {row['with']['cer']:.3f}, terms "
            f"{row['without']['terms_found']} → {row['with']['terms_found']} of {len(terms)}"
        )
    total = sum(len(r["terms"]) for r in rows)
    summary = {
        "clips": len(rows),
        "terms": total,
        "terms_found_without": sum(r["without"]["terms_found"] for r in rows),
        "terms_found_with": sum(r["with"]["terms_found"] for r in rows),
        "mean_cer_without": round(sum(r["without"]["cer"] for r in rows) / len(rows), 4),
        "mean_cer_with": round(sum(r["with"]["cer"] for r in rows) / len(rows), 4),
    }
    result = {"summary": summary, "clips": rows}
    out = Path(__file__).parent / "results" / "glossary.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()

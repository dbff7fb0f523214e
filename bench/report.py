"""Markdown tables from bench results, and the JSON files the bench scripts write."""

from __future__ import annotations

import json
import time
from pathlib import Path
from statistics import mean
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(name: str, summary: Any, rows: list[dict[str, Any]]) -> Path:
    """``bench/results/<name>.json``: the run's date, the speaker model it ran with
    (MINUTES_SPEAKER_MODEL, else the embedded CAM++), its summary and every row.

    With another speaker model configured the file is ``<name>--<model id>.json``, so
    measuring it leaves the embedded model's results in place."""
    from minutes.models import EMBEDDED_SPEAKER_MODEL, ModelRegistry

    speaker_model = ModelRegistry().speaker_model_id()
    if speaker_model != EMBEDDED_SPEAKER_MODEL:
        name = f"{name}--{speaker_model}"
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    stamped = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "speaker_model": speaker_model,
        "summary": summary,
        "rows": rows,
    }
    path.write_text(json.dumps(stamped, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _der(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    total = sum(r[f"{key}_total"] for r in rows)
    parts = {
        p: sum(r[f"{key}_{p}"] for r in rows) / total if total else 0.0
        for p in ("missed_detection", "false_alarm", "confusion")
    }
    parts["der"] = sum(parts.values())
    return parts


def markdown(results: dict[str, Any]) -> str:
    out = [
        (
            f"Machine: {results['machine']['cpus']} CPUs, {results['machine']['platform']}; "
            f"model {results['model']}; run {results['date']}."
        ),
        "",
    ]
    if "asr" in results:
        out += [
            "### Recognition (CER for yue/zh, WER for en; lower is better)",
            "",
            "| language | clips | minutes | bare faster-whisper | minutes pipeline | relative |",
            "|---|---|---|---|---|---|",
        ]
        for lang in ("yue", "zh", "en"):
            rows = [r for r in results["asr"] if r["language"] == lang]
            if not rows:
                continue
            b = mean(r["bare_error"] for r in rows)
            o = mean(r["ours_error"] for r in rows)
            rel = f"{(o - b) / b * 100:+.0f} %" if b else "n/a"
            out.append(
                f"| {lang} | {len(rows)} | {b:.3f} | {o:.3f} | {rel} |".replace(
                    f"| {len(rows)} | ",
                    f"| {len(rows)} | {sum(r['duration'] for r in rows) / 60:.1f} | ",
                    1,
                )
            )
        out.append("")
    if "ami" in results:
        rows = results["ami"]
        c25, c0 = _der(rows, "c25"), _der(rows, "c00")
        jer = mean(r["jer"] for r in rows)
        count_exact = sum(r["ref_speakers"] == r["hyp_speakers"] for r in rows)
        out += [
            "### Diarization on the 12 AMI excerpts (overlap scored)",
            "",
            "| collar | DER | missed | false alarm | confusion |",
            "|---|---|---|---|---|",
        ]
        for name, d in (("0.25 s", c25), ("0", c0)):
            out.append(
                f"| {name} | {d['der']:.1%} | {d['missed_detection']:.1%} | {d['false_alarm']:.1%} | {d['confusion']:.1%} |"
            )
        out += [
            "",
            f"JER (mean over files): {jer:.1%}; speaker count exact on {count_exact}/{len(rows)} files.",
            "",
        ]
        if rows and "interjections" in rows[0]:
            seconds = sum(r["interjection_seconds"] for r in rows)
            share = (lambda key: sum(r[key] for r in rows) / seconds) if seconds else None
            out += [
                f"Interjection lines (heard only over someone, no words): "
                f"{sum(r['interjections'] for r in rows)} lines, {seconds:.1f} s"
                + (
                    f"; {share('interjection_in_overlap'):.0%} of that time is overlapped "
                    f"speech in the reference, {share('interjection_in_speech'):.0%} speech."
                    if share
                    else "."
                ),
                "",
            ]
    speed_rows = results.get("asr", []) + results.get("ami", [])
    if speed_rows:
        ours = sum(r["ours_seconds"] for r in speed_rows)
        bare = sum(r["bare_seconds"] for r in speed_rows)
        audio = sum(r.get("duration", 30.0) for r in speed_rows)
        out += [
            "### Speed on the same files (models loaded once)",
            "",
            "| | seconds | real-time factor |",
            "|---|---|---|",
            f"| bare faster-whisper | {bare:.1f} | {bare / audio:.3f} |",
            f"| minutes pipeline (decode+VAD+diarize+ASR) | {ours:.1f} | {ours / audio:.3f} |",
            "",
            f"Pipeline / bare: **{ours / bare:.2f}×** over {audio / 60:.1f} minutes of audio.",
            "",
        ]
    if "constructed" in results:
        out += [
            "### Constructed meetings (real clips, one speaker per source recording)",
            "",
            "| meeting | minutes | DER (0.25 s) | speakers ref/hyp | cpWER | language tags right |",
            "|---|---|---|---|---|---|",
        ]
        for r in results["constructed"]:
            der = (r["c25_missed_detection"] + r["c25_false_alarm"] + r["c25_confusion"]) / r[
                "c25_total"
            ]
            out.append(
                f"| {r['meeting']} | {r['duration'] / 60:.1f} | {der:.1%} | {r['ref_speakers']}/{r['hyp_speakers']} | {r['cpwer']:.1%} | {r.get('language_accuracy', 0):.0%} of {r.get('language_scored', 0)} |"
            )
        scored = sum(r.get("language_scored", 0) for r in results["constructed"])
        right = sum(
            round(r.get("language_accuracy", 0) * r.get("language_scored", 0))
            for r in results["constructed"]
        )
        confusions: dict[str, int] = {}
        for r in results["constructed"]:
            for k, v in r.get("language_confusions", {}).items():
                confusions[k] = confusions.get(k, 0) + v
        wrong = ", ".join(f"{k} {v}" for k, v in sorted(confusions.items())) or "none"
        out += [
            "",
            (
                f"Language tags right over all turns: **{right}/{scored}"
                f" ({right / max(scored, 1):.0%})**; wrong: {wrong}."
            ),
            "",
        ]
    if "long" in results:
        out += [
            "### Long inputs (fresh process each)",
            "",
            "| input | mode | seconds | RTF | peak RSS (MiB) |",
            "|---|---|---|---|---|",
        ]
        for r in results["long"]:
            out.append(
                f"| {r['minutes']:g} min | {r['mode']} | {r['seconds']:.0f} | {r['rtf']:.3f} | {r['peak_rss_mib']:.0f} |"
            )
        out.append("")
    return "\n".join(out) + "\n"

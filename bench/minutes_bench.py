"""Minutes quality on scripted meetings, through the whole pipeline.

    python bench/minutes_bench.py [--only english-council,...] [--llm-url URL --llm-model M]

Each meeting in bench/meeting_scripts.py is spoken with espeak-ng voices, transcribed
by the pipeline, and summarised; decisions and action items are scored against the
script: an item matches when its evidence overlaps the scripted line (one-to-one),
owners and due dates are checked on the matches, and evidence accuracy is the share
of cited utterances that overlap the item's own lines. Writes bench/results/minutes.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.language import normalise_for_scoring
from minutes.minutes import MinutesOptions, summarize
from minutes.minutes.summarize import LLMOptions
from minutes.pipeline import Pipeline
from minutes.synth import Espeak, Line, Voice, render_meeting, write_wav

from bench.meeting_scripts import YUE_NAMES, ZH_NAMES, Meeting, line_language, meetings

RESULTS = Path(__file__).resolve().parent / "results"
TOLERANCE = 0.5


def render(meeting: Meeting, engine: Espeak) -> tuple[Any, list[Any]]:
    lines = []
    for sl in meeting.lines:
        variant, rate, pitch = meeting.voices[sl.speaker]
        lang = "yue" if meeting.language == "yue" else line_language(sl.text)
        tag = {"cmn": "zh", "yue": "yue", "en": "en"}[lang]
        lines.append(Line(sl.speaker, Voice(f"{lang}+{variant}", rate, pitch), tag, sl.text))
    return render_meeting(lines, engine)


def _overlaps(e: dict[str, Any], start: float, end: float) -> bool:
    return e["start"] < end + TOLERANCE and e["end"] > start - TOLERANCE


def speaker_map(transcript: Any, ref: list[Any]) -> dict[str, str]:
    """Pipeline speaker name → script speaker, by most overlapping time."""
    votes: dict[str, dict[str, float]] = {}
    for turn in transcript.turns:
        name = transcript.speaker_name(turn.speaker)
        for r in ref:
            o = min(turn.end, r.end) - max(turn.start, r.start)
            if o > 0:
                votes.setdefault(name, {}).setdefault(r.speaker, 0.0)
                votes[name][r.speaker] += o
    return {k: max(v, key=lambda s: v[s]) for k, v in votes.items()}


def _norm(text: str) -> str:
    text = normalise_for_scoring(text or "", "cn").lower()
    for word in ("the ", "by ", "before ", "之前", "前"):
        text = text.replace(word, "")
    return text.replace(" ", "")


def score(
    meeting: Meeting, ref: list[Any], transcript: Any, minutes: dict[str, Any]
) -> dict[str, Any]:
    mapping = speaker_map(transcript, ref)
    names = {**ZH_NAMES, **YUE_NAMES}
    out: dict[str, Any] = {}
    for kind, flag in (("decisions", "decision"), ("action_items", "action_owner")):
        gold = [
            (i, r)
            for i, (sl, r) in enumerate(zip(meeting.lines, ref, strict=True))
            if getattr(sl, flag)
        ]
        predicted = minutes[kind]
        used: set[int] = set()
        matches = []
        for p in predicted:
            for gi, (i, r) in enumerate(gold):
                if gi not in used and any(_overlaps(e, r.start, r.end) for e in p["evidence"]):
                    used.add(gi)
                    matches.append((p, i, r))
                    break
        ev_total = ev_good = 0
        owners = dues = 0
        for p, i, r in matches:
            span_end = ref[i + 1].end if i + 1 < len(ref) else r.end  # the acceptance line
            for e in p["evidence"]:
                ev_total += 1
                ev_good += _overlaps(e, r.start, span_end)
            if kind == "action_items":
                sl = meeting.lines[i]
                owner = p.get("owner") or ""
                if owner and (
                    mapping.get(owner) == sl.action_owner
                    or _norm(owner)
                    in {_norm(names.get(sl.action_owner, "")), _norm(sl.action_owner or "")}
                ):
                    owners += 1
                if p.get("due") and _norm(sl.action_due or "") in _norm(p["due"]):
                    dues += 1
        n = len(matches)
        out[kind] = {
            "gold": len(gold),
            "predicted": len(predicted),
            "matched": n,
            "recall": round(n / len(gold), 3) if gold else None,
            "precision": round(n / len(predicted), 3) if predicted else None,
            "evidence_accuracy": round(ev_good / ev_total, 3) if ev_total else None,
        }
        if kind == "action_items":
            out[kind]["owner_accuracy"] = round(owners / n, 3) if n else None
            out[kind]["due_accuracy"] = round(dues / n, 3) if n else None
    return out


def keep(
    folder: Path, name: str, label: str, transcript: Any, minutes: dict[str, Any], ref: list[Any]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(transcript.to_dict(), ensure_ascii=False))
    (folder / f"{name}.{label}.minutes.json").write_text(
        json.dumps(minutes, ensure_ascii=False, indent=1)
    )
    rows = [{"speaker": r.speaker, "text": r.text, "start": r.start, "end": r.end} for r in ref]
    (folder / f"{name}.ref.json").write_text(json.dumps(rows, ensure_ascii=False))


def oracle_transcript(meeting: Meeting, ref: list[Any]) -> Any:
    """The script itself as a transcript: what the minutes make of perfect recognition."""
    from minutes.types import Speaker, Transcript, Turn, Utterance

    lang = {"en": "en", "zh": "zh", "yue": "yue", "mixed": "mixed"}[meeting.language]
    utts = tuple(
        Utterance(f"u{i + 1:04d}", r.start, r.end, r.speaker, r.text, r.language or lang)
        for i, r in enumerate(ref)
    )
    talk: dict[str, float] = {}
    for r in ref:
        talk[r.speaker] = talk.get(r.speaker, 0.0) + r.end - r.start
    names = {**ZH_NAMES, **YUE_NAMES} if meeting.language in ("zh", "yue") else {}
    speakers = tuple(Speaker(k, names.get(k, k.title()), v) for k, v in talk.items())
    return Transcript(
        utts,
        tuple(Turn(r.start, r.end, r.speaker) for r in ref),
        speakers,
        ref[-1].end,
        lang,
        metadata={"options": {"script": "hk"}},
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--llm-url", default=None, help="OpenAI-compatible /v1 URL to score too")
    ap.add_argument("--llm-model", default="local")
    ap.add_argument(
        "--oracle-only", action="store_true", help="score the scripts as transcripts only"
    )
    ap.add_argument(
        "--keep", type=Path, default=None, help="write each transcript and minutes here"
    )
    args = ap.parse_args()
    engine = Espeak()
    pipeline = Pipeline()
    pipeline.load()
    chosen = [m for m in meetings() if not args.only or m.name in args.only.split(",")]
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "meetings": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for meeting in chosen:
            samples, ref = render(meeting, engine)
            oracle = oracle_transcript(meeting, ref)
            om = summarize(oracle, MinutesOptions()).to_dict()
            oracle_row = score(meeting, ref, oracle, om)
            if args.oracle_only:
                results["meetings"][meeting.name] = {
                    "language": meeting.language,
                    "oracle": oracle_row,
                }
                print(meeting.name, json.dumps(oracle_row, ensure_ascii=False))
                continue
            wav = Path(tmp) / f"{meeting.name}.wav"
            write_wav(str(wav), samples)
            t0 = time.perf_counter()
            transcript = pipeline.run_file(wav)
            asr_s = time.perf_counter() - t0
            row: dict[str, Any] = {
                "oracle": oracle_row,
                "language": meeting.language,
                "minutes_audio": round(len(samples) / 16000 / 60, 1),
                "pipeline_s": round(asr_s, 1),
            }
            backends = [("extractive", MinutesOptions())]
            if args.llm_url:
                backends.append(
                    (
                        "llm",
                        MinutesOptions(
                            backend="openai",
                            llm=LLMOptions(base_url=args.llm_url, model=args.llm_model),
                        ),
                    )
                )
            for label, options in backends:
                t0 = time.perf_counter()
                try:
                    m = summarize(transcript, options).to_dict()
                except Exception as e:  # report and go on: one model failure is a result too
                    row[label] = {"error": str(e)}
                    continue
                row[label] = {
                    **score(meeting, ref, transcript, m),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
                if args.keep:
                    keep(args.keep, meeting.name, label, transcript, m, ref)
            results["meetings"][meeting.name] = row
            print(meeting.name, json.dumps(row, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    if args.oracle_only:
        (RESULTS / "minutes-oracle.json").write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n"
        )
        return
    (RESULTS / "minutes.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

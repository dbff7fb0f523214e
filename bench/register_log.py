"""Every Cantonese-or-Mandarin decision the pipeline makes, logged with both readings.

    python bench/register_log.py             # decode and log (about 20 minutes)
    python bench/register_log.py --replay    # apply stages/register.decide to the log

The register rule (``minutes.stages.register.decide``) is a pure function of a chunk's
Cantonese- and Mandarin-prompted readings and its tonal share. This script runs the
whole pipeline on every Chinese clip of ../shared/data — as recorded, and under added
noise, speed change, a telephone band and a tenth of the level — and on the
constructed meetings of bench/run.py and bench/language_tags.py, and for each decision
it logs both readings (even where the pipeline needed only one), the tonal share, and
the language the reference says the chunk is in. ``--replay`` then scores the current
rule on the log in a second, so a changed rule is judged on some 200 decisions, not on
the handful it was written for. Writes bench/results/register-log.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minutes.api import build_options
from minutes.audio import Audio, decode
from minutes.pipeline import Pipeline
from minutes.stages import register
from minutes.types import Segment

from bench.data import RefTurn, asr_items, recognition_meetings, tag_meetings

RESULTS = Path(__file__).resolve().parent / "results"
LOG = RESULTS / "register-log.json"
RATE = 16000


def variants(x: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """The clip as recorded and four harder versions of it."""
    import soxr
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    power = float(np.mean(x**2)) or 1e-8
    noise = rng.standard_normal(len(x)).astype(np.float32) * np.sqrt(power / 10 ** (15 / 10))
    band = butter(4, [300, 3400], btype="bandpass", fs=RATE, output="sos")
    return {
        "clean": x,
        "noise15dB": (x + noise).astype(np.float32),
        # Resampled to 0.9x / 1.1x the length: slower and lower, faster and higher.
        "slow": soxr.resample(x, RATE, RATE / 0.9).astype(np.float32),
        "fast": soxr.resample(x, RATE, RATE / 1.1).astype(np.float32),
        "telephone": sosfilt(band, x).astype(np.float32),
        "quiet": (x * 0.1).astype(np.float32),
    }


def truth(offset: float, duration: float, turns: list[RefTurn]) -> tuple[str, float]:
    """The language of most of the chunk's reference speech, and that share of it."""
    share: dict[str, float] = {}
    for t in turns:
        overlap = min(offset + duration, t.end) - max(offset, t.start)
        if overlap > 0:
            share[t.language] = share.get(t.language, 0.0) + overlap
    if not share:
        return "", 0.0
    best = max(share, key=share.__getitem__)
    return best, share[best] / sum(share.values())


def as_dict(reading: register.Reading) -> dict[str, Any]:
    return {
        "text": reading.text,
        "logprob": round(reading.logprob, 4),
        "compression": round(reading.compression, 3),
    }


def as_reading(d: dict[str, Any]) -> register.Reading:
    segments = (Segment(0.0, 1.0, d["text"], "zh"),) if d["text"] else ()
    return register.Reading(segments, d["logprob"], d["compression"])


@contextmanager
def logging_decisions(sink: Callable[[dict[str, Any]], None]) -> Iterator[None]:
    """Wrap ``register.choose`` so each decision made from the chunk alone reads both
    registers and reports them; readings are cached, so the pipeline's own choice
    costs nothing more."""
    original = register.choose

    def choose(
        samples: Any,
        offset: float,
        read: register.Read,
        user_prompt: str | None = None,
        forced: str | None = None,
        tonal: float = 0.0,
        hint: str | None = None,
    ) -> register.Verdict:
        cache: dict[tuple[str, bool], register.Reading] = {}

        def cached(x: object, at: float, prompt: str, ladder: bool) -> register.Reading:
            if (prompt, ladder) not in cache:
                cache[prompt, ladder] = read(x, at, prompt, ladder)
            return cache[prompt, ladder]

        verdict = original(samples, offset, cached, user_prompt, forced, tonal, hint)
        # Only decisions made from the chunk alone: a forced register is none, and a
        # speaker's hint is followed unless its reading contradicts it.
        if forced is None and hint is None:
            yue = cached(samples, offset, register.prompt_for("yue", user_prompt), False)
            zh = cached(samples, offset, register.prompt_for("zh", user_prompt), False)
            sink(
                {
                    "offset": round(offset, 2),
                    "duration": round(len(samples) / RATE, 2),  # type: ignore[arg-type]
                    "tonal": round(tonal, 4),
                    "yue": as_dict(yue),
                    "zh": as_dict(zh),
                    "pipeline": verdict.language,
                }
            )
        return verdict

    register.choose = choose  # type: ignore[assignment]
    try:
        yield
    finally:
        register.choose = original  # type: ignore[assignment]


def collect() -> list[dict[str, Any]]:
    items = asr_items()
    pipeline = Pipeline(build_options())
    pipeline.load()
    log: list[dict[str, Any]] = []
    sources: list[tuple[str, str, Audio, list[RefTurn]]] = []
    for k, item in enumerate(i for i in items if i.language in ("yue", "zh")):
        x = np.asarray(decode(item.path).samples, dtype=np.float32)
        for name, y in variants(x, k).items():
            turn = RefTurn(0.0, len(y) / RATE, "clip", item.reference, item.language)
            sources.append((item.path.name, name, Audio(samples=y, source=name), [turn]))
    for meeting in recognition_meetings(items) + tag_meetings(items, 10, 6):
        sources.append((meeting.name, "meeting", meeting.audio, meeting.turns))
    for n, (source, kind, audio, turns) in enumerate(sources, 1):
        found: list[dict[str, Any]] = []
        with logging_decisions(found.append):
            pipeline.run(audio)
        for d in found:
            language, share = truth(d["offset"], d["duration"], turns)
            log.append({"source": source, "kind": kind, "truth": language, "share": share} | d)
        print(f"[{n}/{len(sources)}] {source} {kind}: {len(found)} decisions", flush=True)
    return log


def replay(log: list[dict[str, Any]]) -> dict[str, Any]:
    """Score ``register.decide`` on the logged readings (Chinese chunks only)."""
    rows = [d for d in log if d["truth"] in ("yue", "zh")]
    by_kind: dict[str, list[int]] = {}
    wrong = []
    for d in rows:
        said = register.decide(as_reading(d["yue"]), as_reading(d["zh"]), d["tonal"])
        right = said == d["truth"]
        by_kind.setdefault(d["kind"], [0, 0])[0] += right
        by_kind[d["kind"]][1] += 1
        if not right:
            wrong.append(
                f"{d['truth']}->{said} {d['source']} {d['kind']} @{d['offset']} "
                f"tonal={d['tonal']:.3f} lead={d['yue']['logprob'] - d['zh']['logprob']:+.3f} "
                f"| {d['yue']['text'][:40]} | {d['zh']['text'][:40]}"
            )
    confusion = {
        f"{t}->{s}": sum(
            1
            for d in rows
            if d["truth"] == t
            and register.decide(as_reading(d["yue"]), as_reading(d["zh"]), d["tonal"]) == s
        )
        for t in ("yue", "zh")
        for s in ("yue", "zh")
    }
    return {
        "decisions": len(rows),
        "right": sum(r for r, _ in by_kind.values()),
        "by_kind": {k: f"{r}/{n}" for k, (r, n) in sorted(by_kind.items())},
        "confusion": confusion,
        "wrong": wrong,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replay", action="store_true", help="score the rule on the saved log")
    args = ap.parse_args()
    if not args.replay:
        t0 = time.perf_counter()
        log = collect()
        RESULTS.mkdir(exist_ok=True)
        LOG.write_text(
            json.dumps(
                {"date": time.strftime("%Y-%m-%d %H:%M"), "decisions": log},
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )
        print(f"logged {len(log)} decisions in {time.perf_counter() - t0:.0f} s")
    result = replay(json.loads(LOG.read_text())["decisions"])
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

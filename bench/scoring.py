"""Metrics the field reports: CER/WER (jiwer), DER/JER (pyannote.metrics), cpWER (meeteval)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import jiwer
import numpy as np

from minutes.language import normalise_for_scoring
from minutes.types import Transcript, Turn

from bench.data import RefTurn

_TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    """CER for Chinese (both sides Simplified, no punctuation), WER for English."""
    ref = normalise_for_scoring(reference, "cn")
    hyp = normalise_for_scoring(hypothesis, "cn")
    if language in ("yue", "zh"):
        return float(jiwer.cer(ref, hyp)) if ref else 0.0
    return float(jiwer.wer(ref, hyp)) if ref else 0.0


def diarization_errors(
    reference: Sequence[RefTurn], hypothesis: Sequence[Turn], uri: str, duration: float
) -> dict[str, float]:
    """Components (seconds) for DER at collar 0.25 and 0, overlap scored, plus JER."""
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    ref = Annotation(uri=uri)
    for t in reference:
        ref[Segment(t.start, t.end)] = t.speaker
    hyp = Annotation(uri=uri)
    for t in hypothesis:
        hyp[Segment(t.start, t.end)] = t.speaker
    uem = Timeline([Segment(0.0, duration)])
    out: dict[str, float] = {}
    for collar in (0.25, 0.0):
        m = DiarizationErrorRate(collar=collar, skip_overlap=False)
        d = m(ref, hyp, uem=uem, detailed=True)
        key = f"c{int(collar * 100):02d}"
        for comp in ("total", "missed detection", "false alarm", "confusion"):
            out[f"{key}_{comp.replace(' ', '_')}"] = float(d[comp])
    j = JaccardErrorRate(collar=0.0)
    out["jer"] = float(j(ref, hyp, uem=uem))
    out["ref_speakers"] = len(ref.labels())
    out["hyp_speakers"] = len(hyp.labels())
    out |= overlap_detection(reference, hypothesis, duration)
    return out


def overlap_detection(
    reference: Sequence[RefTurn], hypothesis: Sequence[Turn], duration: float
) -> dict[str, float]:
    """Seconds of overlapped speech (two or more speakers) in the reference, in the
    hypothesis, and in both, on a 10 ms grid."""

    def overlapped(turns: Sequence[RefTurn] | Sequence[Turn]) -> np.ndarray:
        grid = np.zeros(int(duration * 100) + 1, np.int32)
        for t in turns:
            grid[int(t.start * 100) : int(t.end * 100)] += 1
        return grid >= 2

    ref, hyp = overlapped(reference), overlapped(hypothesis)
    return {
        "overlap_ref": float(ref.sum()) / 100,
        "overlap_hyp": float(hyp.sum()) / 100,
        "overlap_hit": float((ref & hyp).sum()) / 100,
    }


def interjection_lines(
    reference: Sequence[RefTurn], transcript: Transcript, duration: float
) -> dict[str, float]:
    """Lines without text (interjections heard only over someone, ``assemble.crosstalk``):
    how many, how long, and how much of them lies in the reference's overlapped speech
    (two or more people talking) and in its speech at all, on a 10 ms grid."""
    grid = np.zeros(int(duration * 100) + 1, np.int32)
    for t in reference:
        grid[int(t.start * 100) : int(t.end * 100)] += 1
    lines = [u for u in transcript.utterances if not u.heard]
    mask = np.zeros_like(grid, dtype=bool)
    for u in lines:
        mask[int(u.start * 100) : int(u.end * 100)] = True
    return {
        "interjections": len(lines),
        "interjection_seconds": float(mask.sum()) / 100,
        "interjection_in_overlap": float((mask & (grid >= 2)).sum()) / 100,
        "interjection_in_speech": float((mask & (grid >= 1)).sum()) / 100,
    }


def tokens(text: str) -> list[str]:
    """Scoring tokens: each Chinese character alone, Latin and digit runs as words."""
    norm = normalise_for_scoring(text, "cn")
    return _TOKEN.findall(norm)


def cpwer(reference: Sequence[RefTurn], transcript: Transcript) -> dict[str, float]:
    """Concatenated minimum-permutation error rate (meeteval), mixed-language tokens."""
    from meeteval.wer import cp_word_error_rate

    ref: dict[str, list[str]] = {}
    for t in reference:
        ref.setdefault(t.speaker, []).extend(tokens(t.text))
    hyp: dict[str, list[str]] = {}
    for u in transcript.utterances:
        hyp.setdefault(u.speaker, []).extend(tokens(u.text))
    r = cp_word_error_rate(
        {k: " ".join(v) for k, v in ref.items()}, {k: " ".join(v) for k, v in hyp.items()}
    )
    return {"cpwer": float(r.error_rate), "errors": int(r.errors), "length": int(r.length)}


def language_accuracy(reference: Sequence[RefTurn], transcript: Transcript) -> dict[str, float]:
    """Share of reference turns whose overlapping utterances carry the right language tag.

    A turn's hypothesis tag is the tag of the utterance time that overlaps it most;
    ``mixed`` counts as right for any language (it claims both).
    """
    right = 0
    scored = 0
    confusions: dict[str, int] = {}
    for t in reference:
        share: dict[str, float] = {}
        for u in transcript.utterances:
            ov = min(t.end, u.end) - max(t.start, u.start)
            if ov > 0:
                share[u.language] = share.get(u.language, 0.0) + ov
        if not share:
            continue
        scored += 1
        tag = max(share, key=lambda k: share[k])
        if tag == t.language or tag == "mixed":
            right += 1
        else:
            key = f"{t.language}->{tag}"
            confusions[key] = confusions.get(key, 0) + 1
    return {
        "language_accuracy": right / scored if scored else 0.0,
        "language_scored": scored,
        "language_confusions": confusions,  # type: ignore[dict-item]
    }

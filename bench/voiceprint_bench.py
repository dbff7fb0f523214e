"""Voiceprints on real voices: the AMI excerpts and the ASR clips in ../shared/data.

    python bench/voiceprint_bench.py

Every AMI speaker's voiceprint is made from their reference turns in one excerpt and
compared with every speaker's turns in the other excerpts: same person → genuine
score, different person → impostor score. Speakers with enough speech also give a
same-session pair (first half of their turns against the second). The close-talk ASR
clips (21 voices) add pairs the same way: each clip's halves are genuine, halves of
different voices impostors. Reports the equal error rate, the false-accept and
false-reject rates at candidate thresholds, identification accuracy when each AMI
speaker is enrolled from their first excerpt (with unenrolled speakers mixed in), and
how often the enrolment's two-voice check refuses a clip of one voice or accepts two
voices joined, and how references of 2–10 s (the OpenAI endpoint's known speakers)
fare against whole speakers at the default threshold. Writes
bench/results/voiceprints.json (``voiceprints--<model id>.json`` when another speaker
model is configured with MINUTES_SPEAKER_MODEL).
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

from minutes.audio import Audio, decode
from minutes.models import EMBEDDED_SPEAKER_MODEL, ModelRegistry
from minutes.options import VOICEPRINT_THRESHOLD
from minutes.stages.speaker_encoder import SpeakerEncoder, load_speaker_encoder
from minutes.stages.vad_silero import SileroVad
from minutes.types import SpeechRegion, Turn
from minutes.voiceprints import (
    EnrolmentError,
    Voiceprint,
    centroids,
    embedding,
    enrol,
    identify,
)

from bench.data import ami_path, ami_references, asr_items, speaker_of

RESULTS = Path(__file__).resolve().parent / "results"
THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70)
MIN_SECONDS = 3.0


def equal_error(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(equal error rate, the threshold where false accepts and rejects meet)."""
    grid = np.linspace(-0.5, 1.0, 1501)
    far = np.array([(impostor >= t).mean() for t in grid])
    frr = np.array([(genuine < t).mean() for t in grid])
    k = int(np.argmin(np.abs(far - frr)))
    return round(float((far[k] + frr[k]) / 2), 4), round(float(grid[k]), 3)


def clip_scores(embedder: SpeakerEncoder) -> tuple[list[float], list[float]]:
    """Genuine (halves of one clip, or two clips of one voice) and impostor scores."""
    halves: list[tuple[str, str, np.ndarray]] = []
    for item in asr_items():
        if not item.one_voice:
            continue
        audio = decode(item.path)
        mid = audio.duration / 2
        for part in (SpeechRegion(0.0, mid), SpeechRegion(mid, audio.duration)):
            v = embedding(embedder, audio, [part])
            if len(v):
                halves.append((speaker_of(item), str(item.path), v))
    genuine, impostor = [], []
    for (sa, _, va), (sb, _, vb) in itertools.combinations(halves, 2):
        (genuine if sa == sb else impostor).append(float(va @ vb))
    return genuine, impostor


REFERENCE_SECONDS = (2.0, 3.0, 4.0, 6.0, 10.0)


def short_references(
    embedder: SpeakerEncoder, threshold: float
) -> dict[str, dict[str, float | int]]:
    """A reference of 2–10 s of one person (as OpenAI's known speakers give them)
    against the rest of that person's speech and against everyone else's, on the
    meeting voices (each AMI and sample speaker's solo speech, 7–38 s): how often a
    short reference names the wrong person, and misses the right one, at ``threshold``."""
    from bench.data import meeting_voices

    def embed(x: np.ndarray) -> np.ndarray:
        audio = Audio.from_array(x)
        return embedding(embedder, audio, [SpeechRegion(0.0, audio.duration)])

    voices = meeting_voices()
    whole = {who: embed(x) for who, x in voices.items()}
    out: dict[str, dict[str, float | int]] = {}
    for seconds in REFERENCE_SECONDS:
        n = int(seconds * 16000)
        genuine, impostor = [], []
        for who, x in voices.items():
            if len(x) < n + int(MIN_SECONDS * 16000):
                continue
            ref, rest = embed(x[:n]), embed(x[n:])
            genuine.append(float(ref @ rest))
            impostor += [float(ref @ v) for other, v in whole.items() if other != who]
        g, i = np.array(genuine), np.array(impostor)
        out[f"{seconds:g}"] = {
            "people": len(g),
            "impostor_pairs": len(i),
            "false_accept": round(float((i >= threshold).mean()), 4) if len(i) else 0.0,
            "false_reject": round(float((g < threshold).mean()), 4) if len(g) else 0.0,
            "genuine_mean": round(float(g.mean()), 3) if len(g) else 0.0,
            "impostor_mean": round(float(i.mean()), 3) if len(i) else 0.0,
        }
    return out


def two_voice_check(embedder: SpeakerEncoder) -> dict[str, int]:
    """Enrolment on one real voice (must pass) and on two joined (must be refused)."""
    vad = SileroVad(ModelRegistry().vad_path())
    voices: dict[str, np.ndarray] = {}
    for item in asr_items():
        if not item.one_voice:
            continue
        x = np.asarray(decode(item.path).samples, np.float32)
        if len(x) > len(voices.get(speaker_of(item), ())):
            voices[speaker_of(item)] = x
    names = sorted(voices)
    out = {"one_voice": 0, "one_voice_refused": 0, "two_voices": 0, "two_voices_accepted": 0}

    def refused(x: np.ndarray) -> bool | None:
        audio = Audio.from_array(x)
        try:
            enrol("X", embedder, audio, vad.detect(audio))
        except EnrolmentError as e:
            return "more than one voice" in str(e)
        return False

    for n in names:
        r = refused(voices[n])
        if r is not None:
            out["one_voice"] += 1
            out["one_voice_refused"] += bool(r)
    for a, b in zip(names, names[1:] + names[:1], strict=True):
        gap = np.zeros(8000, np.float32)
        r = refused(np.concatenate([voices[a][: 16000 * 8], gap, voices[b][: 16000 * 8]]))
        if r is not None:
            out["two_voices"] += 1
            out["two_voices_accepted"] += not r
    return out


def main() -> None:
    registry = ModelRegistry()
    embedder = load_speaker_encoder(registry)
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
    ami_pairs = (len(genuine), len(impostor))
    clip_genuine, clip_impostor = clip_scores(embedder)
    genuine += clip_genuine
    impostor += clip_impostor
    g, i = np.array(genuine), np.array(impostor)
    rates = {
        f"{t:.2f}": {
            "false_accept": round(float((i >= t).mean()), 4),
            "false_reject": round(float((g < t).mean()), 4),
        }
        for t in THRESHOLDS
    }
    eer, eer_threshold = equal_error(g, i)
    ami_eer, _ = equal_error(g[: ami_pairs[0]], i[: ami_pairs[1]])

    # Identification: enrol each speaker from their first excerpt, half of them only.
    first: dict[str, tuple[str, np.ndarray]] = {}
    for f, s, v in prints:
        first.setdefault(s, (f, v))
    enrolled = sorted(first)[::2]
    book = [
        Voiceprint(s, tuple(float(x) for x in first[s][1]), 60.0, model=embedder.model_id)
        for s in enrolled
    ]
    ident: dict[str, dict[str, int]] = {}
    for t in THRESHOLDS:
        right = wrong = missed = rejected = 0
        for f, s, v in prints:
            if first[s][0] == f:
                continue  # not held out
            match = identify({s: v}, book, threshold=t, model=embedder.model_id)
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
        "model": embedder.model_id,
        "speakers": len({s for _, s, _ in prints}),
        "prints": len(prints),
        "genuine_pairs": len(g),
        "genuine_cross_session": cross_session,
        "genuine_same_session_halves": len(halves),
        "impostor_pairs": len(i),
        "ami_pairs": {"genuine": ami_pairs[0], "impostor": ami_pairs[1]},
        "clip_pairs": {"genuine": len(clip_genuine), "impostor": len(clip_impostor)},
        "genuine_mean": round(float(g.mean()), 3) if len(g) else None,
        "impostor_mean": round(float(i.mean()), 3) if len(i) else None,
        "eer": eer,
        "eer_threshold": eer_threshold,
        "ami_eer": ami_eer,
        "rates": rates,
        "identification": ident,
        "two_voice_check": two_voice_check(embedder),
        "short_references": short_references(embedder, VOICEPRINT_THRESHOLD),
    }
    RESULTS.mkdir(exist_ok=True)
    own = "" if embedder.model_id == EMBEDDED_SPEAKER_MODEL else f"--{embedder.model_id}"
    (RESULTS / f"voiceprints{own}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""The shared evaluation data: manifest items, references, and constructed meetings."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minutes.audio import Audio, decode

SHARED = Path(
    os.environ.get("MINUTES_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
AMI_DIR = "diarization/pyannote-audio/tests_data"

# Labels the manifest itself flags as wrong; the likely prompt is used instead.
CORRECTED = {"en/speechbrain-tests/spk1_snt2.wav": "DROP THE TWO WHEN YOU ADD THE FIGURES"}


@dataclass(frozen=True)
class AsrItem:
    path: Path
    language: str
    reference: str
    duration: float
    weak: bool  # reference is a model output or automatic label
    # The dataset marks some clips as holding several speakers (WenetSpeech-Yue's
    # "speaker=multispk"); such a clip cannot stand for one voice.
    one_voice: bool = True


@dataclass(frozen=True)
class RefTurn:
    start: float
    end: float
    speaker: str
    text: str = ""
    language: str = ""
    clip: str = ""  # file name of the clip a constructed turn was made from


def manifest() -> list[dict[str, str]]:
    with (SHARED / "MANIFEST.tsv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def asr_items() -> list[AsrItem]:
    items = []
    for row in manifest():
        if row["kind"] != "asr" or row["local_path"].endswith("stereo_diarization.wav"):
            continue
        ref = CORRECTED.get(row["local_path"], row["reference"])
        weak = "WEAK" in row["notes"] or row["language"] == "yue"
        items.append(
            AsrItem(
                SHARED / row["local_path"],
                row["language"],
                ref,
                float(row["duration_s"] or 0),
                weak,
                one_voice="speaker=multispk" not in row["notes"],
            )
        )
    return items


def read_rttm(path: Path) -> dict[str, list[RefTurn]]:
    """Reference turns per recording (uri) from an RTTM file."""
    refs: dict[str, list[RefTurn]] = {}
    for line in path.read_text().splitlines():
        p = line.split()
        start = float(p[3])
        refs.setdefault(p[1], []).append(RefTurn(start, start + float(p[4]), p[7]))
    return refs


def ami_references() -> dict[str, list[RefTurn]]:
    refs: dict[str, list[RefTurn]] = {}
    for name in ("debug.development.rttm", "debug.train.rttm"):
        refs |= read_rttm(SHARED / AMI_DIR / name)
    return refs


def ami_path(uri: str) -> Path:
    return SHARED / AMI_DIR / ("trñ00.wav" if uri == "trn00" else f"{uri}.wav")


# Level every meeting voice is brought to: the AMI excerpts were recorded 16 dB apart
# (-51 to -35 dBFS), while in one meeting everyone reaches the same microphones.
VOICE_DBFS = -26.0
SOLO_EDGE = 0.05  # seconds trimmed from each end of a solo stretch (label jitter)


def meeting_voices(min_seconds: float = 6.0) -> dict[str, np.ndarray]:
    """Each speaker of the diarization recordings (AMI excerpts and pyannote's sample),
    their speech where the reference has them talking alone, joined.

    The close-talk clips give most voices under 5 s of speech in all, too little to tell
    whether a meeting's speaker count holds up when everyone speaks for a while. These
    recordings hold real meeting speech of up to 38 s per person. Only people with
    ``min_seconds`` of solo speech are kept; stretches shorter than 0.5 s are left out.
    """
    sources = [(ami_path(uri), turns) for uri, turns in sorted(ami_references().items())]
    sample = SHARED / "diarization/pyannote-audio/sample"
    sources.append((sample / "sample.wav", read_rttm(sample / "sample.rttm")["sample"]))
    voices: dict[str, list[np.ndarray]] = {}
    for path, turns in sources:
        samples = np.asarray(decode(path).samples, dtype=np.float32)
        frames = len(samples) // 160  # 10 ms
        talking = np.zeros(frames, dtype=np.int64)
        for t in turns:
            talking[int(t.start * 100) : int(t.end * 100)] += 1
        for speaker in sorted({t.speaker for t in turns}):
            mine = np.zeros(frames, dtype=bool)
            for t in turns:
                if t.speaker == speaker:
                    mine[int(t.start * 100) : int(t.end * 100)] = True
            solo = np.flatnonzero(np.diff(np.r_[0, (mine & (talking == 1)).astype(int), 0]))
            edge = int(SOLO_EDGE * 100)
            for start, end in zip(solo[::2] + edge, solo[1::2] - edge, strict=True):
                if end - start >= 50:
                    voices.setdefault(speaker, []).append(samples[start * 160 : end * 160])
    out: dict[str, np.ndarray] = {}
    for speaker, parts in voices.items():
        x = np.concatenate(parts)
        if len(x) < min_seconds * 16000:
            continue
        rms = float(np.sqrt(np.mean(np.square(x))))
        out[speaker] = (x * (10 ** (VOICE_DBFS / 20) / max(rms, 1e-9))).astype(np.float32)
    return out


@dataclass(frozen=True)
class Meeting:
    name: str
    audio: Audio
    turns: list[RefTurn]


def construct_meeting(
    name: str, items: list[AsrItem], seed: int = 0, gap: tuple[float, float] = (0.3, 1.2)
) -> Meeting:
    """Concatenate real clips (each source recording is its own speaker), exact reference."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    turns: list[RefTurn] = []
    t = 0.5
    parts.append(np.zeros(int(0.5 * 16000), np.float32))
    for item in items:
        x = np.asarray(decode(item.path).samples, dtype=np.float32)
        turns.append(
            RefTurn(
                t,
                t + len(x) / 16000,
                speaker_of(item),
                item.reference,
                item.language,
                item.path.name,
            )
        )
        parts.append(x)
        g = float(rng.uniform(*gap))
        parts.append(np.zeros(int(g * 16000), np.float32))
        t += len(x) / 16000 + g
    return Meeting(name, Audio(samples=np.concatenate(parts), source=name), turns)


def recognition_meetings(items: list[AsrItem]) -> list[Meeting]:
    """bench/run.py's three constructed meetings: Cantonese, English and Mandarin clips,
    each source recording a speaker."""
    by_lang: dict[str, list[AsrItem]] = {}
    for it in items:
        by_lang.setdefault(it.language, []).append(it)
    plans = {
        "mixed-3lang": by_lang["yue"][:3] + by_lang["en"][:3] + by_lang["zh"][:3],
        "yue-en": [
            x for pair in zip(by_lang["yue"][3:8], by_lang["en"][3:8], strict=False) for x in pair
        ],
        # Cantonese answered in Mandarin: the two Chinese the audio verdict cannot tell apart.
        "yue-zh": [
            x for pair in zip(by_lang["yue"][8:12], by_lang["zh"], strict=False) for x in pair
        ],
    }
    return [construct_meeting(name, plan, seed=len(name)) for name, plan in plans.items()]


def tag_meetings(items: list[AsrItem], meetings: int, turns: int) -> list[Meeting]:
    """bench/language_tags.py's meetings: ``turns`` clips each, drawn at random (fixed
    seeds) from all the clips."""
    out = []
    for seed in range(meetings):
        rng = np.random.default_rng(500 + seed)
        plan = [items[i] for i in rng.choice(len(items), size=turns, replace=False)]
        out.append(construct_meeting(f"tags{seed}", plan, seed=seed))
    return out


def speaker_of(item: AsrItem) -> str:
    """Different source recordings are different speakers; speechbrain's spk1 is one."""
    stem = item.path.stem
    if item.path.parent.name == "speechbrain-tests":
        return "speechbrain_spk1"
    return f"{item.path.parent.name}_{stem.split('_')[0]}"


def long_input(minutes: float, items: list[AsrItem]) -> Audio:
    """A recording of ``minutes`` made by cycling through real clips with short gaps."""
    clips = [np.asarray(decode(i.path).samples, dtype=np.float32) for i in items]
    gap = np.zeros(int(0.7 * 16000), np.float32)
    target = int(minutes * 60 * 16000)
    out = np.zeros(target, np.float32)
    pos = 0
    k = 0
    while pos < target:
        x = clips[k % len(clips)]
        n = min(len(x), target - pos)
        out[pos : pos + n] = x[:n]
        pos += n + len(gap)
        k += 1
    return Audio(samples=out, source=f"long-{minutes:g}min")

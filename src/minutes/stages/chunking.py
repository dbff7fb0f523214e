"""Where to cut speech for decoding: chunks packed to Whisper's window, cut between
speakers, and very long stretches cut at a quiet moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minutes.audio import Audio
from minutes.types import SpeechRegion, Turn

# A region closer than this to the previous one joins its chunk (seconds of gap).
JOIN_GAP = 2.0
# Whisper computes features for all it is given at once; longer stretches are cut at
# their quietest moment so memory stays flat on hour-long monologues.
MAX_DECODE = 300.0


@dataclass(frozen=True, slots=True)
class Chunk:
    start: float
    end: float


def speech_pieces(
    regions: Sequence[SpeechRegion], turns: Sequence[Turn] = ()
) -> list[list[SpeechRegion]]:
    """Speech grouped by speaker: regions are cut where the speaker changes, and
    consecutive pieces of one speaker form a group."""
    ordered = sorted(turns, key=lambda t: t.start)
    cuts = sorted({t.start for t in ordered} | {t.end for t in ordered})

    def who(a: float, b: float) -> str:
        best, speaker = 0.0, ""
        for t in ordered:
            ov = min(b, t.end) - max(a, t.start)
            if ov > best:
                best, speaker = ov, t.speaker
        return speaker

    groups: list[list[SpeechRegion]] = []
    last_speaker: str | None = None
    for r in regions:
        start = r.start
        bounds = [c for c in cuts if start + 0.2 < c < r.end - 0.2] + [r.end]
        for c in bounds:
            piece = SpeechRegion(start, c)
            speaker = who(start, c) if ordered else ""
            if groups and speaker == last_speaker and start - groups[-1][-1].end <= JOIN_GAP:
                groups[-1].append(piece)
            else:
                groups.append([piece])
            last_speaker, start = speaker, c
    return groups


def plan_chunks(
    regions: Sequence[SpeechRegion], max_chunk: float, turns: Sequence[Turn] = ()
) -> list[Chunk]:
    """Pack speech into decoding chunks no longer than ``max_chunk`` seconds.

    With speaker turns, a chunk holds one speaker's turn: its language and register
    (Cantonese or Mandarin) are decided for that speaker alone, so a Cantonese speaker
    answered in English, or in Mandarin, is read right. A turn longer than a window is
    cut at its pauses. Without turns, nearby speech is packed into full windows. A single piece
    longer than ``max_chunk`` stays whole: Whisper walks through it with its own
    timestamp-driven seek, which cuts between words rather than inside them.
    """
    chunks: list[Chunk] = []

    def fits(a: float, b: float) -> bool:
        return bool(chunks) and a - chunks[-1].end <= JOIN_GAP and b - chunks[-1].start <= max_chunk

    for group in speech_pieces(regions, turns):
        a, b = group[0].start, group[-1].end
        if not turns and fits(a, b):
            chunks[-1] = Chunk(chunks[-1].start, b)
        elif b - a <= max_chunk:
            chunks.append(Chunk(a, b))
        else:
            first = True
            for r in group:
                if not first and fits(r.start, r.end):
                    chunks[-1] = Chunk(chunks[-1].start, r.end)
                else:
                    chunks.append(Chunk(r.start, r.end))
                first = False
    return chunks


def split_long(audio: Audio, chunk: Chunk, limit: float = MAX_DECODE) -> list[Chunk]:
    """``chunk`` cut into pieces of at most ``limit`` s at the quietest 100 ms near each cut."""
    out: list[Chunk] = []
    start = chunk.start
    while chunk.end - start > limit:
        search_from = start + limit - 10.0
        x = audio.slice(search_from, start + limit)
        frame = audio.sample_rate // 10
        n = len(x) // frame
        if n == 0:
            cut = start + limit
        else:
            energy = np.square(x[: n * frame].reshape(n, frame)).mean(axis=1)
            cut = search_from + (int(np.argmin(energy)) + 0.5) * 0.1
        out.append(Chunk(start, cut))
        start = cut
    out.append(Chunk(start, chunk.end))
    return out

"""Where to cut speech for decoding: chunks packed to Whisper's window, cut between
speakers, and very long stretches cut at a quiet moment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from minutes.audio import Audio
from minutes.types import SpeechRegion, Turn

# A region closer than this to the previous one joins its chunk (seconds of gap).
JOIN_GAP = 2.0
# Whisper computes features for all it is given at once; longer stretches are cut at
# their quietest moment so memory stays flat on hour-long monologues.
MAX_DECODE = 300.0
# Seconds read beyond each end of a chunk, on top of the VAD's own padding: 0.4 s in
# all, as faster-whisper's VAD filter pads. Silero opens a region after a soft onset
# (「诶」, an unstressed first syllable) has begun; the diarizer keeps the tighter regions,
# where more padding would count as false alarm (docs/benchmarks.md, session 15).
READ_MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class Chunk:
    start: float
    end: float
    # The Chinese register ("yue" or "zh") or language of every speaker in the chunk,
    # when it is known beforehand (see plan_chunks).
    register: str | None = None


def speech_pieces(
    regions: Sequence[SpeechRegion], turns: Sequence[Turn] = ()
) -> list[tuple[str, list[SpeechRegion]]]:
    """Speech grouped by speaker: regions are cut where the speaker changes, and
    consecutive pieces of one speaker form a group (speaker "" without turns)."""
    ordered = sorted(turns, key=lambda t: t.start)
    cuts = sorted({t.start for t in ordered} | {t.end for t in ordered})

    def who(a: float, b: float) -> str:
        best, speaker = 0.0, ""
        for t in ordered:
            ov = min(b, t.end) - max(a, t.start)
            if ov > best:
                best, speaker = ov, t.speaker
        return speaker

    groups: list[tuple[str, list[SpeechRegion]]] = []
    for r in regions:
        start = r.start
        bounds = [c for c in cuts if start + 0.2 < c < r.end - 0.2] + [r.end]
        for c in bounds:
            piece = SpeechRegion(start, c)
            speaker = who(start, c) if ordered else ""
            if groups and speaker == groups[-1][0] and start - groups[-1][1][-1].end <= JOIN_GAP:
                groups[-1][1].append(piece)
            else:
                groups.append((speaker, [piece]))
            start = c
    return groups


def plan_chunks(
    regions: Sequence[SpeechRegion],
    max_chunk: float,
    turns: Sequence[Turn] = (),
    registers: Mapping[str, str] | None = None,
) -> list[Chunk]:
    """Pack speech into decoding chunks no longer than ``max_chunk`` seconds.

    Whole speaker turns are packed together, so a chunk is cut where the speaker changes
    whenever a turn fits in a window; a longer turn is cut at its pauses. With
    ``registers`` (speaker → "yue" / "zh" / "en", as far as known), turns are packed
    only with turns of speakers known to speak the same: a Cantonese speaker answered in
    English or Mandarin keeps a chunk of their own, read in their own register, and a
    speaker not yet known is decided turn by turn. A single piece longer than
    ``max_chunk`` stays whole: Whisper walks through it with its own timestamp-driven
    seek, which cuts between words rather than inside them.
    """
    chunks: list[Chunk] = []
    last = ""

    def fits(speaker: str, a: float, b: float) -> bool:
        if not chunks or a - chunks[-1].end > JOIN_GAP or b - chunks[-1].start > max_chunk:
            return False
        if registers is None or speaker == last:
            return True
        return registers.get(speaker) is not None and registers.get(speaker) == registers.get(last)

    for speaker, group in speech_pieces(regions, turns):
        register = registers.get(speaker) if registers is not None else None
        a, b = group[0].start, group[-1].end
        if fits(speaker, a, b):
            chunks[-1] = Chunk(chunks[-1].start, b, register)
        elif b - a <= max_chunk:
            chunks.append(Chunk(a, b, register))
        else:
            for r in group:
                if fits(speaker, r.start, r.end):
                    chunks[-1] = Chunk(chunks[-1].start, r.end, register)
                else:
                    chunks.append(Chunk(r.start, r.end, register))
                last = speaker
        last = speaker
    return chunks


def widened(chunks: Sequence[Chunk], duration: float, margin: float = READ_MARGIN) -> list[Chunk]:
    """``chunks`` (in time order) each read ``margin`` s further on both sides, never
    past the recording's ends nor past the middle of the gap to a neighbour, so no
    stretch of audio is read twice."""
    out: list[Chunk] = []
    for i, c in enumerate(chunks):
        lo = (chunks[i - 1].end + c.start) / 2 if i else 0.0
        hi = (c.end + chunks[i + 1].start) / 2 if i + 1 < len(chunks) else duration
        out.append(Chunk(max(c.start - margin, lo), min(c.end + margin, hi), c.register))
    return out


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
        out.append(Chunk(start, cut, chunk.register))
        start = cut
    out.append(Chunk(start, chunk.end, chunk.register))
    return out

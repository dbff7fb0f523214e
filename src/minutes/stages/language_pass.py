"""A second recognition pass for speakers whose language differs from their chunk's.

Chunks are packed to Whisper's 30 s window for speed, so one chunk can hold a Cantonese
speaker and an English one, decoded with a single language. A speaker's stretch whose
words come out improbable (or missing) is a suspect; Whisper's language identification
is asked about the stretch alone. Suspects found to be in another language are packed
together (with short silences between them) into a few 30 s batches per language,
decoded once per batch, and mapped back to their own times. Packing matters: each
Whisper call costs a full 30 s encoder pass, so decoding suspects one by one would
cost several times more.

Word probabilities alone cannot pick the language: Chinese speech decoded as English
comes out as a fluent, confident *translation*.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from minutes.audio import Audio
from minutes.stages.chunking import Chunk
from minutes.stages.register import contradicts
from minutes.types import Segment, SpeechRegion, Turn, Word

# A stretch whose words average below this probability is re-read in another language.
SUSPECT_PROBABILITY = 0.6
SUSPECT_MIN_SECONDS = 1.0
SKIPPED_SECONDS = 3.0  # speech left without words this long is read again
# No word is spoken for longer; Whisper's last word before a skip can span seconds.
LONGEST_WORD = 2.0
# A chunk whose language Whisper was this unsure of may hold two languages
# (an English sentence after a Cantonese one; or two people the diarizer joined): its
# stretches of speech between pauses are checked one by one. Chinese chunks of a few
# seconds or more are heard as Chinese at 0.9 or more on ../shared/data (short
# interjections far lower); the English clip joined to a Cantonese one in a
# constructed meeting, at 0.54.
UNSURE_LANGUAGE = 0.75
BATCH_SECONDS = 30.0
GAP = 0.5  # silence between packed stretches, so Whisper hears a pause

Decode = Callable[[np.ndarray, float, str], list[Segment]]
Identify = Callable[[np.ndarray], str]


@dataclass(frozen=True, slots=True)
class Suspect:
    start: float
    end: float
    language: str  # the language it was decoded with
    score: float  # mean word probability of that reading (0 when it produced nothing)
    # Its words contradict the register it was read in (Mandarin words read as
    # Cantonese, or plainly written Cantonese read as Mandarin): one person's Cantonese
    # and Mandarin turns packed into one chunk, read in one register.
    doubt: bool = False


def mean_probability(words: Sequence[Word]) -> float:
    return sum(w.probability for w in words) / len(words) if words else 0.0


def _words_in(segments: Sequence[Segment], a: float, b: float) -> list[Word]:
    return [w for s in segments for w in s.words if a <= (w.start + w.end) / 2 < b]


def find_suspects(
    chunks: Sequence[Chunk],
    segments: Sequence[Segment],
    turns: Sequence[Turn],
    regions: Sequence[SpeechRegion] = (),
) -> list[Suspect]:
    """Speaker stretches whose reading looks wrong or is missing.

    In a chunk with several speakers or turns, a stretch with improbable words is
    suspect (its language may differ from the chunk's); when it holds several
    stretches of speech between pauses (``regions``), each is judged alone, so a
    sentence in another language inside one person's turn is found. In a chunk whose
    language Whisper was unsure of, each such stretch is suspect. In any chunk, speech
    left without words for ``SKIPPED_SECONDS`` or more is suspect: Whisper sometimes
    ends a window early, or skips its middle, and stretches a word over what it
    skipped.
    """
    out: list[Suspect] = []
    spans = _word_spans(segments)
    for c in chunks:
        pieces = [
            (max(t.start, c.start), min(t.end, c.end))
            for t in turns
            if min(t.end, c.end) - max(t.start, c.start) >= SUSPECT_MIN_SECONDS
        ]
        first = next((s for s in segments if s.start < c.end and s.end > c.start), None)
        language = first.language if first else ""
        if first and first.language_probability < UNSURE_LANGUAGE:
            stretches = _stretches(regions, pieces)
            if len(stretches) > 1:
                for a, b in stretches:
                    out.append(Suspect(a, b, language, mean_probability(_words_in(segments, a, b))))
                continue
        for a, b in pieces:
            words = _words_in(segments, a, b)
            score = mean_probability(words)
            if not words:
                out.append(Suspect(a, b, language, 0.0))
                continue
            if len(pieces) > 1 and score < SUSPECT_PROBABILITY:
                stretches = _stretches(regions, [(a, b)]) or [(a, b)]
                for x, y in stretches:
                    found = _words_in(segments, x, y)
                    out.append(
                        Suspect(x, y, language, mean_probability(found), _doubt(language, found))
                    )
                continue
            for x, y in _uncovered(spans, a, b):
                if _speech(regions, x, y) >= SUSPECT_MIN_SECONDS:
                    out.append(Suspect(x, y, language, 0.0))
    return sorted(out, key=lambda s: s.start)


def _doubt(language: str, words: Sequence[Word]) -> bool:
    """The words read in one Chinese register look like the other one."""
    return language in ("yue", "zh") and contradicts(language, "".join(w.text for w in words))


def _word_spans(segments: Sequence[Segment]) -> list[tuple[float, float]]:
    """The time each word stands for, sorted. A word Whisper stretched over seconds it
    skipped (the last word of a window it ended early) counts for ``LONGEST_WORD``."""
    return sorted((w.start, min(w.end, w.start + LONGEST_WORD)) for s in segments for w in s.words)


def _uncovered(
    spans: Sequence[tuple[float, float]], a: float, b: float
) -> list[tuple[float, float]]:
    """Stretches of [a, b) at least ``SKIPPED_SECONDS`` long that no word stands for."""
    out = []
    at = a
    for x, y in spans:
        if y <= at:
            continue
        if x >= b:
            break
        if x - at >= SKIPPED_SECONDS:
            out.append((at, x))
        at = max(at, y)
    if b - at >= SKIPPED_SECONDS:
        out.append((at, b))
    return out


def _covered(segments: Sequence[Segment]) -> float:
    """Seconds the words of ``segments`` stand for."""
    return sum(y - x for x, y in _word_spans(segments))


def _speech(regions: Sequence[SpeechRegion], a: float, b: float) -> float:
    """Seconds of detected speech in [a, b) (all of it when no regions are given)."""
    if not regions:
        return b - a
    return sum(max(0.0, min(r.end, b) - max(r.start, a)) for r in regions)


def _stretches(
    regions: Sequence[SpeechRegion], pieces: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The parts of ``regions`` inside the pieces (overlapping pieces joined) long
    enough to be judged alone, meeting at the middle of the pauses between them: words
    Whisper timed into a pause go with the nearer stretch."""
    joined: list[tuple[float, float]] = []
    for a, b in sorted(pieces):
        if joined and a <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    inside = [(max(r.start, a), min(r.end, b)) for a, b in joined for r in regions]
    spans = sorted((x, y) for x, y in inside if y - x >= SUSPECT_MIN_SECONDS)
    cuts = [(y + x) / 2 for (_, y), (x, _) in itertools.pairwise(spans)]
    starts = [spans[0][0], *cuts] if spans else []
    ends = [*cuts, spans[-1][1]] if spans else []
    return list(zip(starts, ends, strict=True))


def _family(language: str) -> str:
    # The audio verdict is "zh" for either Chinese; the register is decided on decoding.
    return "zh" if language in ("zh", "yue") else language


def pack(suspects: Sequence[Suspect], limit: float = BATCH_SECONDS) -> list[list[Suspect]]:
    """Group suspects into batches whose audio (with gaps) fits one Whisper window."""
    batches: list[list[Suspect]] = []
    size = 0.0
    for s in suspects:
        length = min(s.end - s.start, limit)
        if batches and size + GAP + length <= limit:
            batches[-1].append(s)
            size += GAP + length
        else:
            batches.append([s])
            size = length
    return batches


def reread(
    audio: Audio,
    segments: Sequence[Segment],
    suspects: Sequence[Suspect],
    identify: Identify,
    decode: Decode,
) -> list[Segment]:
    """Segments with each suspect in another language re-read in that language.

    ``identify`` may say "yue" for Chinese it hears as Cantonese: such stretches are
    packed and read apart from "zh" ones, so each batch is read in one register.
    """
    moved: dict[str, list[Suspect]] = {}
    for s in suspects:
        language = identify(audio.slice(s.start, s.end))
        # A stretch that produced no words at all is read again even in its own
        # language: Whisper sometimes skips part of a window it found hard. One that
        # Whisper hears as Cantonese ("yue": it leans tonal) but was read as Mandarin
        # is read again too; the converse is not, as Cantonese may lean little.
        cantonese = language == "yue" and s.language == "zh"
        if _family(language) != _family(s.language) or s.score == 0.0 or cantonese or s.doubt:
            moved.setdefault(language, []).append(s)
    result = list(segments)
    for language, group in moved.items():
        for batch in pack(group):
            readings = _decode_batch(audio, batch, language, decode)
            for suspect, found in readings.items():
                reading = found
                skipped = _uncovered(_word_spans(reading), suspect.start, suspect.end)
                if len(batch) > 1 and (not reading or skipped):
                    # Whisper may end a window early, or skip a stretch it found hard
                    # after another in the batch: read alone, keep what covers more.
                    alone = _decode_batch(audio, [suspect], language, decode)[suspect]
                    if _covered(alone) > _covered(reading):
                        reading = alone
                if reading:
                    result = _replace_covered(result, suspect, reading)
    return result


def _decode_batch(
    audio: Audio, batch: Sequence[Suspect], language: str, decode: Decode
) -> dict[Suspect, list[Segment]]:
    """Decode suspects packed with gaps; map every word back to its own stretch's time."""
    parts: list[np.ndarray] = []
    offsets: list[float] = []
    pos = 0.0
    gap = np.zeros(int(GAP * audio.sample_rate), dtype=np.float32)
    for s in batch:
        x = audio.slice(s.start, min(s.end, s.start + BATCH_SECONDS))
        offsets.append(pos)
        parts += [x, gap]
        pos += len(x) / audio.sample_rate + GAP
    decoded = decode(np.concatenate(parts), 0.0, language)

    mapped: dict[Suspect, list[Word]] = {s: [] for s in batch}
    # The register the decoder chose ("yue" for a Chinese batch read as Cantonese).
    said: dict[Suspect, str] = {}
    for seg in decoded:
        for w in seg.words:
            mid = (w.start + w.end) / 2
            i = max(0, int(np.searchsorted(offsets, mid, side="right")) - 1)
            s, shift = batch[i], batch[i].start - offsets[i]
            start = min(max(w.start + shift, s.start), s.end)
            end = min(max(w.end + shift, start), s.end)
            mapped[s].append(Word(w.text, start, end, w.probability))
            said.setdefault(s, seg.language)
    out: dict[Suspect, list[Segment]] = {}
    for s, words in mapped.items():
        if words:
            text = "".join(w.text for w in words).strip()
            out[s] = [Segment(words[0].start, words[-1].end, text, said[s], tuple(words))]
        else:
            out[s] = []
    return out


def _replace_covered(
    segments: Sequence[Segment], suspect: Suspect, reading: Sequence[Segment]
) -> list[Segment]:
    """``segments`` with the suspect's words replaced by ``reading``'s, except in
    stretches of it the new reading has no words for: there the first reading stays.

    A stretch identified as English may hold mostly Mandarin (Whisper's identification
    of mixed audio follows its start); read in English, only the English part gets
    words, and the Mandarin words already there must not be thrown away.
    """
    edges = [suspect.start]
    for a, b in _uncovered(_word_spans(reading), suspect.start, suspect.end):
        edges += [a, b]
    edges.append(suspect.end)
    result = list(segments)
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b > a:
            result = replace_span(result, a, b, [])
    return sorted([*result, *reading], key=lambda s: s.start)


def replace_span(
    segments: Sequence[Segment], a: float, b: float, new: Sequence[Segment]
) -> list[Segment]:
    """Segments with every word whose midpoint lies in [a, b) replaced by ``new``.

    A segment reaching across the span keeps its words on each side as two segments,
    so that no segment holds words from both sides of the new ones.
    """
    kept: list[Segment] = []
    for s in segments:
        inside = [a <= (w.start + w.end) / 2 < b for w in s.words]
        if not any(inside):
            kept.append(s)
            continue
        before = tuple(w for w, x in zip(s.words, inside, strict=True) if not x and w.start < a)
        after = tuple(w for w, x in zip(s.words, inside, strict=True) if not x and w.start >= a)
        for words in (before, after):
            if words:
                text = "".join(w.text for w in words).strip()
                kept.append(
                    Segment(
                        words[0].start,
                        words[-1].end,
                        text,
                        s.language,
                        words,
                        s.avg_logprob,
                        s.no_speech_prob,
                        s.language_probability,
                    )
                )
    return sorted([*kept, *new], key=lambda s: s.start)

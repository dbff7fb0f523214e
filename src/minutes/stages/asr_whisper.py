"""Speech recognition with faster-whisper (CTranslate2), chunked by the VAD.

Speech regions are grouped into chunks of at most 30 s (Whisper's window); each chunk
gets its own language decision, restricted to the languages of a Hong Kong meeting, and
is decoded on its own. Chunks are read from the recording one at a time, so memory does
not grow with the meeting's length, and silence is never fed to the model (no invented
text in the gaps).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minutes.audio import Audio
from minutes.options import AsrOptions
from minutes.stages.base import Progress, no_progress
from minutes.types import Segment, SpeechRegion, Turn, Word

# Whisper's own rule for a window it believes holds no speech.
NO_SPEECH_PROB = 0.6
LOGPROB_FLOOR = -1.0
# A region closer than this to the previous one joins its chunk (seconds of gap).
JOIN_GAP = 2.0
# A speaker's stretch inside a chunk whose words average below this probability is
# re-identified alone: usually another language decoded with the chunk's language.
RECHECK_PROBABILITY = 0.6
RECHECK_MIN_SECONDS = 1.0
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

    Whole speaker turns are packed together, so a chunk is cut where the speaker changes
    whenever a turn fits in a window; a longer turn is cut at its pauses. A single piece
    longer than ``max_chunk`` stays whole: Whisper walks through it with its own
    timestamp-driven seek, which cuts between words rather than inside them.
    """
    chunks: list[Chunk] = []

    def fits(a: float, b: float) -> bool:
        return bool(chunks) and a - chunks[-1].end <= JOIN_GAP and b - chunks[-1].start <= max_chunk

    for group in speech_pieces(regions, turns):
        a, b = group[0].start, group[-1].end
        if fits(a, b):
            chunks[-1] = Chunk(chunks[-1].start, b)
        elif b - a <= max_chunk:
            chunks.append(Chunk(a, b))
        else:
            for r in group:
                if fits(r.start, r.end):
                    chunks[-1] = Chunk(chunks[-1].start, r.end)
                else:
                    chunks.append(Chunk(r.start, r.end))
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


class WhisperTranscriber:
    """faster-whisper adapter: ``transcribe(audio, regions)`` returns segments with words."""

    def __init__(self, model_dir: Path, options: AsrOptions | None = None) -> None:
        from faster_whisper import WhisperModel

        self.options = options or AsrOptions()
        threads = self.options.cpu_threads or (os.cpu_count() or 1)
        self.model_dir = model_dir
        self._model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=self.options.compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
        self._supported = set(self._model.supported_languages)

    @property
    def multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    def decoding_language(self, language: str) -> str:
        """The model's language token for one of our language codes."""
        if language == "yue" and "yue" not in self._supported:
            return "zh"  # Whisper < v3 has no Cantonese token; Chinese decodes it
        return language

    def detect_language(self, samples: Any) -> tuple[str, float]:
        """Most likely language among the meeting's candidate languages."""
        if not self.multilingual:
            return "en", 1.0
        _, _, probs = self._model.detect_language(audio=samples)
        allowed = [(lang, p) for lang, p in probs if lang in self.options.candidate_languages]
        if not allowed:
            return "zh", 0.0
        lang, p = max(allowed, key=lambda x: x[1])
        return lang, float(p)

    def transcribe(
        self,
        audio: Audio,
        regions: Sequence[SpeechRegion],
        progress: Progress = no_progress,
        turns: Sequence[Turn] = (),
    ) -> list[Segment]:
        """Decode every chunk; with ``turns``, re-check each speaker's stretch of a chunk.

        Chunks are packed to Whisper's 30 s window for speed, so one chunk may hold two
        speakers in two languages. A stretch whose words come out improbable is decoded
        again on its own with its own language decision, and kept if it reads better.
        """
        chunks = [
            piece
            for c in plan_chunks(regions, self.options.max_chunk, turns)
            for piece in split_long(audio, c)
        ]
        total = sum(c.end - c.start for c in chunks)
        done = 0.0
        segments: list[Segment] = []
        progress("asr", 0.0, total)
        for chunk in chunks:
            samples = audio.slice(chunk.start, chunk.end)
            found = self._transcribe_chunk(samples, chunk.start)
            if turns and self.multilingual and self.options.language == "auto":
                found = self._recheck(audio, chunk, found, turns)
            segments.extend(found)
            done += chunk.end - chunk.start
            progress("asr", done, total)
        return sorted(segments, key=lambda s: s.start)

    def _recheck(
        self, audio: Audio, chunk: Chunk, segments: list[Segment], turns: Sequence[Turn]
    ) -> list[Segment]:
        pieces = [
            (max(t.start, chunk.start), min(t.end, chunk.end))
            for t in turns
            if min(t.end, chunk.end) - max(t.start, chunk.start) >= RECHECK_MIN_SECONDS
        ]
        if len(pieces) < 2:
            return segments  # one speaker: the chunk was already decoded as a whole
        for a, b in pieces:
            inside = [w for s in segments for w in s.words if a <= (w.start + w.end) / 2 < b]
            score = _mean_probability(inside)
            if inside and score >= RECHECK_PROBABILITY:
                continue
            chunk_language = next((s.language for s in segments if s.start < b and s.end > a), None)
            samples = audio.slice(a, b)
            language, _ = self.detect_language(samples)
            if language == chunk_language and inside:
                continue
            redone = self._transcribe_chunk(samples, a, language)
            if _mean_probability([w for s in redone for w in s.words]) > score:
                segments = _replace_span(segments, a, b, redone)
        return segments

    def _transcribe_chunk(
        self, samples: Any, offset: float, language: str | None = None
    ) -> list[Segment]:
        opts = self.options
        if language is not None:
            lang_prob = 1.0
        elif opts.language == "auto":
            language, lang_prob = self.detect_language(samples)
        else:
            language, lang_prob = opts.language, 1.0
        if not self.multilingual:
            language = "en"
        raw, _info = self._model.transcribe(
            samples,
            language=self.decoding_language(language),
            beam_size=opts.beam_size,
            word_timestamps=True,
            vad_filter=False,
            condition_on_previous_text=False,
            initial_prompt=opts.initial_prompt,
        )
        out: list[Segment] = []
        for s in raw:
            if s.no_speech_prob > NO_SPEECH_PROB and s.avg_logprob < LOGPROB_FLOOR:
                continue
            words = tuple(
                Word(
                    text=w.word,
                    start=offset + w.start,
                    end=offset + w.end,
                    probability=float(w.probability),
                )
                for w in (s.words or ())
            )
            text = s.text.strip()
            if not text:
                continue
            out.append(
                Segment(
                    start=offset + s.start,
                    end=offset + s.end,
                    text=text,
                    language=language,
                    words=words,
                    avg_logprob=float(s.avg_logprob),
                    no_speech_prob=float(s.no_speech_prob),
                    language_probability=lang_prob,
                )
            )
        return out


def _mean_probability(words: Sequence[Word]) -> float:
    return sum(w.probability for w in words) / len(words) if words else 0.0


def _replace_span(
    segments: Sequence[Segment], a: float, b: float, new: Sequence[Segment]
) -> list[Segment]:
    """Segments with every word whose midpoint lies in [a, b) replaced by ``new``."""
    kept: list[Segment] = []
    for s in segments:
        words = tuple(w for w in s.words if not a <= (w.start + w.end) / 2 < b)
        if len(words) == len(s.words):
            kept.append(s)
        elif words:
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

"""Speech recognition with faster-whisper (CTranslate2), chunked by the VAD.

Speech regions are grouped into chunks of at most 30 s (Whisper's window); each chunk
gets its own language decision, restricted to the languages of a Hong Kong meeting, and
is decoded on its own. Chunks are read from the recording one at a time, so memory does
not grow with the meeting's length, and silence is never fed to the model (no invented
text in the gaps).
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from minutes.audio import SAMPLE_RATE, Audio
from minutes.options import AsrOptions
from minutes.stages import register
from minutes.stages.base import Preview, Progress, no_preview, no_progress
from minutes.stages.chunking import Chunk, plan_chunks, speech_pieces, split_long, widened
from minutes.stages.language_pass import find_suspects, reread
from minutes.types import PreviewLine, Segment, SpeechRegion, Turn, Word

# Whisper's own rule for a window it believes holds no speech.
NO_SPEECH_PROB = 0.6
LOGPROB_FLOOR = -1.0
# faster-whisper's default temperature fallback ladder.
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


SEED = 20240601
TAIL_SECONDS = 1.0
# Loud audio left after the last word that is worth a read of its own: a whole word.
# On the benchmark clips, tails Whisper had rightly finished held at most 0.6 s of it
# (reverberation, breath, word timestamps that end early); a word it left unread, 0.83 s.
TAIL_VOICED = 0.7
# How much of a speaker's longest turn is read twice to learn their register: a few
# sentences show it, and reading costs grow with the length read.
PROBE_SECONDS = 10.0


def _voiced_until(samples: Any) -> float:
    """Seconds into ``samples`` where the last loud 30 ms frame ends.

    Loud means within 26 dB of the stretch's loud frames (its 95th percentile): the
    VAD's padding and room noise stay below that, a final word does not.
    """
    frame = int(0.03 * SAMPLE_RATE)
    n = len(samples) // frame
    if n == 0:
        return 0.0
    x = np.asarray(samples[: n * frame], np.float32).reshape(n, frame)
    rms = np.sqrt(np.mean(x * x, axis=1))
    loud = np.flatnonzero(rms > 0.05 * float(np.percentile(rms, 95)))
    return float((loud[-1] + 1) * frame / SAMPLE_RATE) if len(loud) else 0.0


def _until_tail(segments: Iterable[Any], duration: float, voiced_until: float) -> Iterator[Any]:
    """faster-whisper's segments, stopping once the words reach the chunk's end.

    Whisper would next read what is left after the last word as a window of its own:
    that is the VAD's padding, where it invents text (「作詞作曲」, or 「认认论论论…」 up
    to the token limit, seconds of decoding). The segments are produced lazily, so
    stopping here skips that decode. A tail that still holds a loud stretch (a last
    word the window ended before, "…painful to | myself.") is read.
    """
    for s in segments:
        yield s
        if not s.words:
            continue
        last = s.words[-1].end
        if duration - last < TAIL_SECONDS and voiced_until - last < TAIL_VOICED:
            return


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
        # faster-whisper lists every code it knows, yue included, whatever the model;
        # only a model whose tokenizer has the token (Whisper v3) can decode Cantonese.
        self._cantonese_token = (
            self._model.hf_tokenizer.token_to_id("<|yue|>") is not None
            if self.multilingual
            else False
        )

    def with_options(self, options: AsrOptions) -> WhisperTranscriber:
        """The same loaded model decoding with other options (language, prompt, beam)."""
        if (options.model, options.compute_type, options.cpu_threads) != (
            self.options.model,
            self.options.compute_type,
            self.options.cpu_threads,
        ):
            raise ValueError("with_options cannot change the model or how it is loaded")
        clone = copy.copy(self)
        clone.options = options
        return clone

    @property
    def multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    def decoding_language(self, language: str) -> str:
        """The model's language token for one of our language codes."""
        if language == "yue" and not self._cantonese_token:
            return "zh"  # Whisper < v3 has no Cantonese token; Chinese decodes it
        return language

    def language_probabilities(self, samples: Any) -> dict[str, float]:
        """Whisper's language probabilities for a stretch of audio (one encoder pass)."""
        if not self.multilingual:
            return {"en": 1.0}
        _, _, probs = self._model.detect_language(audio=samples)
        return {lang: float(p) for lang, p in probs}

    def detect_language(self, samples: Any) -> tuple[str, float]:
        """Most likely language among the meeting's candidate languages."""
        return self._candidate(self.language_probabilities(samples))

    def _identify(self, samples: Any) -> str:
        """A re-read stretch's language; Chinese that Whisper's identification leans
        tonal on (``register.tonal_share``) is "yue", so that it is not packed with
        Mandarin stretches and read in one register with them. The register itself is
        then decided on the readings alone: on a stretch of a few seconds the tonal
        share is too noisy to settle it (one Mandarin speaker's 3 s pieces reach 0.15)."""
        probs = self.language_probabilities(samples)
        language, _ = self._candidate(probs)
        if language == "zh" and register.tonal_share(probs) >= register.TONAL_SHARE:
            return "yue"
        return language

    def _candidate(self, probs: dict[str, float]) -> tuple[str, float]:
        allowed = [(k, p) for k, p in probs.items() if k in self.options.candidate_languages]
        if not allowed:
            return "zh", 0.0
        lang, p = max(allowed, key=lambda x: x[1])
        return lang, float(p)

    def forced_language_fit(self, audio: Audio, chunk: Chunk) -> float:
        """How well the forced language fits the audio: its share among the candidates.

        Checked once per recording, so a user who forces the wrong language gets text
        flagged as unreliable rather than a silent mistranslation.
        """
        probs = self.language_probabilities(
            audio.slice(chunk.start, min(chunk.end, chunk.start + 30))
        )
        forced = self.decoding_language(self.options.language)
        cands = {k: p for k, p in probs.items() if k in self.options.candidate_languages}
        total = sum(cands.values())
        return cands.get(forced, 0.0) / total if total > 0 else 1.0

    def transcribe(
        self,
        audio: Audio,
        regions: Sequence[SpeechRegion],
        progress: Progress = no_progress,
        turns: Sequence[Turn] = (),
        preview: Preview = no_preview,
    ) -> list[Segment]:
        """Decode every chunk; with ``turns``, re-read suspect speaker stretches in the
        meeting's other languages (see :mod:`minutes.stages.language_pass`).
        ``preview`` gets each chunk's text as soon as it is read."""
        import ctranslate2

        # Whisper's fallback decodes by sampling; a fixed seed makes the same recording
        # give the same transcript (a re-run after a crash must match the first run).
        ctranslate2.set_random_seed(SEED)
        registers = None
        if turns and self.multilingual and self.options.language == "auto":
            registers = self.speaker_registers(audio, regions, turns)
        chunks = widened(
            [
                piece
                for c in plan_chunks(regions, self.options.max_chunk, turns, registers)
                for piece in split_long(audio, c)
            ],
            audio.duration,
        )
        total = sum(c.end - c.start for c in chunks)
        done = 0.0
        segments: list[Segment] = []
        progress("asr", 0.0, total)
        fit = 1.0
        if chunks and self.options.language != "auto" and self.multilingual:
            fit = self.forced_language_fit(audio, max(chunks, key=lambda c: c.end - c.start))
        for chunk in chunks:
            samples = audio.slice(chunk.start, chunk.end)
            found = self.decode(samples, chunk.start, fit=fit, hint=chunk.register)
            segments.extend(found)
            if found:
                preview([PreviewLine(s.start, s.end, s.text) for s in found])
            done += chunk.end - chunk.start
            progress("asr", done, total)
        segments.sort(key=lambda s: s.start)
        if turns and self.multilingual and self.options.language == "auto":
            suspects = find_suspects(chunks, segments, turns, regions)
            if suspects:
                segments = reread(
                    audio,
                    segments,
                    suspects,
                    self._identify,
                    lambda x, offset, lang: self.decode(x, offset, lang, fallback=False),
                )
        return segments

    def speaker_registers(
        self, audio: Audio, regions: Sequence[SpeechRegion], turns: Sequence[Turn]
    ) -> dict[str, str]:
        """Each speaker's language, Cantonese and Mandarin told apart, judged on their
        longest turn; only for speakers with several turns (a one-turn speaker is
        judged when that turn is read, at no extra cost).

        Knowing it lets their turns be packed into full windows with others who speak
        the same and read once, in their register.
        """
        spans: dict[str, list[tuple[float, float]]] = {}
        for speaker, group in speech_pieces(regions, turns):
            spans.setdefault(speaker, []).append((group[0].start, group[-1].end))
        out: dict[str, str] = {}
        for speaker, found in spans.items():
            if len(found) < 2:
                continue
            a, b = max(found, key=lambda s: s[1] - s[0])
            samples = audio.slice(a, min(b, a + PROBE_SECONDS))
            probs = self.language_probabilities(samples)
            language, _ = self._candidate(probs)
            if language not in ("zh", "yue"):
                out[speaker] = language
                continue
            verdict = register.choose(
                samples,
                a,
                self._reader(language, True),
                self.options.initial_prompt,
                tonal=register.tonal_share(probs),
            )
            if verdict.reading.segments:
                out[speaker] = verdict.language
        return out

    def _reader(self, language: str, fallback: bool) -> register.Read:
        def read(x: object, offset: float, prompt: str, ladder: bool) -> register.Reading:
            return self._read(x, offset, language, prompt, ladder and fallback)

        return read

    def decode(
        self,
        samples: Any,
        offset: float,
        language: str | None = None,
        fit: float = 1.0,
        fallback: bool = True,
        hint: str | None = None,
    ) -> list[Segment]:
        """Recognise one stretch; ``language`` None means detect it (or use the forced one).

        Chinese is read in a register (see :mod:`minutes.stages.register`): Cantonese or
        Mandarin, as forced by the user, known for the speaker (``hint``), or decided
        from the stretch itself.
        """
        opts = self.options
        tonal = 0.0
        if language is not None:
            lang_prob = 1.0
        elif opts.language == "auto":
            probs = self.language_probabilities(samples)
            language, lang_prob = self._candidate(probs)
            tonal = register.tonal_share(probs)
        else:
            language, lang_prob = opts.language, fit
        if not self.multilingual:
            language = "en"
        if language not in ("zh", "yue"):
            reading = self._read(samples, offset, language, opts.initial_prompt, fallback)
            return self._tagged(reading.segments, language, lang_prob)
        forced: str | None = None
        if opts.language in ("zh", "yue"):
            forced = opts.language
        elif self._cantonese_token:
            forced = language  # a model with a Cantonese token tells them apart itself
        read = self._reader(language, fallback)
        verdict = register.choose(
            samples,
            offset,
            read,
            opts.initial_prompt,
            forced,
            tonal,
            # A speaker heard in English elsewhere gives no hint for their Chinese.
            hint=hint if hint in ("zh", "yue") else None,
        )
        return self._tagged(verdict.reading.segments, verdict.language, lang_prob)

    @staticmethod
    def _tagged(segments: Sequence[Segment], language: str, probability: float) -> list[Segment]:
        return [
            dataclasses.replace(s, language=language, language_probability=probability)
            for s in segments
        ]

    def _read(
        self, samples: Any, offset: float, language: str, prompt: str | None, fallback: bool
    ) -> register.Reading:
        """One faster-whisper decode of a stretch, as segments with words and its scores."""
        raw, _info = self._model.transcribe(
            samples,
            language=self.decoding_language(language),
            beam_size=self.options.beam_size,
            word_timestamps=True,
            vad_filter=False,
            condition_on_previous_text=False,
            initial_prompt=prompt,
            # Without the ladder: one pass (a probe, or a second opinion on a re-read;
            # on a wrong-language stretch the ladder would run all six temperatures).
            temperature=TEMPERATURES if fallback else 0.0,
        )
        out: list[Segment] = []
        tokens = 0
        logprob = 0.0
        compression = 0.0
        duration = len(samples) / SAMPLE_RATE
        for s in _until_tail(raw, duration, _voiced_until(samples)):
            if s.no_speech_prob > NO_SPEECH_PROB and s.avg_logprob < LOGPROB_FLOOR:
                continue
            words = tuple(
                Word(
                    # A segment's first word may lack the space that separates it from
                    # the previous segment's last word ("me," + "I").
                    text=" " + w.word
                    if i == 0 and w.word[:1].isascii() and w.word[:1].isalnum()
                    else w.word,
                    start=offset + w.start,
                    end=offset + w.end,
                    probability=float(w.probability),
                )
                for i, w in enumerate(s.words or ())
            )
            text = s.text.strip()
            if not text:
                continue
            n = max(len(s.tokens), 1)
            tokens += n
            logprob += float(s.avg_logprob) * n
            compression = max(compression, float(s.compression_ratio))
            out.append(
                Segment(
                    start=offset + s.start,
                    end=offset + s.end,
                    text=text,
                    language=language,
                    words=words,
                    avg_logprob=float(s.avg_logprob),
                    no_speech_prob=float(s.no_speech_prob),
                )
            )
        if prompt:
            out = list(register.without_echo(out, prompt))
        return register.Reading(tuple(out), logprob / tokens if tokens else 0.0, compression)

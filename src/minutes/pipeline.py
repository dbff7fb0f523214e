"""The orchestrator: the only place that knows the order of stages.

Used alike by the CLI, the server and the tests. It does no file or HTTP I/O of its
own beyond decoding the input it is handed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from minutes import assemble
from minutes.audio import Audio, decode
from minutes.errors import InputError, OptionsError
from minutes.language import ScriptConverter, text_language
from minutes.models import ModelRegistry
from minutes.options import PipelineOptions
from minutes.stages.asr_whisper import WhisperTranscriber
from minutes.stages.base import Preview, Progress, no_preview, no_progress
from minutes.stages.diarize import EmbeddingDiarizer, one_speaker
from minutes.stages.diarize_segmentation import SegmentationDiarizer
from minutes.stages.embed_resemblyzer import ResemblyzerEmbedder
from minutes.stages.segment_pyannote import SegmentationModel
from minutes.stages.speaker_encoder import SpeakerEncoder, load_speaker_encoder
from minutes.stages.vad_silero import SileroVad
from minutes.types import (
    PreviewLine,
    Segment,
    SpeechRegion,
    Transcript,
    Turn,
    Utterance,
    language_seconds,
)
from minutes.voiceprints import Match, people

STAGES = ("decode", "vad", "asr", "embed", "assemble")
# What a line can be read again as, and how people call them.
REREAD_LANGUAGES = {"yue": "Cantonese", "zh": "Mandarin", "en": "English"}
LINE_PADDING = 0.25  # seconds of audio either side of a line read again: its word edges


def reread_language(language: str) -> str:
    """``language`` if a line can be read again as it, else an error naming the choices
    (checked before any audio is decoded)."""
    if language not in REREAD_LANGUAGES:
        raise OptionsError(
            f"Read a line again as one of {', '.join(REREAD_LANGUAGES)}, not {language[:20]!r}."
        )
    return language


@dataclass(frozen=True, slots=True)
class Diarization:
    """Speaker turns, and the speaker count a little either side of the merge threshold
    (None when the user gave the count, or when the method has no threshold)."""

    turns: tuple[Turn, ...]
    count_range: tuple[int, int] | None = None


def count_span(found: int, count_range: tuple[int, int] | None) -> tuple[int, int] | None:
    """The fewest and most speakers among the count found and the nearby settings'."""
    if count_range is None:
        return None
    return min(found, *count_range), max(found, *count_range)


def count_uncertainty(found: int, count_range: tuple[int, int] | None) -> str | None:
    """A warning for a speaker count that a slightly different setting would change,
    saying what to check; None when the count is steady or was given."""
    span = count_span(found, count_range)
    if span is None or span[0] == span[1]:
        return None
    lo, hi = span
    return (
        f"the speaker count is uncertain: {found} found, {lo}–{hi} at slightly stricter "
        "or looser settings; check the speakers, and merge or split them where needed"
    )


@dataclass
class Pipeline:
    """Loads the stage engines once; ``run`` may then be called for many recordings."""

    options: PipelineOptions = field(default_factory=PipelineOptions)
    registry: ModelRegistry = field(default_factory=ModelRegistry)
    _vad: SileroVad | None = field(default=None, init=False, repr=False)
    _asr: WhisperTranscriber | None = field(default=None, init=False, repr=False)
    _embedder: ResemblyzerEmbedder | None = field(default=None, init=False, repr=False)
    _segmenter: SegmentationModel | None = field(default=None, init=False, repr=False)
    _speaker_encoder: SpeakerEncoder | None = field(default=None, init=False, repr=False)

    # Engines are created lazily: nothing heavy happens until a recording arrives.
    @property
    def vad(self) -> SileroVad:
        if self._vad is None:
            self._vad = SileroVad(self.registry.vad_path(), self.options.vad)
        return self._vad

    @property
    def asr(self) -> WhisperTranscriber:
        if self._asr is None:
            model_dir = self.registry.whisper_dir(self.options.asr.model)
            self._asr = WhisperTranscriber(model_dir, self.options.asr)
        return self._asr

    @property
    def embedder(self) -> ResemblyzerEmbedder:
        if self._embedder is None:
            self._embedder = ResemblyzerEmbedder(self.registry.speaker_encoder_path())
        return self._embedder

    @property
    def segmenter(self) -> SegmentationModel:
        if self._segmenter is None:
            self._segmenter = SegmentationModel(
                self.registry.segmentation_path(), self.registry.onnx_dir
            )
        return self._segmenter

    @property
    def speaker_encoder(self) -> SpeakerEncoder:
        """The voice encoder that links segmentation chunks and makes voiceprints
        (CAM++ unless another speaker model is configured)."""
        if self._speaker_encoder is None:
            self._speaker_encoder = load_speaker_encoder(self.registry)
        return self._speaker_encoder

    def with_options(self, options: PipelineOptions) -> Pipeline:
        """A pipeline for other run options that reuses the engines this one has loaded.

        Lets a server keep one copy of each model in memory across jobs whose language,
        script or speaker counts differ.
        """
        other = Pipeline(options, self.registry)
        if self._vad is not None and options.vad == self.options.vad:
            other._vad = self._vad
        if self._asr is not None and (
            options.asr.model,
            options.asr.compute_type,
            options.asr.cpu_threads,
        ) == (self.options.asr.model, self.options.asr.compute_type, self.options.asr.cpu_threads):
            other._asr = self._asr.with_options(options.asr)
        other._embedder = self._embedder
        other._segmenter = self._segmenter
        other._speaker_encoder = self._speaker_encoder
        return other

    def load(self) -> None:
        """Load every engine now (e.g. at server start) instead of on first use."""
        _ = self.vad, self.asr
        if self.options.diarization:
            # CAM++ also makes and matches voiceprints; resemblyzer only serves "windows".
            _ = self.speaker_encoder
            segmentation = self.options.diarize.method == "segmentation"
            _ = self.segmenter if segmentation else self.embedder

    def run_file(
        self,
        source: str | Path | BinaryIO,
        progress: Progress = no_progress,
        name: str | None = None,
        preview: Preview = no_preview,
    ) -> Transcript:
        """Decode and transcribe one recording."""
        _ = self.asr  # a missing or broken model fails now, before any decoding work
        progress("decode", 0.0, 1.0)
        audio = decode(source, name=name)
        progress("decode", 1.0, 1.0)
        return self.run(audio, progress, preview)

    def run(
        self, audio: Audio, progress: Progress = no_progress, preview: Preview = no_preview
    ) -> Transcript:
        """Transcribe decoded audio: VAD, ASR, diarization, assembly.

        ``preview`` gets each stretch's text (in the chosen script) as soon as it is
        read, for people following a long job; the transcript is what counts.
        """
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        regions = self.vad.detect(audio, progress)
        timings["vad"] = time.perf_counter() - t0

        # Speakers first: the recogniser re-checks each speaker's stretch for its language.
        t0 = time.perf_counter()
        diarization = self._diarization(audio, regions, progress)
        turns = list(diarization.turns)
        timings["diarize"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        script = ScriptConverter(self.options.script)

        def heard(lines: Sequence[PreviewLine]) -> None:
            preview([replace(line, text=script.convert(line.text)) for line in lines])

        segments = self.asr.transcribe(audio, regions, progress, turns, heard) if regions else []
        timings["asr"] = time.perf_counter() - t0

        progress("assemble", 0.0, 1.0)
        attributed = assemble.assign_speakers(segments, turns)
        turns = assemble.align_turns(turns, attributed)
        utts = assemble.utterances(
            attributed, ScriptConverter(self.options.script), self.options.glossary
        )
        utts = assemble.crosstalk(utts, turns)
        speakers = assemble.speakers_from(utts, turns)
        identified = self._identify(audio, turns)
        if identified:
            names = {m.speaker: m.name for m in identified}
            speakers = [replace(s, name=names.get(s.id, s.name)) for s in speakers]
        progress("assemble", 1.0, 1.0)
        return Transcript(
            utterances=tuple(utts),
            turns=tuple(turns),
            speakers=tuple(speakers),
            duration=audio.duration,
            language=main_language(utts),
            source=audio.source,
            model=self.options.asr.model,
            metadata={
                **self._metadata(
                    audio, regions, segments, timings, len(speakers), diarization.count_range
                ),
                **(
                    {
                        "voiceprints": [
                            {"speaker": m.speaker, "name": m.name, "score": round(m.score, 3)}
                            for m in identified
                        ]
                    }
                    if identified
                    else {}
                ),
            },
        )

    def reread(self, audio: Audio, line: Utterance, language: str) -> Utterance:
        """``line`` recognised again from the meeting's ``audio`` as ``language`` ("yue",
        "zh" or "en"): the fix for a line whose language was decided wrong, read in
        that language's register (Cantonese as written Cantonese).

        Keeps the line's id and speaker; raises ``InputError`` when nothing is heard.
        """
        reread_language(language)
        if line.over:
            # Whisper writes the voice that carries through overlapped speech: reading
            # again would give this line the other person's words.
            raise InputError(
                f"Line {line.id} was spoken over someone else, and reading it again would "
                "give it their words; type what was said instead."
            )
        start = max(0.0, line.start - LINE_PADDING)
        end = min(audio.duration, line.end + LINE_PADDING)
        if end - start < 0.1:
            raise InputError(f"Line {line.id} lies outside the recording ({audio.duration:.1f} s).")
        hint = language if language in ("yue", "zh") else None
        segments = self.asr.decode(audio.slice(start, end), start, language, hint=hint)
        words = tuple(replace(w, speaker=line.speaker) for seg in segments for w in seg.words)
        text = "".join(w.text for w in words)
        heard = [Segment(words[0].start, words[-1].end, text, language, words)] if words else []
        parts = assemble.utterances(
            heard, ScriptConverter(self.options.script), self.options.glossary
        )
        kept = tuple(w for u in parts for w in u.words)
        if not kept:
            raise InputError(
                f"Nothing was heard in line {line.id} as {REREAD_LANGUAGES[language]}; "
                "its text is unchanged."
            )
        text = (" " if language == "en" else "").join(u.text for u in parts)
        # The line keeps its span, so its turn (RTTM, timeline) still matches it. Its tag
        # is what the text shows, the asked-for language deciding Cantonese or Mandarin:
        # Whisper may write clear English speech in English whatever it is asked.
        return replace(
            line,
            text=text,
            language=text_language(text, language),
            words=kept,
            confidence=sum(w.probability for w in kept) / len(kept),
        )

    def _identify(self, audio: Audio, turns: Sequence[Turn]) -> list[Match]:
        """Enrolled people among the meeting's speakers (none when nobody is enrolled)."""
        if not self.options.voiceprints or not turns or not self.options.diarization:
            return []
        from minutes import voiceprints

        encoder = self.speaker_encoder
        found = voiceprints.centroids(encoder, audio, turns)
        threshold = self.options.voiceprint_threshold or encoder.match_similarity
        return voiceprints.identify(found, self.options.voiceprints, threshold, encoder.model_id)

    def _diarize(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress
    ) -> list[Turn]:
        return list(self._diarization(audio, regions, progress).turns)

    def _diarization(
        self, audio: Audio, regions: Sequence[SpeechRegion], progress: Progress
    ) -> Diarization:
        if not regions:
            return Diarization(())
        if not self.options.diarization or self.options.diarize.num_speakers == 1:
            return Diarization(tuple(one_speaker(regions)))
        if self.options.diarize.method == "windows":
            turns = EmbeddingDiarizer(self.embedder, self.options.diarize).diarize(
                audio, regions, progress
            )
            return Diarization(tuple(turns))
        diarizer = SegmentationDiarizer(self.segmenter, self.speaker_encoder, self.options.diarize)
        voices = diarizer.voices(audio, regions, progress)
        threshold = diarizer.threshold(voices)
        # Keep enrolled people apart and whole.
        prints = people(self.options.voiceprints, self.speaker_encoder.model_id)
        return Diarization(
            tuple(diarizer.speakers(voices, threshold, prints)),
            diarizer.count_range(voices, threshold, prints),
        )

    def _metadata(
        self,
        audio: Audio,
        regions: Sequence[SpeechRegion],
        segments: Sequence[Segment],
        timings: dict[str, float],
        found: int,
        count_range: tuple[int, int] | None,
    ) -> dict[str, Any]:
        speech = sum(r.duration for r in regions)
        meta: dict[str, Any] = {
            "speech_seconds": round(speech, 3),
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "options": {
                "language": self.options.asr.language,
                "script": self.options.script,
                "num_speakers": self.options.diarize.num_speakers,
                "min_speakers": self.options.diarize.min_speakers,
                "max_speakers": self.options.diarize.max_speakers,
            },
        }
        if audio.warnings:
            meta["warnings"] = list(audio.warnings)
        if self.options.voiceprints and self.options.diarization:
            current = self.speaker_encoder.model_id
            stale = [p.name for p in self.options.voiceprints if p.model != current]
            if stale:
                meta.setdefault("warnings", []).append(
                    f"{len(stale)} voiceprint(s) were made by another speaker model than "
                    f"{current} and were not used; enrol them again: {', '.join(stale)}"
                )
        forced = self.options.asr.language
        if forced != "auto" and segments and max(s.language_probability for s in segments) < 0.2:
            meta.setdefault("warnings", []).append(
                f"the speech does not sound like the forced language {forced!r}; the text "
                "is likely unreliable (try --language auto)"
            )
            meta["low_confidence"] = True
        span = count_span(found, count_range)
        if span is not None:
            meta["speaker_count_range"] = list(span)
        uncertain = count_uncertainty(found, count_range) if segments else None
        if uncertain:
            meta.setdefault("warnings", []).append(uncertain)
        d = self.options.diarize
        asked = d.num_speakers or d.min_speakers
        if segments and self.options.diarization and found < asked:
            # The count is honoured only as far as there are voices to tell apart: a
            # short recording may hold fewer stretches of speech than people asked for.
            meta.setdefault("warnings", []).append(
                f"{asked} speakers were asked for, but only {found} could be told apart "
                f"in {speech:.0f} s of speech"
            )
        if not segments:
            meta.setdefault("warnings", []).append(
                "no speech was recognised" if regions else "no speech was detected"
            )
        return meta


def main_language(utterances: Sequence[Utterance]) -> str:
    """The language with the most recognised speech time (``""`` when there is none)."""
    share = language_seconds(utterances)
    return max(share, key=lambda k: share[k]) if share else ""

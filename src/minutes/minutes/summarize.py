"""``summarize(transcript, options) -> Minutes``: one entry point for every backend.

Whatever produced them, items pass through the same grounding: their utterance ids
are looked up in the transcript, the evidence is rebuilt from it, and an item whose
evidence does not exist is dropped with a warning.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from minutes.errors import OptionsError
from minutes.language import ScriptConverter
from minutes.minutes import extractive
from minutes.minutes.evidence import EvidenceIndex, attendees
from minutes.minutes.schema import OUTPUT_LANGUAGES, ActionItem, Item, Minutes, Topic
from minutes.types import Transcript

BACKENDS = ("extractive", "openai", "llama")

Progress = Callable[[str, float, float], None]


def _no_progress(stage: str, done: float, total: float) -> None:
    pass


@dataclass(frozen=True, slots=True)
class LLMOptions:
    """Where the language model is and how to talk to it."""

    base_url: str = "http://127.0.0.1:11434/v1"  # Ollama's default
    model: str = "llama3.1"
    api_key: str = "none"
    gguf_path: str | None = None  # for the in-process llama backend
    context_chars: int = 6000  # transcript characters per request (map-reduce above this)
    max_tokens: int = 1500
    retries: int = 2
    temperature: float = 0.1
    timeout: float = 600.0
    threads: int = 0


@dataclass(frozen=True, slots=True)
class MinutesOptions:
    backend: str = "extractive"
    language: str = "auto"  # auto | en | zh-HK | zh-CN
    title: str | None = None
    llm: LLMOptions = field(default_factory=LLMOptions)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise OptionsError(
                f"Unknown minutes backend {self.backend!r}; choose from {', '.join(BACKENDS)}."
            )
        if self.language not in OUTPUT_LANGUAGES:
            raise OptionsError(
                f"Unknown minutes language {self.language!r}; choose from "
                f"{', '.join(OUTPUT_LANGUAGES)}."
            )


def output_language(transcript: Transcript, requested: str) -> str:
    """The language the minutes are written in: asked for, or the meeting's own."""
    if requested != "auto":
        return requested
    if transcript.language == "en" or not transcript.language:
        return "en"
    return "zh-CN" if transcript.script == "cn" else "zh-HK"


def summarize(
    transcript: Transcript,
    options: MinutesOptions | None = None,
    progress: Progress = _no_progress,
) -> Minutes:
    """Minutes for a transcript; every item carries evidence that exists in it."""
    options = options or MinutesOptions()
    language = output_language(transcript, options.language)
    t0 = time.perf_counter()
    if options.backend == "extractive":
        minutes = _extractive(transcript, options, language)
    else:
        from minutes.minutes import llm

        minutes = llm.summarize_with_llm(transcript, options, language, progress)
    seconds = round(time.perf_counter() - t0, 3)
    return replace(_flag_unclear(minutes), metadata={**dict(minutes.metadata), "seconds": seconds})


def _flag_unclear(minutes: Minutes) -> Minutes:
    """A note when items rest on speech the recogniser was unsure of (marked in the
    evidence), so a reader checks those by ear before acting on them."""
    evidence = [i.evidence for i in (*minutes.summary, *minutes.decisions)]
    evidence += [a.evidence for a in minutes.action_items]
    n = sum(any(e.unclear for e in ev) for ev in evidence)
    if not n:
        return minutes
    note = (
        f"{n} item{'s' if n != 1 else ''} rest{'s' if n == 1 else ''} on speech the "
        f"recogniser was unsure of (marked unclear audio); check {'it' if n == 1 else 'them'} "
        "against the recording"
    )
    return replace(minutes, warnings=(*minutes.warnings, note))


def _extractive(transcript: Transcript, options: MinutesOptions, language: str) -> Minutes:
    index = EvidenceIndex(transcript)
    found = extractive.extract(transcript)
    convert = _converter(language, transcript.script)
    warnings = []
    if language == "en" and transcript.language not in ("en", ""):
        warnings.append(
            "the extractive backend quotes what was said and cannot translate; "
            "use an LLM backend for English minutes of a Chinese meeting"
        )
    if language != "en" and any(u.language == "yue" for u in transcript.utterances):
        warnings.append(
            "the extractive backend quotes Cantonese as spoken (written Cantonese); "
            "use an LLM backend for standard written Chinese"
        )

    def item(f: extractive.Found) -> Item:
        return Item(convert(f.text), index.resolve(f.ids))

    topics = tuple(
        Topic(_short(convert(f.text)), start, end, index.resolve(f.ids))
        for f, start, end in found.topics
    )
    actions = tuple(
        ActionItem(
            text=convert(f.text),
            evidence=index.resolve(f.ids),
            owner=convert(f.owner) if f.owner else None,
            due=convert(f.due) if f.due else None,
        )
        for f in found.actions
    )
    title = options.title or (topics[0].title if topics else "")
    return Minutes(
        title=title or ("Meeting minutes" if language == "en" else "會議紀錄"),
        language=language,
        attendees=attendees(transcript),
        summary=tuple(item(f) for f in found.summary),
        topics=topics,
        decisions=tuple(item(f) for f in found.decisions),
        action_items=actions,
        backend="extractive",
        warnings=tuple(warnings),
    )


def _converter(language: str, source_script: str) -> Callable[[str], str]:
    """Script conversion for quotes, only when the transcript is not already in it
    (converting HK text through s2hk again would rewrite Cantonese characters)."""
    target = {"zh-HK": "hk", "zh-CN": "cn"}.get(language)
    if target is None or target == source_script:
        return lambda text: text
    return ScriptConverter(target).convert


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = ["BACKENDS", "LLMOptions", "MinutesOptions", "output_language", "summarize"]

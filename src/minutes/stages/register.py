"""Cantonese or Mandarin: which Chinese a chunk is in, and a reading in that register.

Whisper models before v3 have no Cantonese token, and their language identification
calls Cantonese "zh" (P(zh) 0.90–0.999 on every Cantonese clip we have), so the audio
verdict cannot separate the two. What does separate them is how the decoder reads the
chunk when its prompt sets a register:

- prompted with a line of spoken Cantonese, Cantonese speech comes out in written
  Cantonese (嘅 咗 喺 哋 …) while Mandarin speech mostly stays standard Chinese;
- read once with a Cantonese prompt and once with the matching Mandarin line, Cantonese
  speech fits the Cantonese reading better (higher mean log-probability), Mandarin
  speech the Mandarin one;
- Mandarin speech read with the Cantonese prompt may pick up a Cantonese character or
  two, but keeps Mandarin's own words (這, 們, 是, 他): on the ../shared/data clips,
  alone and in constructed meetings, Cantonese read so gave none in 39 readings,
  Mandarin gave some in 12 of 22 (docs/benchmarks.md, session 12). Where they
  outnumber the Cantonese markers, the chunk is Mandarin, whatever the
  log-probability lead says;
- Whisper's language identification says "zh" for both, but the little probability it
  leaves for other languages falls on Vietnamese and Thai — tonal languages with final
  stops, as Cantonese has — far more often for Cantonese speech than for Mandarin
  (``tonal_share``). Where that share is high, the chunk is Cantonese even when both
  readings are the same standard Chinese (read-aloud news) and the Mandarin reading
  is not needed.

A speaker whose register is known from their longest turn has their other turns read
once in it, unless that reading's own words say otherwise (``contradicts``).

Both readings are one pass each at temperature 0 (beam search, no sampling ladder).
The chosen one is read
again with the ladder only when it looks broken (the same test faster-whisper uses to
fall back), so a chunk costs two decodes, not fourteen.

Prompts can leak into the output ("我哋。我哋。" on a short or unclear chunk): segments
that only repeat the prompt are dropped before anything is judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from minutes.language import (
    CANTONESE_MARKERS,
    MANDARIN_MARKERS,
    MANDARIN_WORDS,
    WEAK_MARKERS,
    cantonese_score,
)
from minutes.types import Segment

# One line each, the same sentence in the two registers, so the only thing the prompt
# changes between the readings is the register. "OK, let's start then."
PROMPTS = {"yue": "好，咁我哋開始啦。", "zh": "好，那我們開始吧。"}

# Distinct written-Cantonese characters that settle it from the Cantonese reading alone.
SURE_MARKERS = 2
# Written-Cantonese share (language.cantonese_score) that makes a chunk Cantonese when
# the Cantonese reading kept at least KEPT_SHARE of the Mandarin reading's characters.
MARKER_SCORE = 0.04
KEPT_SHARE = 0.8
# Mean log-probability lead of the Cantonese reading over the Mandarin one that makes a
# chunk Cantonese. Where both readings are the same text (Cantonese read in standard
# Chinese, as news is), the lead is the only sign: measured on the ../shared/data clips
# inside the pipeline, Cantonese +0.023 to +0.061, Mandarin -0.045 to +0.013 (+0.042
# for one clip cut differently in a constructed meeting). A thin margin on few clips;
# written Cantonese, when it appears, decides first.
LOGPROB_MARGIN = 0.018
# Share of Whisper's non-Chinese language probability on these languages that makes a
# chunk Cantonese (see ``tonal_share``). On the ../shared/data clips, whole and inside
# constructed meetings: Cantonese 0.08–0.76 (0.04–0.85 with noise, speed, telephone
# band or a tenth of the level), Mandarin at most 0.094 (0.102 with added noise, one
# speaker; the other four stay below 0.06). Above the Mandarin range with a margin;
# below it the other signals decide as before (docs/benchmarks.md, session 13).
TONAL_LANGUAGES = ("vi", "th")
TONAL_SHARE = 0.12
# faster-whisper's own fallback rule: a reading this repetitive or improbable is redone.
MAX_COMPRESSION = 2.4
MIN_LOGPROB = -1.0

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Reading:
    """One decode of a chunk: its segments, mean log-probability and worst repetition."""

    segments: tuple[Segment, ...]
    logprob: float
    compression: float

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)

    @property
    def broken(self) -> bool:
        return bool(self.segments) and (
            self.compression > MAX_COMPRESSION or self.logprob < MIN_LOGPROB
        )


# (samples, offset, prompt, fallback) -> reading
Read = Callable[[object, float, str, bool], Reading]


@dataclass(frozen=True, slots=True)
class Verdict:
    language: str  # "yue" or "zh"
    reading: Reading
    lead: float  # Cantonese reading's log-probability lead (0 when not compared)
    markers: float  # written-Cantonese share of the Cantonese reading


def _bare(text: str) -> str:
    return _PUNCT.sub("", text)


def without_echo(segments: Sequence[Segment], prompt: str) -> tuple[Segment, ...]:
    """Segments that are more than a repetition of the prompt's own words."""
    source = _bare(prompt)
    return tuple(s for s in segments if not _echoes(_bare(s.text), source))


def _echoes(text: str, source: str) -> bool:
    """``text`` is made of pieces of ``source`` only: a piece of the prompt, or the
    prompt looping ("我哋開始啦。我哋開始啦。我哋開").

    Pieces are matched longest first and must be two characters or more, so a sentence
    that merely shares a word or two with the prompt is kept.
    """
    if not text or text in source:
        return True
    i = 0
    while i < len(text):
        j = i + 1
        while j <= len(text) and text[i:j] in source:
            j += 1
        if j - 1 - i < 2:
            return False
        i = j - 1
    return True


def tonal_share(probabilities: Mapping[str, float]) -> float:
    """The share of Whisper's language probability outside Chinese that falls on
    Vietnamese and Thai: high for Cantonese speech, low for Mandarin."""
    rest = 1.0 - probabilities.get("zh", 0.0) - probabilities.get("yue", 0.0)
    if rest <= 0.0:
        return 0.0
    return sum(probabilities.get(k, 0.0) for k in TONAL_LANGUAGES) / rest


def prompt_for(register: str, user_prompt: str | None) -> str:
    """The decoder prompt: the user's terms first, the register line last (nearest the
    audio, where it steers most)."""
    return " ".join(p for p in (user_prompt, PROMPTS[register]) if p)


def choose(
    samples: object,
    offset: float,
    read: Read,
    user_prompt: str | None = None,
    forced: str | None = None,
    tonal: float = 0.0,
    hint: str | None = None,
) -> Verdict:
    """Decide Cantonese or Mandarin for one chunk of Chinese speech and read it so.

    ``forced`` ("yue" or "zh") skips the decision and reads in that register; ``tonal``
    is the chunk's ``tonal_share`` (0 when unknown). ``hint`` is the register the
    speaker showed elsewhere: the chunk is read once in it, unless that reading's own
    words say otherwise (a person may answer in Mandarin what they were asked in
    Cantonese).
    """
    if forced is not None:
        reading = read(samples, offset, prompt_for(forced, user_prompt), True)
        return Verdict(forced, reading, 0.0, 0.0)
    if hint in ("yue", "zh"):
        reading = read(samples, offset, prompt_for(hint, user_prompt), True)
        if not contradicts(hint, reading.text):
            return Verdict(hint, reading, 0.0, cantonese_score(reading.text))
    yue = read(samples, offset, prompt_for("yue", user_prompt), False)
    markers = cantonese_score(yue.text)
    if settled(yue, tonal):
        if yue.broken:
            yue = read(samples, offset, prompt_for("yue", user_prompt), True)
        return Verdict("yue", yue, 0.0, markers)
    zh = read(samples, offset, prompt_for("zh", user_prompt), False)
    language = decide(yue, zh, tonal)
    if not yue.segments or not zh.segments:
        # One register hears nothing here: what the other hears is kept only if it
        # reads cleanly (a looping reading of laughter or noise is invented text).
        heard = zh if zh.segments else yue
        if heard.broken or not heard.segments:
            return Verdict(language, Reading((), 0.0, 0.0), 0.0, markers)
        return Verdict(language, heard, 0.0, markers)
    chosen = yue if language == "yue" else zh
    if chosen.broken:
        chosen = read(samples, offset, prompt_for(language, user_prompt), True)
    return Verdict(language, chosen, _lead(yue, zh), markers)


def contradicts(register: str, text: str) -> bool:
    """A reading in ``register`` whose own words say the chunk is in the other one:
    Mandarin's words outnumbering Cantonese ones in a Cantonese reading, or plainly
    written Cantonese in a Mandarin one.

    The tonal lean is not used against a speaker's known register: on a stretch of a
    few seconds it is noisy (espeak-ng's Mandarin leans 0.28), while the speaker's
    register was judged on their longest turn.
    """
    if register == "yue":
        return mandarin_over_cantonese(text)
    return len(strong_markers(text)) >= SURE_MARKERS


def settled(yue: Reading, tonal: float = 0.0) -> bool:
    """The Cantonese reading alone settles it as Cantonese: plainly written Cantonese,
    or a chunk Whisper's language identification leans tonal on, with no more
    Mandarin words than Cantonese ones in it."""
    if not yue.segments or mandarin_over_cantonese(yue.text):
        return False
    written = len(strong_markers(yue.text)) >= SURE_MARKERS
    heard = tonal >= TONAL_SHARE
    # A reading that loops is a failure to decode, not a sign of the language: when
    # the writing and the listening both say Cantonese, a loop does not undo it (the
    # reading is then redone with the temperature ladder).
    return (written and heard) or ((written or heard) and not yue.broken)


def decide(yue: Reading, zh: Reading, tonal: float = 0.0) -> str:
    """Cantonese ("yue") or Mandarin ("zh"), from a chunk's Cantonese-prompted and
    Mandarin-prompted readings and its ``tonal_share``.

    A pure function of what the decoder said, so bench/register_log.py can replay a
    changed rule on logged readings without decoding again.
    """
    markers = cantonese_score(yue.text)
    if settled(yue, tonal):
        return "yue"
    if not yue.segments or not zh.segments:
        return "zh" if zh.segments else _by_markers(markers)
    if yue.broken != zh.broken:
        # One register sends the decoder into a loop and the other does not: the audio
        # is in the one that reads cleanly.
        return "yue" if zh.broken else "zh"
    # Markers count only when the Cantonese reading kept the chunk's content: a prompt
    # can make Whisper skip half a Mandarin chunk and write the rest with 哋.
    kept = len(_bare(yue.text)) >= KEPT_SHARE * len(_bare(zh.text))
    cantonese = (markers >= MARKER_SCORE and kept) or _lead(yue, zh) > LOGPROB_MARGIN
    return "yue" if cantonese and not mandarin_over_cantonese(yue.text) else "zh"


def _lead(yue: Reading, zh: Reading) -> float:
    """The Cantonese reading's mean log-probability lead (0 when either is broken)."""
    if yue.broken or zh.broken:
        return 0.0
    return yue.logprob - zh.logprob


def _by_markers(markers: float) -> str:
    return "yue" if markers >= MARKER_SCORE else "zh"


def mandarin_over_cantonese(text: str) -> bool:
    """More Mandarin-only words than written-Cantonese ones in a reading steered
    towards Cantonese (``text``): characters, and the few Mandarin words of
    ``MANDARIN_WORDS``."""
    text = text.replace("咱哋", "")
    mandarin = sum(c in MANDARIN_MARKERS for c in text)
    mandarin += sum(text.count(w) for w in MANDARIN_WORDS)
    cantonese = sum(c in CANTONESE_MARKERS and c not in WEAK_MARKERS for c in text)
    return mandarin > cantonese


def strong_markers(text: str) -> set[str]:
    """Distinct written-Cantonese characters in ``text`` that standard Chinese lacks,
    not counting 咱哋 (Mandarin 咱們 with the prompt's 哋: an echo, not Cantonese)."""
    return {c for c in text.replace("咱哋", "") if c in CANTONESE_MARKERS} - WEAK_MARKERS

"""Hong Kong language handling: language tags from text, and Chinese script control.

Whisper models before v3 have no Cantonese token, so the audio alone cannot tell
Cantonese from Mandarin; the written-Cantonese characters Whisper produces for
Cantonese speech (嘅 咗 喺 哋 …) can. Script conversion uses OpenCC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from minutes.errors import OptionsError
from minutes.types import Word

SCRIPTS = ("hk", "tw", "cn", "auto")
_OPENCC_CONFIG = {"hk": "s2hk", "tw": "s2tw", "cn": "t2s"}

# Characters that occur in written Cantonese and (almost) never in standard written
# Chinese. Both scripts are listed because the recogniser may emit either.
CANTONESE_MARKERS = frozenset(
    "嘅咗喺哋唔冇佢嘢啲咁嚟乜嘥睇噉嗰呢度諗啱攞俾畀揾搵冧嚿咩喎嘞啩囉噃咪吖嗱乸孖"
    "㗎嘛嚡靚咪仲係冚唞瞓踎嗌"
)
# Markers so common in Mandarin too that alone they prove nothing.
WEAK_MARKERS = frozenset("呢度仲係咪嘛")
# The Mandarin forms of the commonest of those words (這 for 呢, 們 for 哋, 是 for 係,
# 他/她 for 佢), in both scripts: what Mandarin speech still comes out as when the
# decoder is steered towards written Cantonese (see stages/register.py).
MANDARIN_MARKERS = frozenset("這这們们是他她")
# Mandarin words that a Cantonese-prompted reading of Cantonese speech writes otherwise
# (我喺, 乜嘢, 點樣, 就係): "I am at", the polite "you", "that is", "what", "how". In
# bench/register_log.py's 117 Cantonese decisions none of them appears; 我在 and 就是
# are in 23 of its 53 Mandarin ones.
MANDARIN_WORDS = ("我在", "你在", "您", "就是", "什麼", "什么", "甚麼", "甚么", "怎麼", "怎么")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
MIXED_RUN = 4
_CJK_CLASS = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_CJK_SPACE = re.compile(f"(?<={_CJK_CLASS}) | (?={_CJK_CLASS})")


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def latin_words(text: str) -> int:
    return len(_LATIN.findall(text))


def cantonese_score(text: str) -> float:
    """Share of CJK characters that are strong written-Cantonese markers."""
    chars = _CJK.findall(text)
    if not chars:
        return 0.0
    strong = sum(1 for c in chars if c in CANTONESE_MARKERS and c not in WEAK_MARKERS)
    weak = sum(1 for c in chars if c in WEAK_MARKERS)
    return (strong + 0.25 * weak) / len(chars)


def _longest_latin_run(text: str) -> int:
    """Most consecutive Latin words with nothing Chinese between them."""
    best = 0
    for run in _CJK_RUN.split(text):
        best = max(best, latin_words(run))
    return best


def _longest_cjk_run(text: str) -> int:
    return max((len(m) for m in _CJK_RUN.findall(text)), default=0)


def text_language(text: str, audio_language: str) -> str:
    """``yue`` | ``zh`` | ``en`` | ``mixed`` for a stretch of recognised text.

    Hong Kong speech drops English terms into Chinese sentences all the time ("呢個
    project 嘅 deadline"); that is still Cantonese. ``mixed`` means both languages carry
    whole phrases: a run of four or more English words and one of four or more Chinese
    characters.
    """
    cjk = cjk_count(text)
    latin = latin_words(text)
    if cjk == 0 and latin == 0:
        return audio_language
    if _longest_latin_run(text) >= MIXED_RUN and _longest_cjk_run(text) >= MIXED_RUN:
        return "mixed"
    if latin >= cjk:
        # Counting words against characters favours Chinese on purpose: a few English
        # terms do not make a Cantonese sentence English.
        return "en"
    if cantonese_score(text) >= 0.04 or audio_language == "yue":
        return "yue"
    return "zh"


def validate_script(script: str) -> str:
    if script not in SCRIPTS:
        raise OptionsError(f"Unknown script {script!r}; use one of: {', '.join(SCRIPTS)}.")
    return script


@dataclass(frozen=True, slots=True)
class ScriptConverter:
    """Converts Chinese text to one script (HK Traditional by default); Latin is untouched."""

    script: str = "hk"

    def __post_init__(self) -> None:
        validate_script(self.script)

    def convert(self, text: str) -> str:
        if self.script == "auto" or not _CJK.search(text):
            return text
        return str(_converter(_OPENCC_CONFIG[self.script]).convert(text))

    def convert_words(self, words: Sequence[Word]) -> tuple[Word, ...]:
        """Convert a run of words with phrase context, keeping word boundaries.

        The run is converted as one string (OpenCC's phrase tables need context, e.g.
        头发 → 頭髮, not 頭發); when the conversion keeps its length, it is cut back
        into the original words, otherwise each word is converted alone.
        """
        if self.script == "auto" or not any(_CJK.search(w.text) for w in words):
            return tuple(words)
        joined = "".join(w.text for w in words)
        converted = self.convert(joined)
        if len(converted) == len(joined):
            out, pos = [], 0
            for w in words:
                out.append(replace(w, text=converted[pos : pos + len(w.text)]))
                pos += len(w.text)
            return tuple(out)
        return tuple(replace(w, text=self.convert(w.text)) for w in words)


@lru_cache(maxsize=4)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def normalise_for_scoring(text: str, script: str = "cn") -> str:
    """Text for CER/WER: one script, no punctuation, lower case, single spaces."""
    text = ScriptConverter(script).convert(text) if script != "auto" else text
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    text = " ".join(text.split())
    # Spaces next to CJK carry no meaning and would count as characters in CER.
    return _CJK_SPACE.sub("", text)

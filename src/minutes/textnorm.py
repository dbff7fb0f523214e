"""Text layout for mixed Chinese/English transcripts, and hallucination-loop removal.

Every function works on word tuples and keeps ``"".join(w.text for w in words)`` equal
to the utterance text, so word timings stay valid after the text is tidied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from minutes.types import Word

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")
# A number next to Chinese takes no space ("12月5號", "下午3時"), as Hong Kong writes it,
# unless it is part of an English run: "Phase 2 工程", "用 3D 打印", "撥款 12 million".
_DIGITS_THEN_LATIN = re.compile(r"[0-9][0-9.,:]*\s?[A-Za-z]")
_LATIN_THEN_DIGITS = re.compile(r"[A-Za-z]\s?[0-9][0-9.,:]*$")
# Half-width punctuation → the full-width form a Chinese sentence takes.
_FULL_WIDTH = {",": "，", ".": "。", "?": "？", "!": "！", ":": "：", ";": "；"}
_HALF_WIDTH = {v: k for k, v in _FULL_WIDTH.items()} | {"、": ","}
# Full-width punctuation carries its own spacing; nothing follows it but text.
_CJK_PUNCT = frozenset("，。？！：；、「」『』（）《》〈〉…—")

# A phrase repeated more than this many times in a row is a decoding loop.
MAX_REPEATS = 2

# Whisper now and then writes full-width letters and digits ("好４") or the small-form
# variants of punctuation ("﹑", "﹔"): their ordinary forms, which the rules below then
# make full- or half-width by context.
_NARROW = {
    cp: unicodedata.normalize("NFKC", chr(cp))
    for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
} | {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFE50, 0xFE6C)}
# Marks never doubled in good text (unlike "……" and "——").
_SINGLE_MARKS = "，。、？！：；"
_REPEATED_PUNCT = re.compile(f"([{_SINGLE_MARKS}])\\1+")


def _last_char(text: str) -> str:
    stripped = text.rstrip()
    return stripped[-1] if stripped else ""


def _first_char(text: str) -> str:
    stripped = text.lstrip()
    return stripped[0] if stripped else ""


def layout(words: Sequence[Word]) -> tuple[Word, ...]:
    """Full-width punctuation after Chinese, half-width after English, and one space
    between Chinese and Latin runs ("我哋要 review 一下") but none between Chinese and a
    number ("12月5號"); full-width letters and digits narrowed, and a punctuation mark
    doubled by the decoder ("、、") written once."""
    out: list[Word] = []
    prev_char = ""
    for i, w in enumerate(words):
        text = w.text.translate(_NARROW)
        first = _first_char(text)
        # One space at a CJK/Latin boundary; none between two CJK characters.
        if prev_char and first:
            boundary = bool(_CJK.match(prev_char)) != bool(_CJK.match(first)) and bool(
                _LATIN_OR_DIGIT.match(prev_char) or _LATIN_OR_DIGIT.match(first)
            )
            if boundary and first.isdigit():
                ahead = "".join(x.text for x in words[i + 1 : i + 4]).translate(_NARROW)
                boundary = bool(_DIGITS_THEN_LATIN.match(text.lstrip() + ahead))
            elif boundary and prev_char.isdigit():
                behind = "".join(x.text for x in out[-3:]).rstrip()
                boundary = bool(_LATIN_THEN_DIGITS.search(behind))
            if prev_char in _CJK_PUNCT:
                text = text.lstrip()
            elif boundary:
                text = " " + text.lstrip()
            elif (_CJK.match(prev_char) or prev_char.isdigit()) and (
                _CJK.match(first) or first.isdigit()
            ):
                text = text.lstrip()  # two Chinese words, or a number next to Chinese
        text = _REPEATED_PUNCT.sub(r"\1", _punctuate(text, prev_char))
        if prev_char and prev_char in _SINGLE_MARKS and text.lstrip().startswith(prev_char):
            text = text.lstrip()[1:]
            if not text:
                continue  # a word that only repeated the mark before it
        out.append(replace(w, text=text) if text != w.text else w)
        prev_char = _last_char(text) or prev_char
    return tuple(out)


def _punctuate(text: str, prev_char: str) -> str:
    chars = list(text)
    context = prev_char
    for i, c in enumerate(chars):
        if c in _FULL_WIDTH and _CJK.match(context or " "):
            # Keep decimal points and times ("3.5", "10:30") half-width.
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if not (c in ".:" and nxt.isdigit()):
                chars[i] = _FULL_WIDTH[c]
        elif c in _HALF_WIDTH and _LATIN_OR_DIGIT.match(context or " "):
            chars[i] = _HALF_WIDTH[c]
        if not c.isspace():
            context = chars[i]
    return "".join(chars)


def remove_loops(words: Sequence[Word], max_repeats: int = MAX_REPEATS) -> tuple[Word, ...]:
    """Drop a phrase (1–8 words) repeated more than ``max_repeats`` times in a row.

    Whisper sometimes falls into a loop ("谢谢谢谢谢谢…", "Thank you. Thank you. …");
    the first ``max_repeats`` copies stay, the rest go.
    """
    items = list(words)
    keys = [_key(w.text) for w in items]
    keep = [True] * len(items)
    i = 0
    while i < len(items):
        removed = False
        for n in range(1, 9):
            phrase = keys[i : i + n]
            if len(phrase) < n or not any(phrase):
                break
            reps = 1
            while keys[i + reps * n : i + (reps + 1) * n] == phrase:
                reps += 1
            if reps > max_repeats and (n > 1 or reps > max_repeats + 1 or len(phrase[0]) > 1):
                for j in range(i + max_repeats * n, i + reps * n):
                    keep[j] = False
                i += reps * n
                removed = True
                break
        if not removed:
            i += 1
    return tuple(w for w, k in zip(items, keep, strict=True) if k)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())

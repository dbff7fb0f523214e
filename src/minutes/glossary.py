"""Glossaries: names, departments, acronyms and jargon spelled the way the user wants.

A glossary steers recognition (its terms go into the decoder's prompt) and fixes known
variants afterwards. File format, UTF-8, one entry per line::

    # comment
    運輸署 | 运输署 | 運輸處
    Transport Department | transport dept
    LegCo | Legco | Ledge Co

The first term is the spelling to keep; the others are variants to replace. A Chinese
term of five characters or more is also restored where the recogniser got one of its
characters wrong (「淜仔北安碼頭」 → 「氹仔北安碼頭」): long names are where Whisper base
mishears a character, and another name differing in one character of five is rare.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from minutes.errors import OptionsError
from minutes.types import Word

MAX_BYTES = 256 * 1024
MAX_ENTRIES = 2000
MAX_TERM = 100
PROMPT_CHARS = 180  # Whisper's prompt is 224 tokens; leave room for the context
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Chinese terms at least this long are restored from a one-character slip.
NEAR_MISS_CHARS = 5


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Glossary:
    entries: tuple[Entry, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def over(self, base: Glossary) -> Glossary:
        """This (meeting's) glossary laid over ``base`` (the user's global one).

        The meeting's entries come first, so they lead the decoder's prompt and are
        applied first; a global entry that shares any spelling with a meeting entry is
        left out, so the meeting's choice of spelling wins.
        """
        spellings = {s.casefold() for e in self.entries for s in (e.term, *e.variants)}
        kept = tuple(
            e
            for e in base.entries
            if not any(s.casefold() in spellings for s in (e.term, *e.variants))
        )
        return Glossary(self.entries + kept)

    def prompt(self) -> str:
        """Canonical terms for the decoder's prompt, within Whisper's prompt budget.

        Written as a sentence ("氹仔北安碼頭、航班。", "LegCo, Transport Department."):
        Whisper continues the style of its prompt, and a bare list of terms without a
        stop once cost a Cantonese clip all its punctuation.
        """
        out: list[str] = []
        size = 0
        for e in self.entries:
            if size + len(e.term) + 2 > PROMPT_CHARS:
                break
            out.append(e.term)
            size += len(e.term) + 2
        if not out:
            return ""
        chinese = any(_CJK.search(t) for t in out)
        text = ("、" if chinese else ", ").join(out)
        if text[-1] in "。．.!?！？":
            return text
        return text + ("。" if chinese else ".")

    def fix(self, words: Sequence[Word]) -> tuple[Word, ...]:
        """Replace every variant in a run of words by its term, merging the words it
        spans; then long Chinese terms written with one character wrong."""
        result = tuple(words)
        for e in self.entries:
            for v in sorted(e.variants, key=len, reverse=True):
                result = _replace(result, v, e.term)
        spellings = {s for e in self.entries for s in (e.term, *e.variants)}
        for e in self.entries:
            for slip in _near_misses("".join(w.text for w in result), e.term, spellings):
                result = _replace(result, slip, e.term)
        return result

    def in_script(self, convert: Callable[[str], str]) -> Glossary:
        """This glossary written in the transcript's Chinese script.

        A term given in Traditional lands in a Simplified transcript as Simplified (and
        the other way round), and its variants match text that was converted too; the
        variants as given are kept as well.
        """
        entries = []
        for e in self.entries:
            term = convert(e.term)
            variants = tuple(
                v for v in dict.fromkeys((*map(convert, e.variants), *e.variants)) if v != term
            )
            entries.append(Entry(term, variants))
        return Glossary(tuple(entries))

    def fix_text(self, text: str) -> str:
        """:meth:`fix` on a finished line of text (a stored or corrected transcript)."""
        if not text:
            return text
        return "".join(w.text for w in self.fix((Word(text, 0.0, 0.0, 1.0),)))


def parse(text: str, source: str = "glossary") -> Glossary:
    """Parse glossary text; raises :class:`OptionsError` naming the line at fault."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise OptionsError(f"{source}: larger than {MAX_BYTES // 1024} KiB; keep glossaries short.")
    entries: list[Entry] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "\x00" in line or any(ord(c) < 32 and c != "\t" for c in line):
            raise OptionsError(f"{source}, line {n}: control characters are not allowed.")
        parts = [p.strip() for p in line.split("|")]
        if any(not p for p in parts):
            raise OptionsError(f"{source}, line {n}: empty term; write 'term | variant | …'.")
        if any(len(p) > MAX_TERM for p in parts):
            raise OptionsError(f"{source}, line {n}: a term is longer than {MAX_TERM} characters.")
        entries.append(Entry(parts[0], tuple(p for p in parts[1:] if p != parts[0])))
        if len(entries) > MAX_ENTRIES:
            raise OptionsError(f"{source}: more than {MAX_ENTRIES} entries.")
    return Glossary(tuple(entries))


def load(path: str | Path) -> Glossary:
    """Read a glossary file (UTF-8)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise OptionsError(f"{p}: larger than {MAX_BYTES // 1024} KiB; keep glossaries short.")
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise OptionsError(f"{p}: glossary file not found.") from None
    except IsADirectoryError:
        raise OptionsError(f"{p}: is a directory, not a glossary file.") from None
    except UnicodeDecodeError:
        raise OptionsError(f"{p}: not UTF-8 text; save the glossary as UTF-8.") from None
    return parse(text, str(p))


def global_path() -> Path:
    """Where the command line keeps the user's global glossary (the server keeps one per
    user in its database)."""
    from minutes.settings import Settings

    return Settings().data_dir / "glossary.txt"


def load_global(path: Path | None = None) -> Glossary:
    """The global glossary, empty when none has been set."""
    path = path or global_path()
    return load(path) if path.exists() else Glossary()


def save_global(text: str, path: Path | None = None) -> Glossary:
    """Replace the global glossary with ``text`` as written (comments kept), once it
    parses; atomically, so the old one stays whole on any failure."""
    from minutes.formats.base import atomic_write_text

    g = parse(text, "global glossary")
    atomic_write_text(path or global_path(), text)
    return g


def from_terms(terms: Iterable[str]) -> Glossary:
    """A glossary from API fields: each item ``"term"`` or ``"term | variant | …"``."""
    return parse("\n".join(terms), "glossary field")


def _near_misses(text: str, term: str, spellings: set[str]) -> list[str]:
    """Stretches of ``text`` that are ``term`` with one Chinese character wrong.

    Only for all-Chinese terms of ``NEAR_MISS_CHARS`` or more; a stretch that is itself
    a glossary spelling is left alone.
    """
    n = len(term)
    if n < NEAR_MISS_CHARS or len(_CJK.findall(term)) != n or len(text) < n:
        return []
    # One wrong character leaves at least two of the term's pairs intact: a cheap
    # test that skips most texts before any window is compared.
    pairs = {term[i : i + 2] for i in range(n - 1)}
    if sum(text.count(p) for p in pairs) < 2:
        return []
    found: list[str] = []
    for i in range(len(text) - n + 1):
        window = text[i : i + n]
        wrong = [j for j in range(n) if window[j] != term[j]]
        if len(wrong) == 1 and _CJK.match(window[wrong[0]]) and window not in spellings:
            found.append(window)
    return list(dict.fromkeys(found))


def _replace(words: tuple[Word, ...], variant: str, term: str) -> tuple[Word, ...]:
    text = "".join(w.text for w in words)
    latin = variant.isascii()
    flags = re.IGNORECASE if latin else 0
    # Latin variants match whole words only ("Ledge Co" must not hit "Ledge Cooper").
    pattern = re.escape(variant).replace(r"\ ", r"\s+")
    if latin:
        pattern = rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])"
    # Text already spelled as the term is left alone, so a term that contains its own
    # variant ("Bus Budget | budget") is not rewritten again on a second pass.
    kept = [m.span() for m in re.finditer(re.escape(term), text)]
    matches = [
        m
        for m in re.finditer(pattern, text, flags)
        if not any(a <= m.start() and m.end() <= b for a, b in kept)
    ]
    if not matches:
        return words
    bounds = []
    pos = 0
    for w in words:
        bounds.append((pos, pos + len(w.text)))
        pos += len(w.text)
    out: list[Word] = []
    i = 0
    for m in matches:
        a, b = m.span()
        while i < len(words) and bounds[i][1] <= a:
            out.append(words[i])
            i += 1
        first = i
        while i < len(words) and bounds[i][0] < b:
            i += 1
        span = words[first:i]
        if not span:
            continue
        prefix = span[0].text[: a - bounds[first][0]]
        suffix = span[-1].text[b - bounds[i - 1][0] :]
        out.append(
            replace(
                span[0],
                text=prefix + term + suffix,
                end=span[-1].end,
                probability=min(w.probability for w in span),
            )
        )
    out.extend(words[i:])
    return tuple(out)

"""Pure assembly: words get speakers by time overlap, then become utterances."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from minutes.glossary import Glossary
from minutes.language import ScriptConverter, cjk_count, latin_words, text_language
from minutes.textnorm import layout, remove_loops
from minutes.types import Segment, Speaker, Turn, Utterance, Word, language_seconds

# A pause longer than this ends an utterance even when the speaker does not change.
MAX_PAUSE = 1.5
# An utterance is cut at the next word boundary past this length (readability, subtitles).
MAX_UTTERANCE = 30.0
# At the end of a sentence, an utterance this long is cut (a person talking on for a
# minute reads better as several lines), and so is one followed by a sentence in the
# other script: one person going from English to Chinese is two lines, each tagged.
SENTENCE_SECONDS = 12.0
_SENTENCE_END = tuple("。！？.!?．")
CLAUSE_SECONDS = 20.0
_CLAUSE_END = tuple("，,、；;")
_CLOSING = "」』\"'）)"
# A turn at least this long, heard only while someone else's words run, is an
# interjection: it gets a line of its own even though no words of it were recognised.
CROSSTALK_SECONDS = 0.3
# ... when its own words cover less than this share of it and another speaker's words
# at least OVER_SHARE (the rest is pauses between their words).
OWN_SHARE = 0.2
OVER_SHARE = 0.5
# One speaker's turn ending within this of another's start is a change of speaker, whose
# boundary ``align_turns`` moves out of any word it cuts.
CHANGE_GAP = 0.3


def speaker_for(start: float, end: float, turns: Sequence[Turn], starts: Sequence[float]) -> str:
    """The speaker whose turns overlap [start, end] most; else the nearest turn's.

    A word inside overlapped speech overlaps two speakers' turns equally; it goes to the
    one whose turn is longer. Whisper writes the voice that carries through the overlap,
    not a short interjection spoken over it, so the interjection must not take its words.
    """
    if not turns:
        return "SPEAKER_00"
    overlap: dict[str, float] = defaultdict(float)
    longest: dict[str, float] = defaultdict(float)
    i = max(0, bisect.bisect_right(starts, end) - 1)
    # The latest turn starting before the word ends always counts (it may be a long
    # monologue); earlier ones only while they could still reach into the word.
    k = i
    while k >= 0 and (k == i or turns[k].start > start - 60.0):
        t = turns[k]
        ov = min(end, t.end) - max(start, t.start)
        if ov > 0:
            overlap[t.speaker] += ov
            longest[t.speaker] = max(longest[t.speaker], t.end - t.start)
        k -= 1
    if overlap:
        # Overlaps within 10 ms are a tie (both turns cover the whole word).
        return max(overlap, key=lambda sp: (round(overlap[sp], 2), longest[sp]))
    mid = (start + end) / 2
    nearest = min(
        turns[max(0, i - 1) : i + 2],
        key=lambda t: 0.0 if t.start <= mid <= t.end else min(abs(t.start - mid), abs(t.end - mid)),
    )
    return nearest.speaker


def assign_speakers(segments: Sequence[Segment], turns: Sequence[Turn]) -> list[Segment]:
    """Segments whose words carry the speaker that overlaps them most."""
    ordered = sorted(turns, key=lambda t: t.start)
    starts = [t.start for t in ordered]
    out = []
    for s in segments:
        words = tuple(
            replace(w, speaker=speaker_for(w.start, w.end, ordered, starts)) for w in s.words
        )
        if not words:
            words = (
                Word(s.text, s.start, s.end, 1.0, speaker_for(s.start, s.end, ordered, starts)),
            )
        out.append(replace(s, words=words))
    return out


def align_turns(turns: Sequence[Turn], segments: Sequence[Segment]) -> list[Turn]:
    """Turns whose boundaries at a change of speaker fall between words, not inside them.

    The diarizer places a change of speaker by its frames, often a few hundredths of a
    second inside the last or first word. Once words have speakers (``assign_speakers``),
    each such boundary moves to the edge of the word it cuts: past it when the word is
    the earlier speaker's, before it when it is the later one's. So the turns (RTTM,
    timeline, talk time) agree with the words. A turn spoken over another, away from its
    edges, is not a change of speaker and keeps its times.
    """
    words = sorted((w for s in segments for w in s.words), key=lambda w: w.start)
    starts = [w.start for w in words]
    ordered = sorted(turns, key=lambda t: (t.start, t.end))
    bounds = [[t.start, t.end] for t in ordered]

    def cut(at: float) -> Word | None:
        i = bisect.bisect_right(starts, at) - 1
        return words[i] if i >= 0 and words[i].start < at < words[i].end else None

    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.start > a.end + CHANGE_GAP:
                break
            if b.speaker == a.speaker or abs(b.start - a.end) > CHANGE_GAP or b.end <= a.end:
                continue
            end, start = a.end, b.start
            if (w := cut(a.end)) is not None and w.speaker in (a.speaker, b.speaker):
                end = w.end if w.speaker == a.speaker else w.start
            if (w := cut(b.start)) is not None and w.speaker in (a.speaker, b.speaker):
                start = w.start if w.speaker == b.speaker else w.end
            if a.start < end and start < b.end:
                bounds[i][1], bounds[j][0] = end, start
    return [Turn(float(s), float(e), t.speaker) for (s, e), t in zip(bounds, ordered, strict=True)]


def join_words(words: Sequence[Word]) -> str:
    # faster-whisper words carry their own leading space where the language uses one.
    return "".join(w.text for w in words).strip()


def utterances(
    segments: Sequence[Segment],
    converter: ScriptConverter | None = None,
    glossary: Glossary | None = None,
) -> list[Utterance]:
    """Consecutive words of one speaker and one segment language form an utterance.

    Chinese text is converted to the chosen script, glossary variants are fixed,
    decoding loops removed and mixed text laid out; each utterance's language is
    decided from its text as well as the recogniser's language for its segment.
    """
    converter = converter or ScriptConverter("auto")
    glossary = (glossary or Glossary()).in_script(converter.convert)
    out: list[Utterance] = []
    current: list[Word] = []
    lang = ""
    conf: list[float] = []

    def close() -> None:
        words = layout(remove_loops(glossary.fix(converter.convert_words(current))))
        text = join_words(words)
        if words and text:
            out.append(
                Utterance(
                    id=f"u{len(out) + 1:04d}",
                    start=words[0].start,
                    end=words[-1].end,
                    speaker=words[0].speaker or "SPEAKER_00",
                    text=text,
                    language=text_language(text, lang),
                    words=words,
                    confidence=sum(conf) / len(conf) if conf else 1.0,
                )
            )
        current.clear()
        conf.clear()

    for seg in segments:
        for w in seg.words:
            if current and (
                w.speaker != current[-1].speaker
                or seg.language != lang
                or w.start - current[-1].end > MAX_PAUSE
                or (w.end - current[0].start > MAX_UTTERANCE and _starts_word(w))
                or _new_sentence(current, w)
            ):
                close()
            lang = seg.language
            current.append(w)
            conf.append(w.probability)
    close()
    return out


def crosstalk(utts: Sequence[Utterance], turns: Sequence[Turn]) -> list[Utterance]:
    """``utts`` with a line for every interjection heard only over another speaker.

    Whisper writes the voice that carries through overlapped speech, so a short reply
    spoken over someone ("yeah", 係呀) is a diarized turn without words. Left out, the
    transcript would not show that the person spoke at all; as a line without text it
    shows who cut in, when, and over whom, and a person can type what was said. Lines
    are renumbered in time order.
    """
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for u in utts:
        for w in u.words:
            spans[u.speaker].append((w.start, w.end))
    for mine in spans.values():
        mine.sort()
    language = _main_languages(utts)
    added: list[Utterance] = []
    for t in turns:
        if t.duration < CROSSTALK_SECONDS:
            continue
        if _covered(spans.get(t.speaker, ()), t) > OWN_SHARE * t.duration:
            continue
        cover = {sp: _covered(s, t) for sp, s in spans.items() if sp != t.speaker}
        over = max(cover, key=cover.__getitem__, default="")
        if not over or cover[over] < OVER_SHARE * t.duration:
            continue
        added.append(
            Utterance(
                id="",
                start=t.start,
                end=t.end,
                speaker=t.speaker,
                text="",
                language=language.get(t.speaker) or _spoken_at(utts, over, t) or "",
                over=over,
            )
        )
    if not added:
        return list(utts)
    ordered = sorted([*utts, *added], key=lambda u: (u.start, u.end))
    return [replace(u, id=f"u{i:04d}") for i, u in enumerate(ordered, 1)]


def _covered(spans: Sequence[tuple[float, float]], turn: Turn) -> float:
    """Seconds of ``turn`` that the word ``spans`` (sorted, not overlapping) cover."""
    # Words that end before the turn starts are skipped by bisection: a three-hour
    # meeting has tens of thousands of words and thousands of turns.
    i = max(0, bisect.bisect_left(spans, (turn.start, turn.start)) - 1)
    total = 0.0
    for s, e in spans[i:]:
        if s >= turn.end:
            break
        total += max(0.0, min(e, turn.end) - max(s, turn.start))
    return total


def _main_languages(utts: Sequence[Utterance]) -> dict[str, str]:
    """Each speaker's language by recognised speech time."""
    mine: dict[str, list[Utterance]] = defaultdict(list)
    for u in utts:
        mine[u.speaker].append(u)
    out = {}
    for sp, lines in mine.items():
        seconds = language_seconds(lines)
        if seconds:
            out[sp] = max(seconds, key=seconds.__getitem__)
    return out


def _spoken_at(utts: Sequence[Utterance], speaker: str, turn: Turn) -> str:
    """The language ``speaker`` was speaking in during ``turn``."""
    for u in utts:
        if u.speaker == speaker and u.start < turn.end and u.end > turn.start:
            return u.language
    return ""


def _starts_word(word: Word) -> bool:
    """A cut before ``word`` falls between words (Chinese words carry no space)."""
    return word.text.startswith(" ") or cjk_count(word.text[:1]) > 0


def _new_sentence(current: Sequence[Word], word: Word) -> bool:
    """``word`` starts a sentence (or, in a long utterance, a clause) that should begin
    a new utterance: the last one ended and either the utterance is long or ``word``
    is in the other script."""
    last = current[-1].text.rstrip(_CLOSING)
    seconds = word.end - current[0].start
    if last.endswith(_CLAUSE_END) and seconds > CLAUSE_SECONDS:
        return True  # Whisper often writes long Chinese speech with commas only
    if not last.endswith(_SENTENCE_END):
        return False
    if seconds > SENTENCE_SECONDS:
        return True
    before = _script("".join(w.text for w in current))
    return bool(before) and _script(word.text) not in ("", before)


def _script(text: str) -> str:
    """Which script the text has more of: "cjk" (characters) or "latin" (words);
    "" when it has neither."""
    cjk, latin = cjk_count(text), latin_words(text)
    if cjk == latin == 0:
        return ""
    return "cjk" if cjk >= latin else "latin"


def speakers_from(utts: Sequence[Utterance], turns: Sequence[Turn]) -> list[Speaker]:
    """Speakers ordered by first appearance, with talk time from their turns."""
    talk: dict[str, float] = defaultdict(float)
    for t in turns:
        talk[t.speaker] += t.duration
    order: list[str] = []
    for t in sorted(turns, key=lambda t: t.start):
        if t.speaker not in order:
            order.append(t.speaker)
    for u in utts:
        if u.speaker not in order:
            order.append(u.speaker)
    return [Speaker(id=s, name=f"Speaker {i + 1}", talk_time=talk[s]) for i, s in enumerate(order)]

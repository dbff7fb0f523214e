"""Corrections people make to who said what: merge speakers, split a line, move a line.

The diarizer's count and its short replies are where it errs most (docs/benchmarks.md):
one person split in two is fixed by a merge; two people heard as one, or a reply given
to the wrong person, by moving lines to the right speaker (a new one if need be), after
splitting off the part of a line someone else said. Each keeps the turns (RTTM,
timeline) and talk times consistent with the lines, so every export says the same
thing. Pure functions on ``Transcript``; the server stores what they return.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from minutes.assemble import join_words
from minutes.errors import NotFoundError, OptionsError
from minutes.formats.base import xml_safe
from minutes.language import text_language
from minutes.stages.diarize import speaker_id
from minutes.types import Speaker, Transcript, Turn, Utterance, Word

_SPEAKER_ID = re.compile(r"SPEAKER_(\d+)")
_LINE_ID = re.compile(r"u(\d+)")
MIN_PIECE = 0.01  # seconds; what is left of a cut turn below this is dropped
MAX_TEXT = 20_000  # characters in one line
MAX_NAME = 100  # characters in a speaker's name


def cleaned(value: str, limit: int, field: str) -> str:
    """``value`` without control characters (which no export could carry) and outer
    spaces; an error naming ``field`` when it is empty or longer than ``limit``."""
    value = xml_safe(value).strip()
    if not value:
        raise OptionsError(f"The {field} cannot be empty.")
    if len(value) > limit:
        raise OptionsError(f"The {field} is too long (at most {limit} characters).")
    return value


def name_key(name: str) -> str:
    """What makes two names one person's: spacing and letter case do not count."""
    return " ".join(name.split()).casefold()


def find_speaker(t: Transcript, who: str) -> str:
    """The id of the speaker ``who`` names: an id (``SPEAKER_01``) or a display name in
    any spacing or case (``"speaker 2"``, ``"Mary  Wong"``)."""
    if any(sp.id == who for sp in t.speakers):
        return who
    found = [sp.id for sp in t.speakers if name_key(sp.name) == name_key(who)]
    if len(found) == 1:
        return found[0]
    if found:
        raise OptionsError(
            f"{len(found)} speakers are called {who!r}; use an id: {', '.join(found)}."
        )
    known = ", ".join(f"{sp.name} ({sp.id})" for sp in t.speakers) or "none"
    raise NotFoundError(f"No speaker {who!r} in this meeting. Speakers: {known}.")


def rename(t: Transcript, speaker: str, name: str) -> Transcript:
    """Call ``speaker`` (an id) ``name`` everywhere the meeting shows it."""
    name = cleaned(name, MAX_NAME, "name")
    _require_speakers(t, speaker)
    return replace(
        t, speakers=tuple(replace(sp, name=name) if sp.id == speaker else sp for sp in t.speakers)
    )


def with_line(t: Transcript, line: Utterance) -> Transcript:
    """``t`` with the line of ``line``'s id replaced by it (a line read again)."""
    _line(t, line.id)
    return replace(t, utterances=tuple(line if u.id == line.id else u for u in t.utterances))


def edit_text(t: Transcript, uid: str, text: str) -> Transcript:
    """Replace line ``uid``'s text; its words keep their times for playback."""
    text = cleaned(text, MAX_TEXT, "text")
    line = _line(t, uid)
    # Text a person has corrected is no longer the recogniser's guess: its minutes
    # evidence must not be marked as unclear audio.
    edited = replace(line, text=text, confidence=1.0)
    return replace(t, utterances=tuple(edited if u.id == uid else u for u in t.utterances))


def remove_line(t: Transcript, uid: str) -> Transcript:
    """Take out line ``uid``: text the recogniser invented in noise, or an interjection
    that was nobody's. Its speaker's turn goes with it — all of a turn that holds no
    other line of theirs, else the line's own stretch — so the timeline and talk time
    agree; a speaker left with neither lines nor turns leaves the meeting."""
    line = _line(t, uid)
    utts = tuple(u for u in t.utterances if u.id != uid)
    mine = [u for u in utts if u.speaker == line.speaker]
    turns: list[Turn] = []
    for x in t.turns:
        if x.speaker != line.speaker or x.end <= line.start or x.start >= line.end:
            turns.append(x)
            continue
        kept = [u for u in mine if u.start < x.end and u.end > x.start]
        if not kept:
            continue  # the turn was this line's alone
        # Cut the line's stretch, less what the speaker's other lines in it cover.
        spans = [(line.start, line.end)]
        for u in kept:
            spans = [p for a, b in spans for p in ((a, min(b, u.start)), (max(a, u.end), b))]
        pieces = [x]
        for a, b in spans:
            if b - a >= MIN_PIECE:
                pieces = _cut(pieces, line.speaker, a, b)
        turns.extend(pieces)
    present = {u.speaker for u in utts} | {x.speaker for x in turns}
    speakers = [sp for sp in t.speakers if sp.id in present]
    # An interjection over someone who has left names no one.
    utts = tuple(u if not u.over or u.over in present else replace(u, over="") for u in utts)
    return _with_talk_time(replace(t, utterances=utts), tuple(turns), speakers)


def merge_speakers(t: Transcript, source: str, target: str) -> Transcript:
    """Give everything ``source`` said to ``target``: lines, words and turns."""
    if source == target:
        raise OptionsError("Choose two different speakers to merge.")
    _require_speakers(t, source, target)
    utts = _without_self_over(
        replace(
            _given(u, target) if u.speaker == source else u,
            over=target if u.over == source else u.over,
        )
        for u in t.utterances
    )
    turns = [Turn(x.start, x.end, target) if x.speaker == source else x for x in t.turns]
    speakers = [sp for sp in t.speakers if sp.id != source]
    return _with_talk_time(replace(t, utterances=utts), _coalesce(turns, target), speakers)


def reassign(
    t: Transcript, uid: str, *, speaker: str | None = None, new_speaker: str | None = None
) -> Transcript:
    """Give line ``uid`` to ``speaker`` (an id), or to a new speaker named ``new_speaker``
    ("" for the next "Speaker N"; a name already in the meeting means that speaker).

    Only the line's stretch of time moves; a speaker left with no lines is merged into
    the one who took their last line, so no empty speaker stays behind.
    """
    if (speaker is None) == (new_speaker is None):
        raise OptionsError("Give either the speaker to move the line to, or a new speaker.")
    line = _line(t, uid)
    speakers = list(t.speakers)
    if new_speaker is not None:
        if new_speaker.strip():
            new_speaker = cleaned(new_speaker, MAX_NAME, "name")
        speaker, added = _named_or_new(speakers, new_speaker)
        if added is not None:
            speakers.append(added)
    assert speaker is not None
    _require_speakers(replace(t, speakers=tuple(speakers)), speaker)
    source = line.speaker
    if source == speaker:
        return t
    if line.over == speaker and not line.heard:
        name = next((sp.name for sp in speakers if sp.id == speaker), speaker)
        raise OptionsError(
            f"Line {uid} was heard only over {name}; if nobody else spoke there, "
            "remove the line instead."
        )
    utts = _without_self_over(_given(u, speaker) if u.id == uid else u for u in t.utterances)
    turns = _cut(t.turns, source, line.start, line.end)
    turns.append(Turn(line.start, line.end, speaker))
    moved = _with_talk_time(replace(t, utterances=utts), _coalesce(turns, speaker), speakers)
    if any(u.speaker == source for u in utts) or source not in {sp.id for sp in speakers}:
        return moved
    return merge_speakers(moved, source, speaker)


def split(t: Transcript, uid: str, at: int) -> Transcript:
    """Cut line ``uid`` in two at character ``at`` of its text; the second part gets a
    new id and can then be given to whoever said it.

    While the text is still the recogniser's, the cut moves to the nearest word boundary
    and each part keeps its own words' times; in corrected text, the words no longer
    match it, so time is shared out by characters.
    """
    line = _line(t, uid)
    text = line.text
    if not line.heard:
        raise OptionsError(f"Line {uid} has no text to split; type what was said first.")
    if not 0 < at < len(text):
        raise OptionsError(
            f"Split the line inside its text: at 1 to {len(text) - 1} characters, not {at}."
        )
    first_words, second_words, first_text, second_text, end, start = _cut_line(line, at)
    if not first_text or not second_text:
        raise OptionsError("Each part of a split line needs some text; move the cut.")
    hint = line.language if line.language in ("yue", "zh", "en") else "zh"
    first = replace(
        line,
        end=end,
        text=first_text,
        words=first_words,
        language=text_language(first_text, hint),
    )
    second = replace(
        line,
        id=_new_line_id(t),
        start=start,
        text=second_text,
        words=second_words,
        language=text_language(second_text, hint),
    )
    utts: list[Utterance] = []
    for u in t.utterances:
        utts.extend((first, second) if u.id == uid else (u,))
    return replace(t, utterances=tuple(utts))


def _cut_line(
    line: Utterance, at: int
) -> tuple[tuple[Word, ...], tuple[Word, ...], str, str, float, float]:
    """(words, words, text, text, end of the first part, start of the second)."""
    words = line.words
    if len(words) >= 2 and join_words(words) == line.text:
        joined = "".join(w.text for w in words)
        lead = len(joined) - len(joined.lstrip())
        ends, pos = [], -lead
        for w in words[:-1]:
            pos += len(w.text)
            ends.append(pos)
        i = min(range(len(ends)), key=lambda j: abs(ends[j] - at))
        a, b = words[: i + 1], words[i + 1 :]
        return a, b, join_words(a), join_words(b), a[-1].end, b[0].start
    cut = line.start + (line.end - line.start) * at / len(line.text)
    a = tuple(w for w in words if (w.start + w.end) / 2 < cut)
    b = tuple(w for w in words if (w.start + w.end) / 2 >= cut)
    return a, b, line.text[:at].strip(), line.text[at:].strip(), cut, cut


def _new_line_id(t: Transcript) -> str:
    used = {u.id for u in t.utterances}
    n = max((int(m.group(1)) for u in t.utterances if (m := _LINE_ID.fullmatch(u.id))), default=0)
    while f"u{n + 1:04d}" in used:
        n += 1
    return f"u{n + 1:04d}"


def _line(t: Transcript, uid: str) -> Utterance:
    line = next((u for u in t.utterances if u.id == uid), None)
    if line is None:
        raise NotFoundError(f"No utterance {uid!r} in this meeting.")
    return line


def _given(u: Utterance, speaker: str) -> Utterance:
    return replace(u, speaker=speaker, words=tuple(replace(w, speaker=speaker) for w in u.words))


def _without_self_over(utts: Iterable[Utterance]) -> tuple[Utterance, ...]:
    """Lines after speakers were merged or a line moved: nobody talks over themselves.

    An interjection line without text whose speaker is now the one it talked over was
    one person heard as two, and goes; a line with text keeps its words.
    """
    return tuple(
        replace(u, over="") if u.over == u.speaker else u
        for u in utts
        if u.heard or u.over != u.speaker
    )


def _require_speakers(t: Transcript, *ids: str) -> None:
    known = {sp.id for sp in t.speakers}
    for sid in ids:
        if sid not in known:
            raise NotFoundError(f"No speaker {sid!r} in this meeting.")


def _named_or_new(speakers: list[Speaker], name: str) -> tuple[str, Speaker | None]:
    """The speaker already called ``name``, or a new one (not yet in ``speakers``)."""
    name = " ".join(name.split())
    if name:
        for sp in speakers:
            if name_key(sp.name) == name_key(name):
                return sp.id, None
    used = {int(m.group(1)) for sp in speakers if (m := _SPEAKER_ID.fullmatch(sp.id))}
    new_id = speaker_id(max(used, default=len(speakers) - 1) + 1)
    while new_id in {sp.id for sp in speakers}:  # ids from elsewhere (an older format)
        new_id = speaker_id(int(new_id.rsplit("_", 1)[1]) + 1)
    if not name:
        names = {sp.name for sp in speakers}
        n = len(speakers) + 1
        while f"Speaker {n}" in names:
            n += 1
        name = f"Speaker {n}"
    return new_id, Speaker(new_id, name, 0.0)


def _cut(turns: Iterable[Turn], speaker: str, start: float, end: float) -> list[Turn]:
    """``turns`` with ``speaker``'s time between ``start`` and ``end`` taken out."""
    out: list[Turn] = []
    for x in turns:
        if x.speaker != speaker or x.end <= start or x.start >= end:
            out.append(x)
            continue
        if start - x.start >= MIN_PIECE:
            out.append(Turn(x.start, start, speaker))
        if x.end - end >= MIN_PIECE:
            out.append(Turn(end, x.end, speaker))
    return out


def _coalesce(turns: list[Turn], speaker: str) -> tuple[Turn, ...]:
    """Join ``speaker``'s turns that overlap or touch (one person, one voice at a time)."""
    mine = sorted((x for x in turns if x.speaker == speaker), key=lambda x: x.start)
    joined: list[Turn] = []
    for x in mine:
        if joined and x.start <= joined[-1].end + MIN_PIECE:
            joined[-1] = Turn(joined[-1].start, max(joined[-1].end, x.end), speaker)
        else:
            joined.append(x)
    rest = [x for x in turns if x.speaker != speaker]
    return tuple(sorted(rest + joined, key=lambda x: (x.start, x.end, x.speaker)))


def _with_talk_time(
    t: Transcript, turns: tuple[Turn, ...], speakers: Iterable[Speaker]
) -> Transcript:
    talk: dict[str, float] = defaultdict(float)
    for x in turns:
        talk[x.speaker] += x.duration
    return replace(
        t,
        turns=turns,
        speakers=tuple(replace(sp, talk_time=talk[sp.id]) for sp in speakers),
    )

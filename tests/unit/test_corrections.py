"""Merging speakers and moving lines between them keep lines, words, turns and talk time
consistent."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from minutes.api import build_options
from minutes.audio import Audio
from minutes.corrections import (
    edit_text,
    find_speaker,
    merge_speakers,
    reassign,
    remove_line,
    rename,
    split,
)
from minutes.errors import InputError, NotFoundError, OptionsError
from minutes.pipeline import Pipeline
from minutes.types import Speaker, Transcript, Turn, Utterance, Word


def _line(uid: str, start: float, end: float, speaker: str, text: str) -> Utterance:
    words = (Word(text, start, end, 0.9, speaker),)
    return Utterance(uid, start, end, speaker, text, "en", words)


def _meeting() -> Transcript:
    # Alan talks 0–10 s and "his" turn runs on to 14 s, where Betty in fact said "Yes";
    # a stray third speaker holds one line at 20 s.
    lines = (
        _line("u1", 0.0, 9.5, "SPEAKER_00", "Shall we start with the budget"),
        _line("u2", 10.5, 13.8, "SPEAKER_00", "Yes"),
        _line("u3", 15.0, 19.0, "SPEAKER_01", "The budget is ready"),
        _line("u4", 20.0, 21.0, "SPEAKER_02", "Right"),
    )
    turns = (
        Turn(0.0, 14.0, "SPEAKER_00"),
        Turn(15.0, 19.5, "SPEAKER_01"),
        Turn(19.8, 21.2, "SPEAKER_02"),
    )
    speakers = (
        Speaker("SPEAKER_00", "Alan", 14.0),
        Speaker("SPEAKER_01", "Speaker 2", 4.5),
        Speaker("SPEAKER_02", "Speaker 3", 1.4),
    )
    return Transcript(lines, turns, speakers, 22.0, "en")


def _talk(t: Transcript) -> dict[str, float]:
    return {sp.id: round(sp.talk_time, 3) for sp in t.speakers}


def test_a_line_moves_with_its_words_and_its_stretch_of_time() -> None:
    t = reassign(_meeting(), "u2", speaker="SPEAKER_01")
    u2 = next(u for u in t.utterances if u.id == "u2")
    assert u2.speaker == "SPEAKER_01"
    assert {w.speaker for w in u2.words} == {"SPEAKER_01"}
    alan = [(x.start, x.end) for x in t.turns if x.speaker == "SPEAKER_00"]
    betty = [(x.start, x.end) for x in t.turns if x.speaker == "SPEAKER_01"]
    assert alan == [(0.0, 10.5), (13.8, 14.0)]  # only the line's stretch left Alan
    assert betty == [(10.5, 13.8), (15.0, 19.5)]
    assert _talk(t) == {"SPEAKER_00": 10.7, "SPEAKER_01": 7.8, "SPEAKER_02": 1.4}
    assert [u.id for u in t.utterances] == ["u1", "u2", "u3", "u4"]  # order kept


def test_two_people_heard_as_one_are_told_apart_with_a_new_speaker() -> None:
    t = reassign(_meeting(), "u2", new_speaker="")
    assert [sp.id for sp in t.speakers][-1] == "SPEAKER_03"
    assert t.speakers[-1].name == "Speaker 4"
    assert next(u for u in t.utterances if u.id == "u2").speaker == "SPEAKER_03"
    # A name already in the meeting means that person, whatever the spacing or case.
    named = reassign(_meeting(), "u2", new_speaker="  alan ")
    assert len(named.speakers) == 3
    again = reassign(_meeting(), "u3", new_speaker="Betty Wong")
    assert again.speakers[-1].name == "Betty Wong"


def test_a_speaker_left_without_lines_is_merged_away() -> None:
    t = reassign(_meeting(), "u4", speaker="SPEAKER_01")
    assert [sp.id for sp in t.speakers] == ["SPEAKER_00", "SPEAKER_01"]
    assert "SPEAKER_02" not in {x.speaker for x in t.turns}
    # The stray's turn ran past its line (19.8–21.2): all of it went to the new owner.
    betty = [(x.start, x.end) for x in t.turns if x.speaker == "SPEAKER_01"]
    assert betty == [(15.0, 19.5), (19.8, 21.2)]
    assert _talk(t) == {"SPEAKER_00": 14.0, "SPEAKER_01": 5.9}


def test_merging_joins_turns_that_overlap() -> None:
    base = _meeting()
    over = Transcript(
        base.utterances,
        (*base.turns, Turn(18.0, 20.5, "SPEAKER_02")),
        base.speakers,
        base.duration,
        "en",
    )
    t = merge_speakers(over, "SPEAKER_02", "SPEAKER_01")
    assert [(x.start, x.end) for x in t.turns if x.speaker == "SPEAKER_01"] == [(15.0, 21.2)]
    assert _talk(t)["SPEAKER_01"] == 6.2  # overlapped time counted once


def _spoken(texts: list[tuple[str, float, float]], speaker: str = "SPEAKER_00") -> Utterance:
    words = tuple(Word(x, a, b, 0.9, speaker) for x, a, b in texts)
    text = "".join(w.text for w in words).strip()
    return Utterance("u2", words[0].start, words[-1].end, speaker, text, "en", words)


def test_a_reply_inside_a_line_is_split_off_at_a_word_boundary() -> None:
    line = _spoken(
        [
            (" That", 9.0, 9.3),
            (" is", 9.3, 9.4),
            (" too", 9.4, 9.6),
            (" much.", 9.6, 10.0),
            (" Agreed.", 10.6, 11.1),
            (" Send", 11.5, 11.7),
            (" it.", 11.7, 11.9),
        ]
    )
    base = _meeting()
    t = replace_lines(base, line)
    # The cut lands on the word boundary nearest the character asked for ("muc|h.": after).
    out = split(t, "u2", line.text.index("h."))
    a, b = (u for u in out.utterances if u.id in ("u2", "u0005"))
    assert (a.text, b.text) == ("That is too much.", "Agreed. Send it.")
    assert (a.start, a.end, b.start, b.end) == (9.0, 10.0, 10.6, 11.9)
    assert [w.text for w in b.words] == [" Agreed.", " Send", " it."]
    assert [u.id for u in out.utterances] == ["u1", "u2", "u0005", "u3", "u4"]
    assert b.language == "en"
    # The new line can then go to whoever said it.
    moved = reassign(out, "u0005", speaker="SPEAKER_01")
    assert next(u for u in moved.utterances if u.id == "u0005").speaker == "SPEAKER_01"

    # Corrected text no longer matches its words: time is shared out by characters.
    edited = replace_lines(base, Utterance("u2", 10.0, 14.0, "SPEAKER_00", "好呀，我哋開會", "yue"))
    a, b = split(edited, "u2", 3).utterances[1:3]
    assert (a.text, b.text) == ("好呀，", "我哋開會")
    assert a.end == b.start == pytest.approx(10.0 + 4.0 * 3 / 7)
    assert b.language == "yue"


def replace_lines(t: Transcript, line: Utterance) -> Transcript:
    return Transcript(
        tuple(line if u.id == line.id else u for u in t.utterances),
        t.turns,
        t.speakers,
        t.duration,
        t.language,
    )


def test_bad_corrections_are_refused_clearly() -> None:
    t = _meeting()
    with pytest.raises(NotFoundError, match="No utterance 'u9'"):
        reassign(t, "u9", speaker="SPEAKER_01")
    with pytest.raises(NotFoundError, match="No speaker 'SPEAKER_07'"):
        reassign(t, "u1", speaker="SPEAKER_07")
    with pytest.raises(OptionsError, match="either"):
        reassign(t, "u1", speaker="SPEAKER_01", new_speaker="Betty")
    with pytest.raises(OptionsError, match="either"):
        reassign(t, "u1")
    with pytest.raises(OptionsError, match="two different"):
        merge_speakers(t, "SPEAKER_01", "SPEAKER_01")
    assert reassign(t, "u1", speaker="SPEAKER_00") is t  # already theirs: nothing to do
    with pytest.raises(OptionsError, match="at 1 to 2 characters, not 3"):
        split(t, "u2", 3)  # "Yes"
    with pytest.raises(OptionsError, match="at 1 to 2 characters, not 0"):
        split(t, "u2", 0)
    with pytest.raises(NotFoundError, match="No utterance"):
        split(t, "nope", 1)
    spaced = replace_lines(t, Utterance("u2", 10.5, 13.8, "SPEAKER_00", "Yes   ", "en"))
    with pytest.raises(OptionsError, match="needs some text"):
        split(spaced, "u2", 4)


def test_speakers_are_found_by_id_or_by_name_in_any_spacing_or_case() -> None:
    t = _meeting()
    assert find_speaker(t, "SPEAKER_01") == "SPEAKER_01"
    assert find_speaker(t, "speaker  2") == "SPEAKER_01"
    assert find_speaker(t, " ALAN ") == "SPEAKER_00"
    with pytest.raises(NotFoundError, match=r"Alan \(SPEAKER_00\)"):  # says who there is
        find_speaker(t, "Betty")
    twins = rename(t, "SPEAKER_02", "alan")
    with pytest.raises(OptionsError, match="2 speakers are called"):
        find_speaker(twins, "Alan")


def test_a_rename_and_a_text_fix_touch_only_their_speaker_and_line() -> None:
    t = rename(_meeting(), "SPEAKER_01", "  Betty Wong ")
    assert [sp.name for sp in t.speakers] == ["Alan", "Betty Wong", "Speaker 3"]
    assert t.turns == _meeting().turns
    unsure = replace(t, utterances=tuple(replace(u, confidence=0.2) for u in t.utterances))
    fixed = edit_text(unsure, "u2", " Yes, agreed ")
    u2 = next(u for u in fixed.utterances if u.id == "u2")
    assert (u2.text, u2.confidence, u2.words) == ("Yes, agreed", 1.0, unsure.utterances[1].words)
    assert [u.confidence for u in fixed.utterances if u.id != "u2"] == [0.2, 0.2, 0.2]
    # Control characters would make the Word exports impossible to write.
    typed = edit_text(t, "u2", "Yes,\x07 agreed\x00\x1b")
    assert next(u.text for u in typed.utterances if u.id == "u2") == "Yes, agreed"
    assert rename(t, "SPEAKER_00", "Alan\x0b Chan").speakers[0].name == "Alan Chan"
    for bad, match in (
        ("", "cannot be empty"),
        ("\x07", "cannot be empty"),
        ("x" * 20_001, "too long"),
    ):
        with pytest.raises(OptionsError, match=match):
            edit_text(t, "u2", bad)
    with pytest.raises(OptionsError, match="too long"):
        rename(t, "SPEAKER_00", "x" * 101)
    with pytest.raises(NotFoundError):
        rename(t, "SPEAKER_09", "Ghost")
    with pytest.raises(NotFoundError):
        edit_text(t, "u9", "Ghost")


def _with_interjection() -> Transcript:
    t = _meeting()
    # Speaker 2 cut in over Alan at 5 s; the recogniser heard only Alan.
    over = Utterance("u5", 5.0, 6.0, "SPEAKER_01", "", "en", over="SPEAKER_00")
    return replace(
        t,
        utterances=(t.utterances[0], over, *t.utterances[1:]),
        turns=(*t.turns, Turn(5.0, 6.0, "SPEAKER_01")),
    )


def test_merging_the_interjector_into_the_speaker_drops_the_empty_line() -> None:
    merged = merge_speakers(_with_interjection(), "SPEAKER_01", "SPEAKER_00")
    assert "u5" not in {u.id for u in merged.utterances}
    assert all(u.over != u.speaker for u in merged.utterances)


def test_an_interjection_is_not_given_to_the_person_it_talked_over() -> None:
    with pytest.raises(OptionsError, match="remove the line instead"):
        reassign(_with_interjection(), "u5", speaker="SPEAKER_00")
    typed = edit_text(_with_interjection(), "u5", "Yes, Alan.")
    moved = reassign(typed, "u5", speaker="SPEAKER_00")  # typed words: theirs after all
    (line,) = [u for u in moved.utterances if u.id == "u5"]
    assert (line.speaker, line.over) == ("SPEAKER_00", "")


def test_merging_the_talked_over_speaker_follows_the_interjection() -> None:
    merged = merge_speakers(_with_interjection(), "SPEAKER_00", "SPEAKER_02")
    (line,) = [u for u in merged.utterances if u.id == "u5"]
    assert line.over == "SPEAKER_02"


def test_typing_the_words_of_an_interjection_keeps_who_it_talked_over() -> None:
    t = _with_interjection()
    with pytest.raises(OptionsError, match="no text to split"):
        split(t, "u5", 1)
    typed = edit_text(t, "u5", "Yeah, right.")
    (line,) = [u for u in typed.utterances if u.id == "u5"]
    assert (line.text, line.over) == ("Yeah, right.", "SPEAKER_00")


def test_removing_a_line_takes_its_stretch_of_turn_and_an_emptied_speaker() -> None:
    t = remove_line(_meeting(), "u4")  # the stray third speaker's only line
    assert [u.id for u in t.utterances] == ["u1", "u2", "u3"]
    assert {sp.id for sp in t.speakers} == {"SPEAKER_00", "SPEAKER_01"}
    assert all(x.speaker != "SPEAKER_02" for x in t.turns)

    t = remove_line(_meeting(), "u2")  # Alan keeps his turn under u1, not under u2
    alan = [x for x in t.turns if x.speaker == "SPEAKER_00"]
    assert alan == [Turn(0.0, 10.5, "SPEAKER_00"), Turn(13.8, 14.0, "SPEAKER_00")]
    assert next(sp for sp in t.speakers if sp.id == "SPEAKER_00").talk_time == pytest.approx(10.7)

    alone = remove_line(remove_line(_with_interjection(), "u1"), "u2")  # Alan says nothing
    assert "SPEAKER_00" not in {sp.id for sp in alone.speakers}
    assert next(u for u in alone.utterances if u.id == "u5").over == ""

    t = remove_line(_with_interjection(), "u5")
    assert "u5" not in {u.id for u in t.utterances}
    assert Turn(5.0, 6.0, "SPEAKER_01") not in t.turns
    with pytest.raises(NotFoundError):
        remove_line(t, "u5")


def test_an_interjection_is_not_read_again() -> None:
    """Reading a line spoken over someone would give it the other voice's words."""
    line = next(u for u in _with_interjection().utterances if u.over)
    with pytest.raises(InputError, match="type what was said instead"):
        Pipeline(build_options()).reread(Audio.from_array(np.zeros(16000 * 8)), line, "en")

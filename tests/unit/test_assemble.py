"""Words to speakers to utterances (pure functions, no models)."""

from __future__ import annotations

import numpy as np

from minutes.assemble import (
    align_turns,
    assign_speakers,
    crosstalk,
    speakers_from,
    utterances,
)
from minutes.language import ScriptConverter
from minutes.types import Segment, Turn, Utterance, Word


def seg(words: list[tuple[str, float, float]], language: str = "en") -> Segment:
    ws = tuple(Word(t, a, b, 0.9) for t, a, b in words)
    return Segment(ws[0].start, ws[-1].end, "".join(w.text for w in ws).strip(), language, ws)


def test_words_follow_the_turns_inside_one_segment() -> None:
    s = seg([(" Yes", 0.0, 0.4), (" indeed.", 0.4, 0.9), (" No", 1.0, 1.3), (" way.", 1.3, 1.6)])
    turns = [Turn(0.0, 0.95, "SPEAKER_00"), Turn(0.95, 2.0, "SPEAKER_01")]
    utts = utterances(assign_speakers([s], turns))
    assert [(u.speaker, u.text) for u in utts] == [
        ("SPEAKER_00", "Yes indeed."),
        ("SPEAKER_01", "No way."),
    ]
    assert [u.id for u in utts] == ["u0001", "u0002"]


def test_word_outside_every_turn_gets_the_nearest_speaker() -> None:
    s = seg([(" Hello", 5.0, 5.5)])
    turns = [Turn(0.0, 1.0, "SPEAKER_00"), Turn(5.6, 7.0, "SPEAKER_01")]
    assert utterances(assign_speakers([s], turns))[0].speaker == "SPEAKER_01"


def test_interjection_spoken_over_a_turn_does_not_take_its_words() -> None:
    # B says "yeah" over the end of A's sentence; Whisper wrote A's words there.
    s = seg(
        [(" grown", 11.5, 11.85), (" a", 11.9, 12.0), (" lot", 12.0, 12.3), (" this", 12.3, 12.5)]
    )
    turns = [Turn(7.2, 19.0, "SPEAKER_00"), Turn(11.87, 13.02, "SPEAKER_01")]
    utts = utterances(assign_speakers([s], turns))
    assert [(u.speaker, u.text) for u in utts] == [("SPEAKER_00", "grown a lot this")]


def test_a_word_mostly_in_the_next_turn_goes_to_its_speaker() -> None:
    # Partial overlap: the larger share still decides, whatever the turns' lengths.
    s = seg([(" Right.", 12.8, 13.3)])
    turns = [Turn(0.0, 12.9, "SPEAKER_00"), Turn(12.85, 13.4, "SPEAKER_01")]
    assert utterances(assign_speakers([s], turns))[0].speaker == "SPEAKER_01"


def test_long_pause_splits_an_utterance() -> None:
    s1 = seg([(" One.", 0.0, 0.5)])
    s2 = seg([(" Two.", 4.0, 4.5)])
    turns = [Turn(0.0, 5.0, "SPEAKER_00")]
    assert len(utterances(assign_speakers([s1, s2], turns))) == 2


def test_a_sentence_in_the_other_script_starts_a_new_line() -> None:
    """One person, one Whisper segment: an English sentence, then Mandarin. Two lines,
    each with its own tag; an English term inside a Chinese sentence stays in it."""
    words = [(" At", 0.0, 0.3), (" that", 0.3, 0.6), (" level", 0.6, 1.0), (" it", 1.0, 1.2)]
    words += [(" is", 1.2, 1.4), (" pure.", 1.4, 2.0)]
    words += [(c, 2.5 + i * 0.3, 2.8 + i * 0.3) for i, c in enumerate("首先說一下這個")]
    words += [(" project", 4.6, 5.0)] + [
        (c, 5.0 + i * 0.3, 5.3 + i * 0.3) for i, c in enumerate("的問題。")
    ]
    turns = [Turn(0.0, 7.0, "SPEAKER_00")]
    out = utterances(assign_speakers([seg(words, "zh")], turns), ScriptConverter("hk"))
    assert [u.language for u in out] == ["en", "zh"]
    assert out[0].text == "At that level it is pure."
    assert "project" in out[1].text


def test_long_speech_is_cut_at_a_sentence_end() -> None:
    sentence = "我哋今日開會傾吓預算。"
    words = [(c, i * 0.4, i * 0.4 + 0.4) for i, c in enumerate(sentence * 5)]
    turns = [Turn(0.0, 25.0, "SPEAKER_00")]
    out = utterances(assign_speakers([seg(words, "yue")], turns))
    assert len(out) == 2
    assert all(u.text.endswith("。") for u in out)
    assert 12.0 <= out[0].end - out[0].start <= 16.0


def test_chinese_is_converted_with_phrase_context_and_tagged() -> None:
    s = seg([("我哋", 0.0, 0.4), ("今日", 0.4, 0.8), ("讨论", 0.8, 1.2), ("头发", 1.2, 1.6)], "zh")
    utts = utterances(assign_speakers([s], [Turn(0, 2, "SPEAKER_00")]), ScriptConverter("hk"))
    assert utts[0].text == "我哋今日討論頭髮"
    assert [w.text for w in utts[0].words] == ["我哋", "今日", "討論", "頭髮"]
    assert utts[0].language == "yue"


def test_a_glossary_in_one_script_fixes_a_transcript_in_another() -> None:
    from minutes.glossary import parse

    # An HK user's glossary, a meeting written in Simplified: the variant still matches
    # and the term is written in Simplified, like every other Chinese word.
    s = seg([("我们", 0.0, 0.4), ("问", 0.4, 0.8), ("运输", 0.8, 1.2), ("处", 1.2, 1.6)], "zh")
    turns = [Turn(0, 2, "SPEAKER_00")]
    g = parse("運輸署 | 運輸處")
    assert utterances(assign_speakers([s], turns), ScriptConverter("cn"), g)[0].text == (
        "我们问运输署"
    )
    assert utterances(assign_speakers([s], turns), ScriptConverter("hk"), g)[0].text == (
        "我們問運輸署"
    )


def test_talk_time_and_order() -> None:
    turns = [Turn(0, 2, "SPEAKER_01"), Turn(2, 3, "SPEAKER_00"), Turn(3, 6, "SPEAKER_01")]
    speakers = speakers_from([], turns)
    assert [(s.id, s.name, s.talk_time) for s in speakers] == [
        ("SPEAKER_01", "Speaker 1", 5.0),
        ("SPEAKER_00", "Speaker 2", 1.0),
    ]


def test_word_deep_inside_a_long_monologue_turn() -> None:
    s = seg([(" Still", 300.0, 300.4)])
    turns = [Turn(0.0, 600.0, "SPEAKER_01"), Turn(250.0, 251.0, "SPEAKER_00")]
    assert utterances(assign_speakers([s], turns))[0].speaker == "SPEAKER_01"


def _said(uid: str, start: float, end: float, speaker: str, text: str) -> Utterance:
    # Words back to back, each as long as the next: speech without gaps.
    bounds = np.linspace(start, end, len(text.split()) + 1)
    words = tuple(
        Word(f" {w}", float(a), float(b), 0.9, speaker)
        for w, a, b in zip(text.split(), bounds[:-1], bounds[1:], strict=True)
    )
    return Utterance(uid, start, end, speaker, text, "en", words)


def test_an_interjection_heard_only_over_someone_gets_a_line_of_its_own() -> None:
    a = _said("u0001", 0.0, 10.0, "A", "we need more drivers for the night services this year")
    b = _said("u0002", 12.0, 14.0, "B", "I agree")
    turns = [
        Turn(0.0, 10.0, "A"),
        Turn(6.0, 7.2, "B"),  # "yeah, right" over A: no words of its own
        Turn(8.0, 8.2, "B"),  # too short to be anything but jitter
        Turn(10.5, 11.5, "C"),  # a cough in the pause: nobody was talking over
        Turn(12.0, 14.0, "B"),
    ]
    utts = crosstalk([a, b], turns)
    assert [u.id for u in utts] == ["u0001", "u0002", "u0003"]
    (added,) = [u for u in utts if not u.heard]
    assert (added.speaker, added.over, added.start, added.end) == ("B", "A", 6.0, 7.2)
    assert (added.id, added.words, added.language) == ("u0002", (), "en")
    assert utts[2].text == "I agree"  # renumbered in time order, nothing else changed


def test_a_turn_whose_words_were_heard_gets_no_extra_line() -> None:
    a = _said("u0001", 0.0, 10.0, "A", "we need more drivers for the night services this year")
    b = _said("u0002", 6.0, 7.0, "B", "yes indeed")
    assert crosstalk([a, b], [Turn(0.0, 10.0, "A"), Turn(6.0, 7.2, "B")]) == [a, b]


def test_a_change_of_speaker_moves_out_of_the_word_it_cuts() -> None:
    words = (
        Word(" the", 4.6, 4.9, 0.9, "A"),
        Word(" district.", 4.9, 5.45, 0.9, "A"),  # the diarizer ends A at 5.30, inside it
        Word(" Yes,", 5.6, 5.95, 0.9, "B"),
        Word(" and", 7.9, 8.3, 0.9, "A"),  # B hands back at 8.10, inside A's word
        Word(" so", 8.3, 8.6, 0.9, "A"),
    )
    turns = [
        Turn(0.0, 5.30, "A"),
        Turn(5.32, 8.10, "B"),
        Turn(8.12, 9.0, "A"),
        Turn(6.0, 6.5, "C"),  # spoken over B, away from any change: untouched
    ]
    aligned = align_turns(turns, [Segment(4.6, 8.6, "", "en", words)])
    assert aligned == [
        Turn(0.0, 5.45, "A"),
        Turn(5.45, 7.9, "B"),
        Turn(6.0, 6.5, "C"),
        Turn(7.9, 9.0, "A"),
    ]
    for w in words:  # every word now lies inside a turn of its own speaker
        assert any(t.speaker == w.speaker and t.start <= w.start < w.end <= t.end for t in aligned)

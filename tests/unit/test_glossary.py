"""Glossary parsing, variant fixing across word boundaries, and bad glossary files."""

from __future__ import annotations

from pathlib import Path

import pytest

from minutes import glossary
from minutes.errors import OptionsError
from minutes.types import Word


def words(*texts: str) -> tuple[Word, ...]:
    return tuple(Word(t, float(i), i + 0.9, 0.8 + i / 100) for i, t in enumerate(texts))


G = glossary.parse(
    """
    # departments
    運輸署 | 运输署 | 運輸處
    Transport Department | transport dept
    LegCo | Legco | Ledge Co
    """
)


def test_parse() -> None:
    assert [e.term for e in G.entries] == ["運輸署", "Transport Department", "LegCo"]
    assert G.entries[2].variants == ("Legco", "Ledge Co")


def test_fix_inside_and_across_words() -> None:
    out = G.fix(words("我哋", "問", "運輸", "處", "攞", "數"))
    assert "".join(w.text for w in out) == "我哋問運輸署攞數"
    merged = next(w for w in out if "運輸署" in w.text)
    assert (merged.start, merged.end) == (2.0, 3.9)


def test_fix_latin_whole_words_case_insensitive() -> None:
    out = G.fix(words(" The", " ledge", " co", " meets", " the", " TRANSPORT", " DEPT."))
    assert "".join(w.text for w in out) == " The LegCo meets the Transport Department."
    assert G.fix(words(" Ledge", " Cooper")) == words(" Ledge", " Cooper")


def test_prompt_is_a_sentence() -> None:
    # Whisper continues its prompt's style: terms end with a stop, so punctuation stays.
    assert G.prompt() == "運輸署、Transport Department、LegCo。"
    assert glossary.parse("LegCo\nTransport Department").prompt() == "LegCo, Transport Department."
    assert glossary.parse("e.g.").prompt() == "e.g."
    assert glossary.Glossary().prompt() == ""


def test_prompt_is_bounded() -> None:
    big = glossary.from_terms(f"term{i}" for i in range(500))
    assert len(big.prompt()) <= glossary.PROMPT_CHARS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"a | | b\n", "line 1"),
        (("x" * 200 + "\n").encode(), "longer than"),
        (b"ok\nbad\x01line\n", "line 2"),
    ],
)
def test_malformed_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "g.txt"
    p.write_bytes(content)
    with pytest.raises(OptionsError, match=message):
        glossary.load(p)


def test_enormous_file(tmp_path: Path) -> None:
    p = tmp_path / "g.txt"
    p.write_text("詞 | 词\n" * 100_000, encoding="utf-8")
    with pytest.raises(OptionsError, match="KiB"):
        glossary.load(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="not found"):
        glossary.load(tmp_path / "none.txt")


def test_a_meeting_glossary_is_laid_over_the_global_one() -> None:
    standing = glossary.parse("Budget Office | budget\n運輸署 | 運輸處\nLegCo | Legco\n")
    meeting = glossary.parse("Budget | budget\nLEGCO\n")
    g = meeting.over(standing)
    # The meeting's entries lead the prompt; a global entry sharing any of their
    # spellings (case aside) is left out, so the meeting's spelling wins.
    assert [e.term for e in g.entries] == ["Budget", "LEGCO", "運輸署"]
    assert g.prompt() == "Budget、LEGCO、運輸署。"
    assert "".join(w.text for w in g.fix(words(" the", " budget", " of", " 運輸", "處"))) == (
        " the Budget of 運輸署"
    )
    assert glossary.Glossary().over(standing) == standing
    assert meeting.over(glossary.Glossary()) == meeting


def test_the_global_glossary_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "data" / "glossary.txt"
    assert not glossary.load_global(path)  # none set yet: empty, not an error
    text = "# ours\n運輸署 | 运输署 | 運輸處\nTransport Department | transport dept\n"
    assert glossary.save_global(text, path) == glossary.load_global(path)
    assert path.read_text(encoding="utf-8") == text  # as written, comments kept
    with pytest.raises(OptionsError, match="line 1"):
        glossary.save_global("a | | b\n", path)
    assert path.read_text(encoding="utf-8") == text
    path.write_bytes(b"ok\nbad\x01line\n")
    with pytest.raises(OptionsError, match="line 2"):
        glossary.load_global(path)


def test_fixing_twice_changes_nothing_more() -> None:
    g = glossary.parse("Bus Budget | budget\n運輸署 | 運輸\n")
    once = g.fix(words(" the", " budget", " of", " 運輸", "處"))
    assert "".join(w.text for w in once) == " the Bus Budget of 運輸署處"
    assert g.fix(once) == once
    assert g.fix_text("the Bus Budget and the budget") == "the Bus Budget and the Bus Budget"


def test_a_glossary_follows_the_transcripts_script() -> None:
    from minutes.language import ScriptConverter

    hk = glossary.parse("運輸署 | 運輸處\nLegCo | Legco\n")
    cn = hk.in_script(ScriptConverter("cn").convert)
    assert cn.entries[0].term == "运输署"
    out = cn.fix(ScriptConverter("cn").convert_words(words("我哋", "問", "運輸", "處")))
    assert "".join(w.text for w in out) == "我哋问运输署"
    assert cn.entries[1] == hk.entries[1]  # Latin is never converted
    back = glossary.parse("运输署 | 运输处").in_script(ScriptConverter("hk").convert)
    assert back.entries[0].term == "運輸署"
    assert hk.in_script(ScriptConverter("auto").convert) == hk


def test_a_long_chinese_name_with_one_character_misheard_is_restored() -> None:
    g = glossary.parse("氹仔北安碼頭\n食物環境衞生署\n北角\n")
    out = g.fix(words("而較早前已經復航的", "淜仔", "北安碼頭", "，", "星期五"))
    assert "".join(w.text for w in out) == "而較早前已經復航的氹仔北安碼頭，星期五"
    merged = next(w for w in out if "氹仔北安碼頭" in w.text)
    assert (merged.start, merged.end) == (1.0, 2.9)  # the two words it spans, as one
    assert g.fix_text("食物環境衛生署同食環署") == "食物環境衞生署同食環署"
    # Not touched: two characters wrong, short names, punctuation, or text already right.
    for text in ("淜仔北平碼頭", "北海", "氹仔北安碼，", "氹仔北安碼頭", "Taipa 北安碼頭"):
        assert g.fix_text(text) == text
    # A stretch that is another glossary spelling stays as written.
    both = glossary.parse("氹仔北安碼頭\n氹仔北角碼頭\n")
    assert both.fix_text("氹仔北角碼頭同氹仔北安碼頭") == "氹仔北角碼頭同氹仔北安碼頭"

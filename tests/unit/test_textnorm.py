"""Mixed-text layout and loop removal keep words and text consistent."""

from __future__ import annotations

from minutes.textnorm import layout, remove_loops
from minutes.types import Word


def words(*texts: str) -> tuple[Word, ...]:
    return tuple(Word(t, i * 0.5, i * 0.5 + 0.4, 0.9) for i, t in enumerate(texts))


def joined(ws: tuple[Word, ...]) -> str:
    return "".join(w.text for w in ws)


def test_space_between_chinese_and_english() -> None:
    out = layout(words("我哋要", " review", "一下", "個", " budget", "先,", "好嗎?"))
    assert joined(out) == "我哋要 review 一下個 budget 先，好嗎？"


def test_english_keeps_half_width_and_decimals() -> None:
    out = layout(words(" It", " costs", " 3.5", " million,", " at", " 10:30."))
    assert joined(out) == " It costs 3.5 million, at 10:30."


def test_chinese_numbers_and_times() -> None:
    out = layout(words("會議", "喺", "10:30", "開始."))
    assert joined(out) == "會議喺10:30開始。"


def test_no_space_inside_chinese() -> None:
    assert joined(layout(words("我們", " 今天", " 開會"))) == "我們今天開會"


def test_loops_are_cut() -> None:
    ws = words(*(["謝謝"] * 12))
    assert joined(remove_loops(ws)) == "謝謝謝謝"
    phrase = words(*([" Thank", " you."] * 6))
    assert joined(remove_loops(phrase)) == " Thank you. Thank you."


def test_ordinary_repetition_stays() -> None:
    ws = words(" no,", " no,", " that", " is", " fine")
    assert remove_loops(ws) == ws
    assert remove_loops(words("好", "好", "好")) == words("好", "好", "好")


def test_no_space_after_full_width_punctuation() -> None:
    out = layout(words("如果", "建成,", " 單東", "就會", "。", " OK"))
    assert joined(out) == "如果建成，單東就會。OK"


def test_full_width_letters_digits_and_small_forms_are_narrowed() -> None:
    out = layout(words("好", "４", "點", "開會", "﹐", " Ｑ３", " report"))
    assert joined(out) == "好4點開會，Q3 report"
    assert joined(layout(words("喔", "﹑", "好"))) == "喔、好"


def test_a_doubled_mark_is_written_once() -> None:
    out = layout(words("喔", "﹑", "﹑", "喔", "，，", "好"))
    assert joined(out) == "喔、喔，好"
    assert len(out) == 5  # the word that only repeated "、" is gone


def test_ellipsis_and_dash_stay_doubled() -> None:
    assert joined(layout(words("我諗", "…", "…", "都得", "——", "好"))) == "我諗……都得——好"


def test_numbers_next_to_chinese_take_no_space_unless_they_belong_to_english() -> None:
    assert joined(layout(words("會議", "喺", " 12", "月", "5", "號", "下午", " 3", "時"))) == (
        "會議喺12月5號下午3時"
    )
    assert joined(layout(words("行", "咗", " 356", "公里"))) == "行咗356公里"
    assert joined(layout(words("Phase", " 2", "工程"))) == "Phase 2 工程"
    assert joined(layout(words("用", "3D", "打印"))) == "用 3D 打印"
    assert joined(layout(words("撥款", "12", " million"))) == "撥款 12 million"

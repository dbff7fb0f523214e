"""Cantonese-or-Mandarin decisions, with scripted readings standing in for Whisper's
(the real decoder is exercised in tests/integration and measured in bench/)."""

from __future__ import annotations

import pytest

from minutes.stages import register
from minutes.stages.register import PROMPTS, Reading, choose, strong_markers, without_echo
from minutes.types import Segment


def reading(text: str, logprob: float = -0.3, compression: float = 1.0) -> Reading:
    segments = (Segment(0.0, 2.0, text, "zh"),) if text else ()
    return Reading(segments, logprob, compression)


class Scripted:
    """Answers each register's prompt with a fixed reading and records the calls."""

    def __init__(self, yue: Reading, zh: Reading, ladder: Reading | None = None) -> None:
        self.by_prompt = {PROMPTS["yue"]: yue, PROMPTS["zh"]: zh}
        self.ladder = ladder
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, samples: object, offset: float, prompt: str, ladder: bool) -> Reading:
        register_line = prompt.rsplit(" ", maxsplit=1)[-1]
        self.calls.append((register_line, ladder))
        if ladder and self.ladder is not None:
            return self.ladder
        return self.by_prompt[register_line]


def test_written_cantonese_settles_it_with_one_reading() -> None:
    read = Scripted(reading("我哋而家講緊嘅嘢"), reading("我們現在說的東西"))
    verdict = choose(None, 0.0, read)
    assert verdict.language == "yue"
    assert verdict.reading.text == "我哋而家講緊嘅嘢"
    assert read.calls == [(PROMPTS["yue"], False)]


def test_standard_text_is_decided_by_which_register_fits_better() -> None:
    same = "忽然從光線死角陰影到選出一隻大貓"
    cantonese = choose(None, 0.0, Scripted(reading(same, -0.30), reading(same, -0.34)))
    mandarin = choose(None, 0.0, Scripted(reading(same, -0.34), reading(same, -0.30)))
    assert cantonese.language == "yue"
    assert cantonese.lead == pytest.approx(0.04)
    assert mandarin.language == "zh"


def test_one_marker_counts_only_when_the_cantonese_reading_kept_the_content() -> None:
    full = "首先說一下剛才這個經歷說完了現在說一下咱們的上卡問題首先咱們商場上半年業績"
    dropped = choose(None, 0.0, Scripted(reading("首先佢商場上半年業"), reading(full)))
    assert dropped.language == "zh"
    assert dropped.reading.text == full
    kept = choose(
        None,
        0.0,
        Scripted(reading("香港嘅消費市場從此不一樣"), reading("香港的消費市場從此不一樣")),
    )
    assert kept.language == "yue"


def test_mandarin_words_kept_under_the_cantonese_prompt_make_it_mandarin() -> None:
    # Real readings of the Mandarin meeting clip and the NST clip (session 12): a
    # Cantonese character or a log-probability lead, but Mandarin's own 這/是 remain.
    yue = "好首先說一下剛才這個經理說完咁這個消費問題再說一下咱哋上卡問題就是業績"
    zh = "好首先說一下剛才這個經理說完了這個消費問題再說一下咱們的上卡問題就是業績"
    assert choose(None, 0.0, Scripted(reading(yue, -0.30), reading(zh, -0.40))).language == "zh"
    leads = Scripted(reading("作為一個男人最起碼的這個擔當", -0.30), reading("作為一個男人", -0.34))
    assert choose(None, 0.0, leads).language == "zh"
    # Written Cantonese that outnumbers them still decides, in one reading.
    read = Scripted(reading("佢哋係咪話咗呢個是真嘅"), reading("他們是不是說了這個是真的"))
    assert choose(None, 0.0, read).language == "yue"
    assert read.calls == [(PROMPTS["yue"], False)]


def test_mandarin_word_order_in_the_cantonese_reading_makes_it_mandarin() -> None:
    # The SenseVoice speaker's real readings (bench/register_log.py): no Mandarin
    # character and a lead of +0.01 to +0.19 for the Cantonese prompt, in every
    # condition; but "我在" ("I am at") is Mandarin, where Cantonese writes 我喺.
    said = "我想問，我在濱海新區有房。"
    read = Scripted(reading(said, -0.25), reading(said, -0.30))
    assert choose(None, 0.0, read, tonal=0.09).language == "zh"
    # 在 inside a word Cantonese uses too is not counted.
    stay = "可以留在澳門長啲時間現在早前已經復航"
    assert choose(None, 0.0, Scripted(reading(stay, -0.25), reading(stay, -0.30))).language == "yue"


def test_a_prompt_echo_is_not_cantonese() -> None:
    assert strong_markers("首先咱哋商場") == set()
    assert strong_markers("我哋嘅") == {"哋", "嘅"}
    echo = Segment(3.0, 3.4, "我哋。", "zh")
    real = Segment(0.0, 3.0, "甚至出現交易幾乎停滯的情況。", "zh")
    assert without_echo([real, echo], PROMPTS["yue"]) == (real,)
    looping = Segment(3.0, 6.0, "我哋開始啦。我哋開始啦。我哋開", "zh")
    assert without_echo([real, looping], PROMPTS["yue"]) == (real,)
    # Sharing words with the prompt is not echoing it.
    shares = Segment(6.0, 8.0, "好，我哋開會先。", "zh")
    assert without_echo([shares], PROMPTS["yue"]) == (shares,)


def test_the_register_that_loops_loses_and_a_broken_choice_is_read_again() -> None:
    loop = reading("小" * 60, -0.1, compression=9.0)
    clean = reading("而較早前已經復航的碼頭星期五開始增設夜間航班", -0.4)
    assert choose(None, 0.0, Scripted(clean, loop)).language == "yue"
    assert choose(None, 0.0, Scripted(loop, clean)).language == "zh"

    # Written Cantonese and a tonal lean together outweigh a loop in the Cantonese
    # reading (noisy news, bench/register_log.py): Cantonese, read again with the ladder.
    news = "而教咗前已經復航嘅碼頭暫時都冇凌晨班次有既既既既既既既既既既既既既既既既既既"
    read = Scripted(reading(news, -0.2, compression=2.7), clean, ladder=clean)
    verdict = choose(None, 0.0, read, tonal=0.24)
    assert verdict.language == "yue"
    assert read.calls == [(PROMPTS["yue"], False), (PROMPTS["yue"], True)]
    # Either sign alone does not.
    assert choose(None, 0.0, Scripted(reading(news, -0.2, 2.7), clean)).language == "zh"

    both = Scripted(loop, loop, ladder=clean)
    verdict = choose(None, 0.0, both)
    assert verdict.reading is clean
    assert both.calls[-1][1] is True  # the chosen register read with the ladder


def test_laughter_heard_by_one_register_as_a_loop_gives_nothing() -> None:
    loop = reading("好﹑喔﹑喔﹑喔﹑喔﹑喔﹑喔﹑喔﹑喔", -0.1, compression=4.0)
    read = Scripted(reading(""), loop)
    verdict = choose(None, 0.0, read)
    assert verdict.reading.segments == ()
    assert all(not ladder for _, ladder in read.calls)  # no third decode of noise

    clean = reading("換一首歌", -0.3)
    assert choose(None, 0.0, Scripted(reading(""), clean)).reading is clean


def test_forced_register_reads_once_with_the_ladder_and_keeps_user_terms() -> None:
    seen: list[str] = []

    def read(samples: object, offset: float, prompt: str, ladder: bool) -> Reading:
        seen.append(prompt)
        assert ladder
        return reading("你好")

    verdict = choose(None, 0.0, read, user_prompt="運輸署、LegCo", forced="zh")
    assert verdict.language == "zh"
    assert seen == [f"運輸署、LegCo {PROMPTS['zh']}"]


def test_broken_means_what_faster_whisper_falls_back_on() -> None:
    assert reading("abc", -1.2).broken
    assert reading("abc", -0.2, compression=2.5).broken
    assert not reading("abc", -0.2, compression=2.0).broken
    assert not reading("").broken
    assert register.MAX_COMPRESSION == 2.4


def test_a_tonal_language_verdict_makes_read_aloud_cantonese_cantonese() -> None:
    """News read in Cantonese comes out as standard Chinese in both registers; Whisper's
    leaning to Vietnamese and Thai decides it, without a Mandarin reading."""
    news = "而較早前已經復航的碼頭星期五開始增設夜間班次"
    read = Scripted(reading(news, -0.30), reading(news, -0.30))
    verdict = choose(None, 0.0, read, tonal=register.TONAL_SHARE + 0.01)
    assert verdict.language == "yue"
    assert read.calls == [(PROMPTS["yue"], False)]
    # Below the share, the log-probability lead decides as before (no lead: Mandarin).
    assert choose(None, 0.0, Scripted(reading(news), reading(news)), tonal=0.1).language == "zh"
    # Mandarin's own words in the Cantonese reading outweigh it.
    mandarin = "我們是這樣說的他們明天來"
    verdict = choose(None, 0.0, Scripted(reading(mandarin), reading(mandarin)), tonal=0.5)
    assert verdict.language == "zh"


def test_tonal_share_is_the_share_of_what_chinese_leaves() -> None:
    probs = {"zh": 0.99, "vi": 0.002, "th": 0.001, "en": 0.004, "ja": 0.003}
    assert register.tonal_share(probs) == pytest.approx(0.3)
    assert register.tonal_share({"zh": 1.0}) == 0.0
    assert register.tonal_share({"zh": 0.5, "yue": 0.5, "vi": 0.0}) == 0.0


def test_the_speakers_register_is_a_hint_the_chunk_can_overrule() -> None:
    """A speaker judged Cantonese on their longest turn is read in Cantonese, once; but
    a chunk whose Cantonese reading keeps Mandarin's words, or whose Mandarin reading
    is plainly written Cantonese, is decided on its own."""
    cantonese = reading("佢哋話咗好多嘢")
    read = Scripted(cantonese, reading("他們說了很多"))
    verdict = choose(None, 0.0, read, hint="yue")
    assert (verdict.language, read.calls) == ("yue", [(PROMPTS["yue"], True)])

    mandarin = "我們是這樣說的他們明天來"
    read = Scripted(reading(mandarin, -0.3), reading(mandarin, -0.2))
    assert choose(None, 0.0, read, hint="yue").language == "zh"
    assert len(read.calls) > 1

    news = "而較早前已經復航的碼頭星期五開始增設夜間班次"
    read = Scripted(reading(news), reading(news))
    # A tonal lean alone does not overrule the speaker's register (short stretches and
    # synthetic speech lean far), written Cantonese does.
    verdict = choose(None, 0.0, read, hint="zh", tonal=register.TONAL_SHARE + 0.1)
    assert (verdict.language, read.calls) == ("zh", [(PROMPTS["zh"], True)])
    spoken = "佢哋而家講緊嘅嘢"
    read = Scripted(reading(spoken), reading(spoken))
    assert choose(None, 0.0, read, hint="zh").language == "yue"
    # A speaker heard in English elsewhere gives no hint for their Chinese.
    assert choose(None, 0.0, Scripted(reading(news), reading(news)), hint="en").language == "zh"

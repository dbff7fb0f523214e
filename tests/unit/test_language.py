"""Language tags from text and Chinese script conversion."""

from __future__ import annotations

import pytest

from minutes.errors import OptionsError
from minutes.language import ScriptConverter, normalise_for_scoring, text_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我哋今日要傾下個季度嘅預算", "yue"),
        ("佢琴日冇嚟開會", "yue"),
        ("我们今天讨论下个月的预算", "zh"),
        ("Let us review the budget.", "en"),
        ("我哋要 review 一下個 budget proposal 先至 submit", "yue"),
        ("我哋今日開會 let's start with the budget first", "mixed"),
        ("Please ask 運輸署 for the figures by Friday", "en"),
        ("呢個 project 嘅 deadline 係幾時", "yue"),
        ("", "zh"),
    ],
)
def test_text_language(text: str, expected: str) -> None:
    assert text_language(text, "zh") == expected


def test_scripts() -> None:
    assert (
        ScriptConverter("hk").convert("运输署 Transport Department")
        == "運輸署 Transport Department"
    )
    assert ScriptConverter("cn").convert("運輸署") == "运输署"
    assert ScriptConverter("auto").convert("运输署") == "运输署"
    with pytest.raises(OptionsError, match="script"):
        ScriptConverter("xx")


def test_normalise_for_scoring() -> None:
    assert normalise_for_scoring("我哋，係「香港」人！") == "我哋系香港人"
    assert normalise_for_scoring("用 Zoom 開會") == "用zoom开会"
    assert normalise_for_scoring("Hello,   World!") == "hello world"

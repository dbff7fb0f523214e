"""The worker's preview store: bounded, in spoken order, forgotten when a job ends."""

from __future__ import annotations

from minutes.server.previews import Previews
from minutes.types import PreviewLine


def test_previews_keep_the_newest_lines_in_spoken_order() -> None:
    previews = Previews(keep=3)
    previews.add(1, [PreviewLine(10.0, 12.0, "later"), PreviewLine(0.0, 2.0, "first")])
    previews.add(2, [PreviewLine(0.0, 1.0, "another job")])
    previews.add(1, [PreviewLine(5.0, 6.0, "middle"), PreviewLine(6.0, 7.0, "  ")])
    assert [line.text for line in previews.lines(1)] == ["first", "middle", "later"]
    previews.add(1, [PreviewLine(20.0, 21.0, "newest")])  # the oldest received goes
    assert [line.text for line in previews.lines(1)] == ["first", "middle", "newest"]
    previews.drop(1)
    assert previews.lines(1) == []
    assert [line.text for line in previews.lines(2)] == ["another job"]
    assert previews.lines(99) == []

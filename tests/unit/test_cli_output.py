"""What the CLI prints quotes the meeting: brackets in it are text, never Rich markup."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from minutes import cli
from minutes.minutes import MinutesOptions

from minutes_fixtures import transcript


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buffer, width=200))
    return buffer


def test_transcript_with_brackets_prints_as_said(printed: io.StringIO) -> None:
    t = transcript(
        [("A", "[Music] then [/] and [bold]not bold[/bold]"), ("B", "I will fix it.")],
        names={"B": "[red]Mary[/]"},
    )
    cli._summary(t)
    text = printed.getvalue()
    assert "[Music] then [/] and [bold]not bold[/bold]" in text
    assert "[red]Mary[/]" in text


def test_minutes_items_with_brackets_print_as_said(printed: io.StringIO, tmp_path) -> None:
    t = transcript(
        [("A", "[Budget] review."), ("B", "I will send the [/] report by Friday.")],
        names={"B": "[red]Mary[/]"},
    )
    written = cli._write_minutes(t, MinutesOptions(), tmp_path, "m")
    text = printed.getvalue()
    assert "I will send the [/] report by Friday. — [red]Mary[/] (due by Friday)" in text
    assert all(p.is_file() for p in written)


def test_an_uncertain_count_says_how_to_settle_it(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buffer, width=200))
    t = transcript([("A", "Hello."), ("B", "Hi.")])
    warning = "the speaker count is uncertain: 2 found, 2–3 at slightly stricter settings"
    uncertain = dataclasses.replace(
        t, metadata={"warnings": [warning], "speaker_count_range": [2, 3]}
    )
    cli._notes(uncertain)
    assert f"Note: {warning}" in buffer.getvalue()
    assert "run again with --num-speakers N (likely 2–3)" in buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    cli._notes(dataclasses.replace(t, metadata={"speaker_count_range": [2, 2]}))
    assert buffer.getvalue() == ""

"""``minutes edit``: fix who said what in a transcript JSON, and keep its exports in step.

Each command reads the JSON ``minutes transcribe`` wrote, applies one correction from
``minutes.corrections`` and writes the JSON again together with every export of the
same name beside it (``.md``, ``.srt``, …), so they all say the same thing. Minutes made
before the edit are left alone (they may hold a person's own wording) and reported as
out of date.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minutes import corrections
from minutes.errors import NotFoundError, OptionsError
from minutes.types import Transcript

edit_app = typer.Typer(
    help="Correct a transcript: rename or merge speakers, move, split, fix or remove lines.",
    no_args_is_help=True,
)

TranscriptArg = Annotated[
    Path, typer.Argument(help="A transcript .json written by `minutes transcribe`")
]
LineArg = Annotated[str, typer.Argument(help="The line's id, as `minutes edit lines` shows it")]
WhoArg = Annotated[str, typer.Argument(help="A speaker's id (SPEAKER_01) or name")]


@edit_app.command("lines")
def lines(
    transcript_json: TranscriptArg,
    speaker: Annotated[
        str | None, typer.Option("--speaker", "-s", help="Only this speaker's lines")
    ] = None,
    find: Annotated[
        str | None, typer.Option("--find", "-f", help="Only lines containing this text")
    ] = None,
) -> None:
    """List the lines with their ids, to choose what to correct."""
    from minutes.formats import read_transcript
    from minutes.formats.base import clock
    from minutes.formats.writers import line_text

    t = read_transcript(transcript_json)
    who = corrections.find_speaker(t, speaker) if speaker is not None else None
    needle = (find or "").casefold()
    table = Table(show_lines=False, expand=False)
    for col, style in (("id", "dim"), ("time", "dim"), ("speaker", "bold"), ("lang", "cyan")):
        table.add_column(col, style=style, no_wrap=True)
    table.add_column("text", overflow="fold")  # Chinese has no spaces to wrap at
    shown = 0
    for u in t.utterances:
        if (who is None or u.speaker == who) and needle in u.text.casefold():
            speaker_cell = f"{t.speaker_name(u.speaker)} ({u.speaker})"
            cell = escape(line_text(t, u))
            cell = cell if u.heard else f"[dim]{cell}[/]"
            table.add_row(u.id, clock(u.start), escape(speaker_cell), u.language, cell)
            shown += 1
    console = Console()
    if shown:
        console.print(table)
    console.print(f"{shown} of {len(t.utterances)} lines.", style="dim")


@edit_app.command("rename")
def rename(
    transcript_json: TranscriptArg,
    who: WhoArg,
    name: Annotated[str, typer.Argument(help="The name to show from now on")],
) -> None:
    """Give a speaker their name (every line and export follows)."""
    t = _read(transcript_json)
    sid = corrections.find_speaker(t, who)
    edited = corrections.rename(t, sid, name)
    _save(transcript_json, edited, f"{sid} is now {edited.speaker_name(sid)}.")


@edit_app.command("merge")
def merge(
    transcript_json: TranscriptArg,
    who: WhoArg,
    into: Annotated[str, typer.Argument(help="The speaker who said it in fact")],
) -> None:
    """One person heard as two: give everything WHO said to INTO."""
    t = _read(transcript_json)
    source, target = corrections.find_speaker(t, who), corrections.find_speaker(t, into)
    edited = corrections.merge_speakers(t, source, target)
    _save(
        transcript_json,
        edited,
        f"{t.speaker_name(source)} ({source}) merged into {t.speaker_name(target)} ({target}).",
    )


@edit_app.command("move")
def move(
    transcript_json: TranscriptArg,
    line: LineArg,
    to: Annotated[
        str | None, typer.Option("--to", help="The speaker (id or name) who said the line")
    ] = None,
    new: Annotated[
        str | None,
        typer.Option("--new", help='A new speaker\'s name ("" for the next "Speaker N")'),
    ] = None,
) -> None:
    """Give a line to the person who said it: --to someone in the meeting, or --new."""
    if (to is None) == (new is None):
        raise OptionsError("Give either --to SPEAKER or --new NAME (not both).")
    t = _read(transcript_json)
    target = corrections.find_speaker(t, to) if to is not None else None
    edited = corrections.reassign(t, line, speaker=target, new_speaker=new)
    moved = next(u for u in edited.utterances if u.id == line)
    _save(
        transcript_json,
        edited,
        f"{line} is now said by {edited.speaker_name(moved.speaker)} ({moved.speaker}).",
    )


@edit_app.command("split")
def split(
    transcript_json: TranscriptArg,
    line: LineArg,
    where: Annotated[
        str,
        typer.Argument(
            help="Where the second part starts: its first words, or a character position"
        ),
    ],
) -> None:
    """Cut a line in two where someone else starts talking; then `move` the new part."""
    t = _read(transcript_json)
    text = next((u.text for u in t.utterances if u.id == line), None)
    if text is None:
        raise NotFoundError(f"No line {line!r} in {transcript_json}; see `minutes edit lines`.")
    at = _position(text, where)
    edited = corrections.split(t, line, at)
    i = next(i for i, u in enumerate(edited.utterances) if u.id == line)
    first, second = edited.utterances[i], edited.utterances[i + 1]
    _save(
        transcript_json,
        edited,
        f"Split {line}: {first.id} “{first.text}” / {second.id} “{second.text}”.",
    )


@edit_app.command("text")
def text(
    transcript_json: TranscriptArg,
    line: LineArg,
    new_text: Annotated[str, typer.Argument(metavar="TEXT", help="The line as it was said")],
) -> None:
    """Correct what a line says."""
    edited = corrections.edit_text(_read(transcript_json), line, new_text)
    _save(transcript_json, edited, f"{line} now reads “{new_text.strip()}”.")


@edit_app.command("remove")
def remove(transcript_json: TranscriptArg, line: LineArg) -> None:
    """Take a line out: words invented in noise, or an interjection that was nobody's."""
    t = _read(transcript_json)
    edited = corrections.remove_line(t, line)
    _save(transcript_json, edited, f"{line} removed ({len(edited.utterances)} lines left).")


@edit_app.command("reread")
def reread(
    transcript_json: TranscriptArg,
    line: LineArg,
    language: Annotated[str, typer.Argument(help="yue (Cantonese), zh (Mandarin) or en (English)")],
    audio_path: Annotated[
        Path | None,
        typer.Option("--audio", help="The recording, if it is not where it was transcribed"),
    ] = None,
) -> None:
    """Recognise a line again in the language it was spoken in (its tag was wrong)."""
    from minutes import glossary
    from minutes.api import build_options
    from minutes.audio import decode
    from minutes.formats import recording_of
    from minutes.pipeline import REREAD_LANGUAGES, Pipeline, reread_language

    reread_language(language)
    t = _read(transcript_json)
    old = next((u for u in t.utterances if u.id == line), None)
    if old is None:
        raise NotFoundError(f"No line {line!r} in {transcript_json}; see `minutes edit lines`.")
    options = t.metadata.get("options", {})
    pipeline = Pipeline(
        build_options(
            model=t.model or "base",
            script=str(options.get("script", "hk")),
            glossary=glossary.load_global(),
        )
    )
    audio = decode(audio_path or recording_of(t, transcript_json))
    with Console(stderr=True).status(f"Reading {line} again as {REREAD_LANGUAGES[language]}…"):
        new = pipeline.reread(audio, old, language)
    edited = corrections.with_line(t, new)
    _save(transcript_json, edited, f"{line} ({language}) now reads “{new.text}”.")


def _read(path: Path) -> Transcript:
    from minutes.formats import read_transcript

    return read_transcript(path)


def _position(text: str, where: str) -> int:
    """A character position given as a number, or as the text the second part begins
    with (first occurrence)."""
    if where.strip().isdigit():
        return int(where)
    at = text.find(where.strip())
    if not where.strip() or at < 0:
        raise OptionsError(
            f"{where!r} is not in the line “{text}”; give the words the second part starts "
            "with, or a character position."
        )
    return at


def _save(path: Path, t: Transcript, done: str) -> None:
    """Write the JSON and the exports already beside it, each atomically, then say so."""
    from minutes.formats import FORMATS, write_all

    stem = path.name.removesuffix(".json")
    formats = ["json"] + [
        f for f in FORMATS if f != "json" and (path.parent / f"{stem}.{f}").is_file()
    ]
    written = write_all(t, path.parent, stem, formats)
    console = Console(stderr=True)
    console.print(escape(done))
    console.print(f"[green]Updated[/] {escape(', '.join(p.name for p in written))}")
    stale = sorted(p.name for p in path.parent.glob(f"{glob.escape(stem)}.minutes.*"))
    if stale:
        console.print(
            f"[yellow]Note:[/] {escape(', '.join(stale))} came from the transcript before "
            f"this edit; run `minutes summarize {escape(str(path))}` to make them again."
        )

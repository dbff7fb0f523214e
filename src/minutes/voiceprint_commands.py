"""``minutes voiceprint``: enrol, list and forget named voices that transcriptions
recognise (stored with the user's data, see ``minutes.voiceprints``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

voiceprint_app = typer.Typer(
    help="Enrolled speakers: named voices that transcribe recognises.", no_args_is_help=True
)


@voiceprint_app.command("add")
def voiceprint_add(
    name: Annotated[str, typer.Argument(help="The person's name as it should appear")],
    clip: Annotated[
        Path | None, typer.Argument(help="10–30 s of this person speaking alone")
    ] = None,
    meeting: Annotated[
        Path | None,
        typer.Option("--meeting", help="Or: a transcript JSON from `minutes transcribe`…"),
    ] = None,
    speaker: Annotated[
        str | None,
        typer.Option("--speaker", help="…and the speaker in it (e.g. 'Speaker 2' or SPEAKER_01)"),
    ] = None,
    audio_path: Annotated[
        Path | None,
        typer.Option("--audio", help="The meeting's recording, if it has moved since"),
    ] = None,
) -> None:
    """Enrol a voice from a clip, or from a speaker of a past meeting; later
    transcriptions name this speaker."""
    from minutes import voiceprints as vp
    from minutes.audio import decode
    from minutes.corrections import find_speaker, name_key
    from minutes.errors import OptionsError
    from minutes.formats import read_transcript, recording_of
    from minutes.pipeline import Pipeline

    if (clip is None) == (meeting is None):
        raise OptionsError(
            "Give either a clip (`minutes voiceprint add NAME CLIP`) or a past meeting "
            "(`--meeting TRANSCRIPT.json --speaker 'Speaker 2'`)."
        )
    if meeting is not None and not speaker:
        raise OptionsError("--meeting needs --speaker: whose voice to remember.")
    prints = vp.load_store()
    pipeline = Pipeline()
    if meeting is not None and speaker:
        transcript = read_transcript(meeting)
        find_speaker(transcript, speaker)  # a wrong name fails before decoding
        audio = decode(audio_path or recording_of(transcript, meeting))
        with Console(stderr=True).status("Listening to the speaker…"):
            new = vp.enrol_speaker(name, pipeline.speaker_encoder, audio, transcript, speaker)
        source = f"meeting {meeting.name}, {speaker}"
    else:
        assert clip is not None
        audio = decode(clip)
        with Console(stderr=True).status("Listening to the clip…"):
            new = vp.enrol(name, pipeline.speaker_encoder, audio, pipeline.vad.detect(audio))
        source = f"clip {clip.name}"
    # A person may be enrolled several times (a clip, past meetings in other rooms):
    # every print is kept and the best-matching one names them, as on the server.
    path = vp.save_store([*prints, replace(new, source=source)])
    theirs = sum(name_key(p.name) == name_key(new.name) for p in prints) + 1
    more = f"; {theirs} voiceprints for them now" if theirs > 1 else ""
    Console().print(
        f"Enrolled [bold]{escape(new.name)}[/] from {new.seconds:.0f} s of speech{more} "
        f"({escape(str(path))})."
    )


@voiceprint_app.command("list")
def voiceprint_list() -> None:
    """The enrolled voices, with where each of their voiceprints came from."""
    from minutes import voiceprints as vp
    from minutes.corrections import name_key

    prints = vp.load_store()
    if not prints:
        Console().print("No voices enrolled. Add one with `minutes voiceprint add NAME CLIP`.")
        return
    current = vp.current_model()
    # One line per print, a person's prints together.
    for p in sorted(prints, key=lambda p: name_key(p.name)):
        source = f"{p.source}, " if p.source else ""
        stale = f"  [yellow]made by {escape(p.model)}: enrol again[/]" if p.model != current else ""
        Console().print(f"{escape(p.name)}  ({escape(source)}{p.seconds:.0f} s of speech){stale}")


@voiceprint_app.command("remove")
def voiceprint_remove(name: Annotated[str, typer.Argument(help="Who to forget")]) -> None:
    """Delete an enrolled person: every voiceprint under that name."""
    from minutes import voiceprints as vp
    from minutes.corrections import name_key
    from minutes.errors import OptionsError

    prints = vp.load_store()
    keep = [p for p in prints if name_key(p.name) != name_key(name)]
    if len(keep) == len(prints):
        raise OptionsError(f"No enrolled voice named {name!r}; see `minutes voiceprint list`.")
    vp.save_store(keep)
    gone = len(prints) - len(keep)
    Console().print(f"Removed {escape(name)}" + (f" ({gone} voiceprints)." if gone > 1 else "."))

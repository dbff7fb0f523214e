"""The ``minutes`` command line: transcribe, summarize, demo, models, voiceprints, glossary,
edit."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minutes.errors import MinutesError, OptionsError
from minutes.types import Transcript

if TYPE_CHECKING:
    from minutes.minutes.summarize import MinutesOptions

app = typer.Typer(
    name="minutes",
    help="Private meeting transcription for Hong Kong: Cantonese, Mandarin and English.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

LanguageOpt = Annotated[str, typer.Option("--language", "-l", help="auto | yue | zh | en")]
ModelOpt = Annotated[
    str, typer.Option("--model", "-m", help="Registry name (see `minutes models`) or a local path")
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help="Comma-separated: json,md,srt,vtt,rttm,txt,docx or 'all'"),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Directory for the output files")]
NumOpt = Annotated[
    int | None, typer.Option("--num-speakers", "-n", help="Exact number of speakers, if known")
]
ScriptOpt = Annotated[
    str, typer.Option("--script", help="Chinese script: hk (HK Traditional) | tw | cn | auto")
]
GlossaryOpt = Annotated[
    Path | None,
    typer.Option("--glossary", "-g", help="Glossary file: 'term | variant | …' per line"),
]
GlobalGlossaryOpt = Annotated[
    bool,
    typer.Option(
        "--global-glossary/--no-global-glossary",
        help="Also use your global glossary (see `minutes glossary`)",
    ),
]
MinutesBackendOpt = Annotated[
    str,
    typer.Option(
        "--backend",
        envvar="MINUTES_LLM_BACKEND",
        help="extractive (no LLM) | openai (any OpenAI-compatible server) | llama (local GGUF)",
    ),
]
MinutesLangOpt = Annotated[
    str, typer.Option("--minutes-language", help="auto | en | zh-HK | zh-CN")
]
BaseUrlOpt = Annotated[
    str,
    typer.Option("--base-url", envvar="MINUTES_LLM_BASE_URL", help="OpenAI-compatible /v1 URL"),
]
LlmModelOpt = Annotated[
    str, typer.Option("--llm-model", envvar="MINUTES_LLM_MODEL", help="Model name on that server")
]
ApiKeyOpt = Annotated[
    str, typer.Option("--api-key", envvar="MINUTES_LLM_API_KEY", help="Key for that server")
]
GgufOpt = Annotated[
    str | None, typer.Option("--gguf", envvar="MINUTES_LLM_GGUF", help="GGUF file (llama)")
]
MinOpt = Annotated[int | None, typer.Option("--min-speakers", help="At least this many speakers")]
MaxOpt = Annotated[int | None, typer.Option("--max-speakers", help="At most this many speakers")]


def _offline() -> None:
    # A run must never reach the network, even when a hub name is given.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _run(
    meeting: str,
    *,
    language: str,
    model: str,
    formats: str,
    out_dir: Path,
    num_speakers: int | None,
    min_speakers: int | None,
    max_speakers: int | None,
    script: str = "hk",
    glossary_file: Path | None = None,
    global_glossary: bool = True,
    minutes: MinutesOptions | None = None,
    live: bool = False,
) -> list[Path]:
    from minutes import glossary as glossaries
    from minutes.api import build_options
    from minutes.formats import parse_formats, write_all
    from minutes.formats.base import prepare_output_dir
    from minutes.pipeline import Pipeline
    from minutes.progress import StageBars
    from minutes.stages.base import no_preview

    fmts = parse_formats(formats)
    glossary = glossaries.load(glossary_file) if glossary_file else glossaries.Glossary()
    if global_glossary:
        standing = glossaries.load_global()
        if standing:
            err.print(
                f"[dim]Using your global glossary ({_count(len(standing.entries), 'entry')}, "
                f"{escape(str(glossaries.global_path()))}).[/]"
            )
            glossary = glossary.over(standing)
    prepare_output_dir(out_dir)
    options = build_options(
        language=language,
        model=model,
        num_speakers=num_speakers,
        min_speakers=min_speakers,
        max_speakers=max_speakers,
        script=script,
        glossary=glossary,
    )
    from minutes import voiceprints as vp

    enrolled = tuple(vp.load_store())
    if enrolled and options.diarization:
        options = replace(options, voiceprints=enrolled)
    pipeline = Pipeline(options)
    with StageBars(err) as bars:
        transcript = pipeline.run_file(
            meeting, progress=bars, preview=bars.preview if live else no_preview
        )
    _notes(transcript)
    paths = write_all(transcript, out_dir, Path(meeting).stem, fmts)
    _summary(transcript)
    if minutes is not None:
        paths += _write_minutes(transcript, minutes, out_dir, Path(meeting).stem)
    for p in paths:
        err.print(f"[green]Wrote[/] {escape(str(p))}")
    return paths


def _notes(transcript: Transcript) -> None:
    """The run's warnings, and what to do about an uncertain speaker count."""
    for w in transcript.metadata.get("warnings", []):
        err.print(f"[yellow]Note:[/] {escape(w)}")
    span = transcript.metadata.get("speaker_count_range")
    if span and span[0] != span[1]:
        err.print(
            "[dim]If you know how many people spoke, run again with --num-speakers N "
            f"(likely {span[0]}–{span[1]}), or fix the speakers with `minutes edit merge` "
            "and `minutes edit move`.[/]"
        )


def _minutes_options(
    backend: str, language: str, base_url: str, llm_model: str, api_key: str, gguf: str | None
) -> MinutesOptions:
    from minutes.minutes.summarize import LLMOptions, MinutesOptions

    return MinutesOptions(
        backend=backend,
        language=language,
        llm=LLMOptions(base_url=base_url, model=llm_model, api_key=api_key, gguf_path=gguf),
    )


def _write_minutes(
    transcript: Transcript, options: MinutesOptions, out_dir: Path, stem: str
) -> list[Path]:
    from minutes.minutes import summarize
    from minutes.minutes.render import MINUTES_FORMATS, write

    with err.status(f"Writing minutes ({options.backend})…"):
        result = summarize(transcript, options)
    for w in result.warnings:
        err.print(f"[yellow]Note:[/] {escape(w)}")
    counts = ", ".join(
        _count(len(items), noun)
        for items, noun in (
            (result.summary, "summary point"),
            (result.decisions, "decision"),
            (result.action_items, "action item"),
        )
    )
    # Titles and items quote what was said: never read them as Rich markup.
    out.print(f"[bold]Minutes[/]: {counts} — “{escape(result.title)}”")
    for a in result.action_items:
        who = f" — {a.owner}" if a.owner else ""
        due = f" (due {a.due})" if a.due else ""
        unclear = " [dim](unclear audio)[/]" if any(e.unclear for e in a.evidence) else ""
        out.print(f"  • {escape(a.text + who + due)}{unclear}")
    return write(result, out_dir, stem, MINUTES_FORMATS)


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _summary(transcript: Transcript) -> None:
    from minutes.formats.base import clock
    from minutes.formats.writers import line_text

    table = Table(title="Transcript", show_lines=False, expand=False)
    table.add_column("time", style="dim", no_wrap=True)
    table.add_column("speaker", style="bold")
    table.add_column("lang", style="cyan")
    table.add_column("text", overflow="fold")  # Chinese has no spaces to wrap at
    for u in transcript.utterances[:40]:
        text = escape(line_text(transcript, u))
        if u.unclear or not u.heard:
            text = f"[dim]{text}{' (unclear audio)' if u.unclear else ''}[/]"
        table.add_row(clock(u.start), escape(transcript.speaker_name(u.speaker)), u.language, text)
    if len(transcript.utterances) > 40:
        table.add_row("…", "", "", f"{len(transcript.utterances) - 40} more utterances")
    out.print(table)
    out.print(
        "[dim]Wrong name, person or words? `minutes edit --help` corrects the transcript "
        "and its exports.[/]"
    )
    unclear = sum(u.unclear for u in transcript.utterances)
    if unclear:
        out.print(
            f"[dim]{_count(unclear, 'line')} probably misheard (marked unclear audio): "
            "check them against the recording.[/]"
        )


@app.command()
def transcribe(
    meeting: Annotated[str, typer.Argument(help="Recording: any audio or video file")],
    language: LanguageOpt = "auto",
    model: ModelOpt = "base",
    fmt: FormatOpt = "json,md,srt,vtt,rttm,txt,docx",
    out_dir: OutOpt = Path(),
    num_speakers: NumOpt = None,
    min_speakers: MinOpt = None,
    max_speakers: MaxOpt = None,
    script: ScriptOpt = "hk",
    glossary: GlossaryOpt = None,
    global_glossary: GlobalGlossaryOpt = True,
    with_minutes: Annotated[
        bool, typer.Option("--minutes", help="Also write minutes (summary, decisions, actions)")
    ] = False,
    backend: MinutesBackendOpt = "extractive",
    minutes_language: MinutesLangOpt = "auto",
    base_url: BaseUrlOpt = "http://127.0.0.1:11434/v1",
    llm_model: LlmModelOpt = "llama3.1",
    api_key: ApiKeyOpt = "none",
    gguf: GgufOpt = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live", help="Print each stretch's text as it is read (speakers come at the end)"
        ),
    ] = False,
) -> None:
    """Transcribe a meeting: who said what, when, in which language."""
    minutes_options = (
        _minutes_options(backend, minutes_language, base_url, llm_model, api_key, gguf)
        if with_minutes
        else None
    )
    _run(
        meeting,
        language=language,
        model=model,
        formats=fmt,
        out_dir=out_dir,
        num_speakers=num_speakers,
        min_speakers=min_speakers,
        max_speakers=max_speakers,
        script=script,
        glossary_file=glossary,
        global_glossary=global_glossary,
        minutes=minutes_options,
        live=live,
    )


@app.command()
def summarize(
    transcript_json: Annotated[Path, typer.Argument(help="A transcript JSON from `transcribe`")],
    out_dir: OutOpt = Path(),
    backend: MinutesBackendOpt = "extractive",
    minutes_language: Annotated[
        str, typer.Option("--language", "-l", help="auto | en | zh-HK | zh-CN")
    ] = "auto",
    base_url: BaseUrlOpt = "http://127.0.0.1:11434/v1",
    llm_model: LlmModelOpt = "llama3.1",
    api_key: ApiKeyOpt = "none",
    gguf: GgufOpt = None,
) -> None:
    """Minutes with evidence from a transcript: summary, topics, decisions, action items."""
    from minutes.formats import read_transcript
    from minutes.formats.base import prepare_output_dir

    options = _minutes_options(backend, minutes_language, base_url, llm_model, api_key, gguf)
    transcript = read_transcript(transcript_json)
    prepare_output_dir(out_dir)
    stem = transcript_json.name.removesuffix(".json")
    for p in _write_minutes(transcript, options, out_dir, stem):
        err.print(f"[green]Wrote[/] {escape(str(p))}")


@app.command()
def demo(
    meeting: Annotated[
        str | None, typer.Argument(help="Your own recording; omit to generate a demo meeting")
    ] = None,
    out_dir: OutOpt = Path("demo-output"),
    fmt: FormatOpt = "json,md,srt,vtt,rttm,txt,docx",
) -> None:
    """Transcribe a generated trilingual meeting (or your recording) and write minutes.

    Without a recording, espeak-ng voices speak a short Cantonese, Mandarin and English
    meeting first."""
    source = meeting
    if source is None:
        from minutes.demo import DEMO_SCRIPT
        from minutes.synth import render_meeting, write_wav

        samples, ref = render_meeting(DEMO_SCRIPT)
        out_dir.mkdir(parents=True, exist_ok=True)
        source = str(out_dir / "demo-meeting.wav")
        write_wav(source, samples)
        err.print(
            f"Generated a {len(samples) / 16000:.0f}-second meeting with "
            f"{len({r.speaker for r in ref})} speakers: {escape(source)}"
        )
        # Set expectations: the transcript below is only as good as what it hears.
        err.print(
            "[dim]The voices are espeak-ng's synthetic ones. Whisper base mishears them, "
            "and espeak's Cantonese most of all (it comes out as nonsense); real "
            "recordings fare far better (docs/benchmarks.md). What was said:[/]"
        )
        for line in DEMO_SCRIPT:
            err.print(f"[dim]  {line.speaker}: {line.text}[/]")
    _run(
        source,
        language="auto",
        model="base",
        formats=fmt,
        out_dir=out_dir,
        num_speakers=None,
        min_speakers=None,
        max_speakers=None,
        minutes=_minutes_options(
            "extractive", "auto", "http://127.0.0.1:11434/v1", "llama3.1", "none", None
        ),
    )


@app.command()
def models() -> None:
    """List the models minutes can use on this machine, and where they are."""
    from minutes.models import EMBEDDED, ModelRegistry

    table = Table(title="Models")
    for col in ("name", "kind", "status", "location", "description"):
        table.add_column(col)
    for name, kind, status, where in ModelRegistry().available():
        if name in EMBEDDED:
            desc = EMBEDDED[name].description
        elif kind == "speaker":
            desc = "MINUTES_SPEAKER_MODEL: diarization and voiceprints, instead of CAM++"
        else:
            desc = "local directory"
        table.add_row(name, kind, status, escape(where), desc)
    out.print(table)
    out.print(
        "Any local CTranslate2 Whisper directory also works: --model /path/to/model. "
        "Hub names (e.g. large-v3) work when already in the Hugging Face cache. "
        "Another speaker model (an ONNX file that reads filterbanks, e.g. WeSpeaker's) "
        "plugs in with MINUTES_SPEAKER_MODEL=/path/to/model.onnx."
    )


def _register_commands() -> None:
    from minutes.edit_commands import edit_app
    from minutes.glossary_commands import glossary_app
    from minutes.server.commands import admin_app, serve
    from minutes.voiceprint_commands import voiceprint_app

    app.add_typer(voiceprint_app, name="voiceprint")
    app.add_typer(glossary_app, name="glossary")
    app.add_typer(edit_app, name="edit")
    app.command()(serve)
    app.add_typer(admin_app, name="admin")


_register_commands()


def main() -> None:
    """Entry point: run the app; turn our errors into one calm sentence and an exit code."""
    _offline()
    try:
        app()
    except MinutesError as e:
        err.print(f"[red]Error:[/] {escape(str(e))}")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was written.")
        sys.exit(130)
    except Exception as e:
        # A MINUTES_* variable pydantic refused (imported here: pydantic loads only when
        # settings are read, and an unrelated error is not delayed by it).
        from minutes.settings import settings_problem

        problem = settings_problem(e)
        if problem is None:
            raise
        err.print(f"[red]Error:[/] {escape(problem)}")
        sys.exit(OptionsError.exit_code)


if __name__ == "__main__":
    main()

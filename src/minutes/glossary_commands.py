"""``minutes glossary``: the global glossary every transcription uses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


glossary_app = typer.Typer(
    help="Your global glossary: names and terms every transcription uses.",
    no_args_is_help=True,
)


@glossary_app.command("show")
def glossary_show() -> None:
    """Print the global glossary, in its file format."""
    from minutes import glossary as glossaries

    g = glossaries.load_global()
    if not g:
        Console().print(
            "No global glossary. Set one with `minutes glossary set FILE` "
            "(one 'term | variant | …' per line)."
        )
        return
    Console().print(escape(glossaries.global_path().read_text(encoding="utf-8")), end="")


@glossary_app.command("set")
def glossary_set(
    file: Annotated[Path, typer.Argument(help="Glossary file: 'term | variant | …' per line")],
) -> None:
    """Replace the global glossary with this file (checked first)."""
    from minutes import glossary as glossaries

    glossaries.load(file)  # names the file in any error
    g = glossaries.save_global(file.read_text(encoding="utf-8"))
    path = glossaries.global_path()
    Console().print(f"Global glossary set: {_entries(len(g.entries))} ({escape(str(path))}).")


@glossary_app.command("clear")
def glossary_clear() -> None:
    """Delete the global glossary."""
    from minutes import glossary as glossaries

    path = glossaries.global_path()
    path.unlink(missing_ok=True)
    Console().print("Global glossary cleared.")

"""Rich progress bars driven by the pipeline's progress hook."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from minutes.formats.base import clock
from minutes.types import PreviewLine

LABELS = {
    "decode": "Decoding audio",
    "vad": "Finding speech",
    "asr": "Recognising speech",
    "embed": "Telling speakers apart",
    "assemble": "Assembling transcript",
}


class StageBars:
    """A context manager whose ``__call__`` is a pipeline progress hook."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StageBars:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, stage: str, done: float, total: float) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._progress.add_task(LABELS.get(stage, stage), total=max(total, 1e-9))
            self._tasks[stage] = task
        self._progress.update(task, completed=min(done, total), total=max(total, 1e-9))

    def preview(self, lines: Sequence[PreviewLine]) -> None:
        """A pipeline preview hook: each stretch's text above the bars, as it is read."""
        for line in lines:
            self._progress.console.print(f"[dim]{clock(line.start)}[/]  {escape(line.text)}")

"""Text of running jobs as it is first read, for the page to show while people wait.

Kept in memory by the worker that runs the job, newest lines only, and dropped when
the job ends: the transcript in the database is the record; a preview is a courtesy
(before the language pass, speakers and layout, so it may differ from it).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence

from minutes.types import PreviewLine

# Lines kept per job: a screenful and more; a three-hour meeting's would be thousands.
KEEP = 60


class Previews:
    """Thread-safe preview lines per running job."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._lines: dict[int, deque[PreviewLine]] = {}
        self._lock = threading.Lock()

    def add(self, job_id: int, lines: Sequence[PreviewLine]) -> None:
        """Lines a job has just read (empty ones are not kept)."""
        with self._lock:
            kept = self._lines.setdefault(job_id, deque(maxlen=self.keep))
            kept.extend(line for line in lines if line.text.strip())

    def lines(self, job_id: int) -> list[PreviewLine]:
        """The job's newest lines, in the order they were spoken."""
        with self._lock:
            found = list(self._lines.get(job_id, ()))
        return sorted(found, key=lambda line: line.start)

    def drop(self, job_id: int) -> None:
        """Forget a job's lines (it has ended)."""
        with self._lock:
            self._lines.pop(job_id, None)

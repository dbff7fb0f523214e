"""Where a job's transcription runs: the :class:`Executor` interface, and
:class:`LocalExecutor`, which runs the pipeline in this process. (The Ray executor,
``ray_executor.RayExecutor``, runs it on a cluster.)"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from minutes.errors import JobError
from minutes.models import ModelRegistry
from minutes.options import PipelineOptions
from minutes.stages.base import Preview, Progress, no_preview
from minutes.types import Transcript


class JobCancelledError(JobError):
    """Raised inside a running job when its cancellation was requested."""


@dataclass(frozen=True, slots=True)
class JobRequest:
    """Everything an executor needs to transcribe one meeting."""

    job_id: int
    meeting_id: str
    media_path: Path
    filename: str
    options: PipelineOptions


class Executor(Protocol):
    def run(
        self, request: JobRequest, progress: Progress, preview: Preview = no_preview
    ) -> Transcript:
        """Transcribe the request's recording, calling ``progress`` as it goes and
        ``preview`` with text as it is first read."""
        ...


@dataclass
class LocalExecutor:
    """Runs the pipeline in this process, keeping each model loaded between jobs."""

    registry: ModelRegistry = field(default_factory=ModelRegistry)
    _pipelines: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def run(
        self, request: JobRequest, progress: Progress, preview: Preview = no_preview
    ) -> Transcript:
        from minutes.pipeline import Pipeline

        key = request.options.asr.model
        with self._lock:
            base = self._pipelines.get(key)
            pipeline = (
                base.with_options(request.options)
                if base is not None
                else Pipeline(request.options, self.registry)
            )
        transcript = pipeline.run_file(
            request.media_path, progress, name=request.filename, preview=preview
        )
        with self._lock:
            self._pipelines[key] = pipeline
        return transcript

    def engines(self) -> Any:
        """A loaded pipeline (VAD and speaker encoder) for enrolling voiceprints."""
        from minutes.api import build_options
        from minutes.pipeline import Pipeline

        with self._lock:
            base = self._pipelines.get("base") or next(iter(self._pipelines.values()), None)
            if base is None:
                base = Pipeline(build_options(), self.registry)
                self._pipelines["base"] = base
            return base

    def preload(self, options: PipelineOptions) -> None:
        from minutes.pipeline import Pipeline

        pipeline = Pipeline(options, self.registry)
        pipeline.load()
        with self._lock:
            self._pipelines[options.asr.model] = pipeline

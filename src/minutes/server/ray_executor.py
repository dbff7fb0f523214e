"""Jobs on a Ray cluster, for when one machine is not enough.

Each of the server's worker threads (``MINUTES_WORKERS``) owns one Ray actor; an actor
keeps its models loaded between jobs, as :class:`~minutes.server.executors.LocalExecutor`
does in this process, so a cluster of N actors transcribes N meetings at once. The
recording travels to the actor as bytes through Ray's object store (nodes need no
shared disk); the transcript comes back the same way and is stored by this server, so
the database, the queue and its crash recovery are the same as without Ray.

Progress flows back through a Ray queue the server drains while it waits; a
cancellation goes the other way, and the actor stops at its next progress report.
Work done inside a request (enrolling a voice, reading a line again) still uses models
on this machine.
"""

from __future__ import annotations

import contextlib
import queue
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minutes.errors import JobError, MinutesError, OptionsError
from minutes.options import PipelineOptions
from minutes.server.executors import JobCancelledError, JobRequest, LocalExecutor
from minutes.stages.base import Preview, Progress, no_preview
from minutes.types import PreviewLine, Transcript

# Seconds between the actor's progress reports (and its looks for a cancellation).
REPORT_EVERY = 0.5
# How long a cancelled job may take to notice before the server stops waiting.
CANCEL_GRACE = 60.0
# Marks a message of preview lines on the events queue (the others are progress).
PREVIEW = "preview"


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise OptionsError(
            "Ray is not installed here, so --ray cannot be used: install it with "
            "`pip install 'minutes[ray]'` (on this machine and every node of the cluster)."
        ) from e
    return ray


class PipelineActor:
    """Runs on a Ray node: one loaded pipeline, one job at a time."""

    def __init__(self) -> None:
        self._local = LocalExecutor()

    def load(self, options: PipelineOptions) -> bool:
        """Load the models now, so the first job does not wait for them."""
        self._local.preload(options)
        return True

    def run(
        self, media: bytes, filename: str, options: PipelineOptions, events: Any, control: Any
    ) -> Transcript:
        """Transcribe ``media``, reporting to ``events`` and stopping when ``control``
        holds a cancellation."""
        from ray.util.queue import Full

        last = [0.0]

        def progress(stage: str, done: float, total: float) -> None:
            now = time.monotonic()
            final = total > 0 and done >= total
            if now - last[0] < REPORT_EVERY and not final:
                return
            last[0] = now
            if not control.empty():
                raise JobCancelledError("cancelled by the user")
            # A full queue means the server is behind: this report can be skipped.
            with contextlib.suppress(Full):
                events.put_nowait((stage, done, total))

        def preview(lines: Sequence[PreviewLine]) -> None:
            with contextlib.suppress(Full):
                events.put_nowait((PREVIEW, tuple(lines)))

        with tempfile.TemporaryDirectory(prefix="minutes-ray-") as tmp:
            path = Path(tmp) / "media"
            path.write_bytes(media)
            request = JobRequest(0, "", path, filename, options)
            return self._local.run(request, progress, preview)


class RayExecutor:
    """Runs each job in one of ``slots`` Ray actors on the cluster at ``address``
    (``local`` starts a Ray instance on this machine, ``auto`` joins the running
    cluster, ``ray://host:10001`` connects as a Ray client)."""

    def __init__(self, address: str, *, slots: int = 1, cpus_per_job: float = 1.0) -> None:
        ray = _ray()
        if not ray.is_initialized():
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as e:
                raise OptionsError(
                    f"Cannot reach the Ray cluster at {address!r} ({e}). Start it with "
                    "`ray start --head`, or use --ray local for a Ray instance on this machine."
                ) from e
        self._ray = ray
        self._actor_class = ray.remote(num_cpus=cpus_per_job)(PipelineActor)
        self._idle: queue.Queue[Any] = queue.Queue()
        for _ in range(max(1, slots)):
            self._idle.put(self._actor_class.remote())
        self._local: LocalExecutor | None = None
        self._lock = threading.Lock()

    def run(
        self, request: JobRequest, progress: Progress, preview: Preview = no_preview
    ) -> Transcript:
        """Transcribe on the cluster, passing its progress to ``progress`` and its
        first readings to ``preview``."""
        actor = self._idle.get()
        try:
            return self._run_on(actor, request, progress, preview)
        except self._ray.exceptions.RayActorError as e:
            # The actor's process or node died: the next job gets a new one.
            actor = self._actor_class.remote()
            raise JobError(
                "the Ray worker running this job was lost (its process or node stopped); "
                "retry the job"
            ) from e
        finally:
            self._idle.put(actor)

    def _run_on(
        self, actor: Any, request: JobRequest, progress: Progress, preview: Preview
    ) -> Transcript:
        from ray.util.queue import Queue

        ray = self._ray
        # The queues only pass messages: they claim no CPU from the jobs.
        free = {"num_cpus": 0}
        events = Queue(maxsize=1000, actor_options=free)
        control = Queue(actor_options=free)
        try:
            media = ray.put(request.media_path.read_bytes())
            ref = actor.run.remote(media, request.filename, request.options, events, control)
            cancelled_at: float | None = None
            while True:
                ready, _ = ray.wait([ref], timeout=0.25)
                for event in events.get_nowait_batch(events.qsize() or 0):
                    if event[0] == PREVIEW:
                        preview(event[1])
                    elif cancelled_at is None:
                        try:
                            progress(*event)
                        except JobCancelledError:
                            control.put("cancel")
                            cancelled_at = time.monotonic()
                if ready:
                    break
                if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE:
                    ray.cancel(ref, force=False)
                    raise JobCancelledError("cancelled by the user")
            try:
                transcript: Transcript = ray.get(ref)
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                if isinstance(cause, MinutesError):
                    raise cause from None
                raise JobError(
                    f"the job failed on the Ray cluster ({type(cause).__name__}); "
                    "see the cluster's logs"
                ) from e
            if cancelled_at is not None:
                raise JobCancelledError("cancelled by the user")
            return transcript
        finally:
            for q in (events, control):
                q.shutdown(force=True)

    def engines(self) -> Any:
        """Models on this machine, for work done inside a request."""
        with self._lock:
            if self._local is None:
                self._local = LocalExecutor()
        return self._local.engines()

    def preload(self, options: PipelineOptions) -> None:
        """Load the models in every actor before the first job."""
        actors = [self._idle.get() for _ in range(self._idle.qsize())]
        try:
            self._ray.get([a.load.remote(options) for a in actors])
        finally:
            for a in actors:
                self._idle.put(a)

    def close(self) -> None:
        """Stop the actors (and the Ray instance, when this server started it)."""
        while not self._idle.empty():
            self._ray.kill(self._idle.get())
        self._ray.shutdown()

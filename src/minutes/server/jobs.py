"""The durable job queue and the worker that runs it.

Jobs are rows; a worker claims one with a compare-and-set update, so any number of
workers (threads here, processes or cluster nodes later) can share one database. A
running job carries a heartbeat; on start, and whenever a lease runs out, jobs whose
worker died are put back in the queue. Results are written in the same transaction
that marks the job done, so a crash leaves either no result or the whole result.

How a job is computed is behind ``executors.Executor``: in this process
(``executors.LocalExecutor``) or on a Ray cluster (``ray_executor.RayExecutor``); the
options stored with a meeting are read by ``job_options``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from minutes.errors import JobError, MinutesError
from minutes.minutes.schema import Minutes
from minutes.server import meetings
from minutes.server.db import Database
from minutes.server.executors import Executor, JobCancelledError, JobRequest
from minutes.server.job_options import options_from_json, owner_glossary, owner_voiceprints
from minutes.server.previews import Previews
from minutes.server.tables import Job, Meeting, as_utc, utcnow
from minutes.stages.base import Progress
from minutes.types import Transcript

log = logging.getLogger("minutes.server.jobs")

# Share of a job's time each stage takes on a typical meeting (for one progress bar).
STAGE_WEIGHTS = {
    "decode": 0.04,
    "vad": 0.06,
    "embed": 0.12,
    "asr": 0.72,
    "assemble": 0.03,
    "minutes": 0.03,
}
STAGE_ORDER = tuple(STAGE_WEIGHTS)
MAX_ATTEMPTS = 3
TERMINAL = ("done", "failed", "cancelled")


# Minutes for a finished transcript (given the meeting's title); None to skip.
Summarizer = Callable[[Transcript, str], Minutes]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(s: Any, meeting_id: str) -> Job:
    job = Job(meeting_id=meeting_id)
    s.add(job)
    s.flush()
    return job


def request_cancel(s: Any, meeting_id: str) -> Job | None:
    """Ask the meeting's queued or running job to stop; returns that job."""
    job = meetings.latest_job(s, meeting_id)
    if job is None or job.status in TERMINAL:
        return job
    if job.status == "queued":
        job.status, job.finished_at, job.message = "cancelled", utcnow(), "cancelled"
        meeting = s.get(Meeting, meeting_id)
        if meeting is not None:
            meeting.status = "cancelled"
    else:
        job.cancel_requested = True
    return job


def _pid_alive(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's worker: only its lease can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Worker:
    """Claims jobs from the database and runs them on background threads."""

    def __init__(
        self,
        db: Database,
        media_dir: Path,
        executor: Executor,
        *,
        threads: int = 1,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        summarizer: Summarizer | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.db = db
        self.media_dir = media_dir
        self.executor = executor
        self.threads = max(1, threads)
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.name = worker_name()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self.previews = Previews()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        self.recover()
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, name=f"minutes-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    # -- queue -----------------------------------------------------------------------
    def recover(self) -> int:
        """Requeue running jobs whose worker is gone (crash, kill, restart)."""
        now = utcnow()
        count = 0
        with self.db.session() as s:
            for job in s.scalars(select(Job).where(Job.status == "running")):
                beat = as_utc(job.heartbeat_at) if job.heartbeat_at else None
                stale = beat is None or now - beat > self.lease
                if job.worker != self.name and not stale and _pid_alive(job.worker):
                    continue
                count += 1
                meeting = s.get(Meeting, job.meeting_id)
                if job.attempts >= MAX_ATTEMPTS:
                    job.status, job.finished_at = "failed", now
                    job.message = (
                        f"the job stopped {job.attempts} times without finishing "
                        "(the server crashed or was killed each time); upload it again "
                        "or check the server's memory"
                    )
                    if meeting is not None:
                        meeting.status, meeting.error = "failed", job.message
                    continue
                log.warning(
                    "requeueing job %s of %s (worker %s gone)", job.id, job.meeting_id, job.worker
                )
                job.status, job.worker, job.stage, job.progress = "queued", "", "", 0.0
                job.message = "restarted after an interruption"
                if meeting is not None:
                    meeting.status = "queued"
        return count

    def claim(self) -> int | None:
        """Take the oldest queued job; None when there is none."""
        with self.db.session() as s:
            candidates = s.scalars(
                select(Job.id)
                .where(Job.status == "queued")
                .order_by(Job.created_at, Job.id)
                .limit(5)
            ).all()
            for job_id in candidates:
                now = utcnow()
                claimed = s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == "queued")
                    .values(
                        status="running",
                        worker=self.name,
                        heartbeat_at=now,
                        started_at=now,
                        attempts=Job.attempts + 1,
                        stage="",
                        progress=0.0,
                    )
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    job = s.get(Job, job_id)
                    if job is not None:
                        meeting = s.get(Meeting, job.meeting_id)
                        if meeting is not None:
                            meeting.status = "processing"
                    return job_id
        return None

    def _loop(self) -> None:
        last_recover = time.monotonic()
        while not self._stop.is_set():
            try:
                job_id = self.claim()
                if job_id is None:
                    self._wake.wait(self.poll_seconds)
                    self._wake.clear()
                    if time.monotonic() - last_recover > self.lease.total_seconds() / 2:
                        self.recover()
                        last_recover = time.monotonic()
                    continue
                self.run_job(job_id)
            except Exception:
                # The database went away for a moment: log, wait, carry on serving.
                log.exception("worker loop error")
                self._stop.wait(self.poll_seconds * 5)

    # -- running ---------------------------------------------------------------------
    def run_job(self, job_id: int) -> None:
        with self.db.session() as s:
            job = s.get(Job, job_id)
            meeting = s.get(Meeting, job.meeting_id) if job else None
            if job is None or meeting is None:
                return
            title = meeting.title
            options = options_from_json(meeting.options, owner_glossary(s, meeting.owner_id))
            # This meeting's own named voices first, then the owner's enrolled ones.
            prints = options.voiceprints + owner_voiceprints(s, meeting.owner_id)
            if prints and options.diarization:
                options = replace(options, voiceprints=prints)
            request = JobRequest(
                job_id=job.id,
                meeting_id=meeting.id,
                media_path=self.media_dir / meeting.media_name,
                filename=meeting.filename,
                options=options,
            )
        tracker = _Tracker(self.db, job_id)
        beat = threading.Thread(target=tracker.heartbeat_loop, daemon=True)
        beat.start()
        try:
            transcript = self.executor.run(
                request, tracker.progress, lambda lines: self.previews.add(job_id, lines)
            )
            minutes = self._minutes(transcript, title, tracker.progress)
        except JobCancelledError:
            self._finish(job_id, "cancelled", "cancelled by the user")
        except MinutesError as e:
            self._finish(job_id, "failed", str(e))
        except Exception as e:
            log.exception("job %s failed", job_id)
            self._finish(
                job_id, "failed", f"internal error ({type(e).__name__}); see the server log"
            )
        else:
            self._finish(job_id, "done", "", transcript, minutes)
        finally:
            tracker.stop()
            self.previews.drop(job_id)

    def _minutes(self, transcript: Transcript, title: str, progress: Progress) -> Minutes | None:
        """Minutes for a new transcript; a failure here never loses the transcript."""
        if self.summarizer is None or not transcript.utterances:
            return None
        progress("minutes", 0.0, 1.0)
        try:
            minutes = self.summarizer(transcript, title)
        except MinutesError as e:
            log.warning("minutes failed: %s", e)
            return None
        progress("minutes", 1.0, 1.0)
        return minutes

    def _finish(
        self,
        job_id: int,
        status: str,
        message: str,
        transcript: Transcript | None = None,
        minutes: Minutes | None = None,
    ) -> None:
        with self.db.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return  # the meeting was deleted while it ran
            meeting = s.get(Meeting, job.meeting_id)
            if meeting is None:
                return
            if status == "done" and job.cancel_requested:
                status, message, transcript = "cancelled", "cancelled by the user", None
            job.status, job.message, job.finished_at = status, message[:2000], utcnow()
            if status == "done" and transcript is not None:
                job.stage, job.progress = "done", 1.0
                meetings.save_transcript(s, meeting, transcript)
                if minutes is not None:
                    meetings.save_minutes(s, meeting, minutes)
                meeting.status, meeting.error = "ready", None
            else:
                meeting.status = status
                meeting.error = message if status == "failed" else None


class _Tracker:
    """Writes a running job's progress (throttled) and heartbeat; notices cancellation."""

    def __init__(self, db: Database, job_id: int, every: float = 0.5) -> None:
        self.db = db
        self.job_id = job_id
        self.every = every
        self._last = 0.0
        self._cancel = False
        self._done = threading.Event()

    def progress(self, stage: str, done: float, total: float) -> None:
        if self._cancel:
            raise JobCancelledError("cancelled by the user")
        now = time.monotonic()
        final = total > 0 and done >= total
        if now - self._last < self.every and not final:
            return
        self._last = now
        fraction = min(1.0, done / total) if total > 0 else 0.0
        overall = overall_progress(stage, fraction)
        with self.db.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(stage=stage, progress=overall, heartbeat_at=utcnow())
            )
            cancel = s.scalar(select(Job.cancel_requested).where(Job.id == self.job_id))
        if cancel or cancel is None:  # None: the meeting (and job) was deleted
            self._cancel = True
            raise JobCancelledError("cancelled by the user")

    def heartbeat_loop(self) -> None:
        while not self._done.wait(10.0):
            try:
                with self.db.session() as s:
                    s.execute(
                        update(Job).where(Job.id == self.job_id).values(heartbeat_at=utcnow())
                    )
                    cancel = s.scalar(select(Job.cancel_requested).where(Job.id == self.job_id))
                if cancel or cancel is None:
                    self._cancel = True
            except Exception:
                log.exception("heartbeat failed")

    def stop(self) -> None:
        self._done.set()


def overall_progress(stage: str, fraction: float) -> float:
    """One 0–1 figure for the whole job from a stage and its own progress."""
    if stage not in STAGE_WEIGHTS:
        return 0.0
    before = sum(STAGE_WEIGHTS[s] for s in STAGE_ORDER[: STAGE_ORDER.index(stage)])
    return round(min(1.0, before + STAGE_WEIGHTS[stage] * fraction), 4)


def wait_for(
    db: Database,
    job_id: int,
    timeout: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Job:
    """Block until a job ends (used by the CLI and tests)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with db.session() as s:
            job = s.get(Job, job_id)
            if job is None or job.status in TERMINAL:
                if job is None:
                    raise JobError(f"job {job_id} disappeared (its meeting was deleted)")
                return job
        if deadline is not None and time.monotonic() > deadline:
            raise JobError(f"job {job_id} did not finish within {timeout} s")
        sleep(0.2)

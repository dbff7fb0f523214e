"""The job queue's claim and recovery rules, on a real SQLite database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from minutes.server.db import Database
from minutes.server.jobs import STAGE_ORDER, Worker, enqueue, overall_progress
from minutes.server.tables import Job, Meeting, User, utcnow


def _db(tmp_path: Path) -> tuple[Database, list[int]]:
    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    db.migrate()
    db.migrate()  # idempotent
    with db.session() as s:
        s.add(User(id=1, username="u", password_hash="x"))
        s.flush()
        ids = []
        for i in range(3):
            s.add(
                Meeting(
                    id=f"m{i}", owner_id=1, title="t", filename="f", media_name="n", media_bytes=1
                )
            )
            s.flush()
            ids.append(enqueue(s, f"m{i}").id)
    return db, ids


def test_each_job_is_claimed_once_in_order(tmp_path: Path) -> None:
    db, ids = _db(tmp_path)
    a = Worker(db, tmp_path, executor=None)  # type: ignore[arg-type]
    b = Worker(db, tmp_path, executor=None)  # type: ignore[arg-type]
    b.name = "other-host:1"
    claimed = [a.claim(), b.claim(), a.claim(), b.claim()]
    assert claimed == [*ids, None]
    with db.session() as s:
        assert [s.get(Job, i).status for i in ids] == ["running"] * 3
        assert s.get(Meeting, "m0").status == "processing"


def test_recovery_requeues_dead_workers_jobs_and_gives_up_after_three(tmp_path: Path) -> None:
    db, ids = _db(tmp_path)
    w = Worker(db, tmp_path, executor=None, lease_seconds=60)  # type: ignore[arg-type]
    with db.session() as s:
        dead, live_remote, stale_remote = (s.get(Job, i) for i in ids)
        for job in (dead, live_remote, stale_remote):
            job.status, job.heartbeat_at, job.attempts = "running", utcnow(), 1
        dead.worker = f"{w.name.rsplit(':', 1)[0]}:999999999"  # this host, no such process
        live_remote.worker = "elsewhere:42"  # another machine, fresh heartbeat: leave it
        stale_remote.worker = "elsewhere:43"
        stale_remote.heartbeat_at = utcnow() - timedelta(minutes=5)
    assert w.recover() == 2
    with db.session() as s:
        assert [s.get(Job, i).status for i in ids] == ["queued", "running", "queued"]
        job = s.get(Job, ids[0])
        job.status, job.attempts, job.worker = "running", 3, "gone:1"
        job.heartbeat_at = utcnow() - timedelta(minutes=5)
    w.recover()
    with db.session() as s:
        assert s.get(Job, ids[0]).status == "failed"
        assert "stopped 3 times" in s.get(Meeting, "m0").error


def test_overall_progress_is_monotonic_across_stages() -> None:
    points = [overall_progress(stage, f) for stage in STAGE_ORDER for f in (0, 0.5, 1)]
    assert points == sorted(points)
    assert points[0] == 0
    assert points[-1] == 1.0
    assert overall_progress("unknown", 0.5) == 0.0

"""Server fixtures: a real database per backend (SQLite file, PostgreSQL database)."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "MINUTES_TEST_POSTGRES_URL"


def postgres_admin_url() -> str:
    """The PostgreSQL server the tests may create databases on (.ci/run starts one)."""
    url = os.environ.get(PG_ENV)
    if not url:
        message = (
            f"{PG_ENV} is not set: PostgreSQL tests need a server "
            "(.ci/run installs and starts one, e.g. postgresql://minutes:minutes@127.0.0.1/postgres)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'minutes.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(postgres_admin_url().replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"minutes_test_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="module")
def server_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    from minutes.server.config import ServerSettings

    return ServerSettings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        max_upload_mb=5,
        job_lease_seconds=30,
    )


@pytest.fixture(scope="module")
def client(server_settings, registry) -> Iterator[Any]:
    """A running app (worker thread included) with an admin 'alice' and a user 'bob'."""
    from fastapi.testclient import TestClient

    from minutes.server.app import create_app
    from minutes.server.executors import LocalExecutor

    app = create_app(server_settings, executor=LocalExecutor(registry))
    with TestClient(app, raise_server_exceptions=False) as c:
        from minutes.server import accounts

        with app.state.ctx.db.session() as s:
            alice = accounts.create_user(s, "alice", "alice-password", is_admin=True)
            accounts.create_user(s, "bob", "bob-password-1")
            c.alice = {"Authorization": f"Bearer {accounts.issue_token(s, alice, 'api')}"}  # type: ignore[attr-defined]
        r = c.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"})
        assert r.status_code == 200, r.text
        c.bob = {"Authorization": f"Bearer {r.json()['token']}"}  # type: ignore[attr-defined]
        c.cookies.clear()
        yield c


def wait_ready(
    client: Any, meeting_id: str, headers: dict[str, str], timeout: float = 300
) -> dict[str, Any]:
    """Poll a meeting until its job ends; returns the meeting JSON."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/api/meetings/{meeting_id}", headers=headers)
        assert r.status_code == 200, r.text
        meeting = r.json()["meeting"]
        if meeting["status"] in ("ready", "failed", "cancelled"):
            return meeting
        time.sleep(0.3)
    raise AssertionError(f"meeting {meeting_id} did not finish in {timeout} s")


def upload(
    client: Any, path: Path, headers: dict[str, str], name: str | None = None, **fields: Any
) -> Any:
    with path.open("rb") as f:
        return client.post(
            "/api/meetings",
            headers=headers,
            files={"file": (name or path.name, f, "application/octet-stream")},
            data={k: str(v) for k, v in fields.items()},
        )

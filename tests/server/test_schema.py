"""The Alembic migrations build exactly the schema the ORM tables describe."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_the_tables(backend: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from minutes.server.db import Database
    from minutes.server.tables import Base

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
        cleanup = None
    else:
        url, cleanup = _postgres_database()
    db = Database(url)
    try:
        db.migrate()
        db.migrate()  # idempotent
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": _ours})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"a table changed without a migration: {diff}"
    finally:
        db.dispose()
        if cleanup:
            cleanup()


def _ours(name: str | None, kind: str, parents: object) -> bool:
    # The search indexes (SQLite FTS5 tables, the PostgreSQL trigram index) are made by
    # hand in the first migration and are not ORM tables.
    return not (name or "").startswith(("utterances_fts", "ix_utterances_text_trgm"))


def _postgres_database():
    import secrets

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from conftest import postgres_admin_url

    admin = make_url(postgres_admin_url().replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"minutes_schema_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin.set(database=name).render_as_string(hide_password=False), drop

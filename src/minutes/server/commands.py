"""``minutes serve`` and ``minutes admin …``: the server's command-line side."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from minutes.server.config import ServerSettings
    from minutes.server.db import Database

out = Console()

admin_app = typer.Typer(
    help="Manage server accounts (run on the server machine).", no_args_is_help=True
)

DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the database and recordings live")
]
DbOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="postgresql://user:pw@host/db (default: SQLite file)"),
]


def _settings(data_dir: Path | None, database_url: str | None, **extra: Any) -> ServerSettings:
    from minutes.server.config import ServerSettings

    fields: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if data_dir is not None:
        fields["data_dir"] = data_dir
    if database_url is not None:
        fields["database_url"] = database_url
    return ServerSettings(**fields)


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 for the LAN)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    data_dir: DataDirOpt = None,
    database_url: DbOpt = None,
    workers: Annotated[int | None, typer.Option(help="Transcriptions run at once")] = None,
    max_upload_mb: Annotated[float | None, typer.Option(help="Largest upload accepted")] = None,
    preload: Annotated[bool, typer.Option(help="Load the models before accepting jobs")] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            help="Run transcriptions on a Ray cluster: auto, ray://HOST:10001, or local "
            "(--workers jobs at once, one actor each)"
        ),
    ] = None,
) -> None:
    """Start the minutes server: web API, OpenAI-compatible endpoint and job worker."""
    import uvicorn

    from minutes.server.app import build_executor, create_app

    settings = _settings(
        data_dir,
        database_url,
        workers=workers,
        max_upload_mb=max_upload_mb,
        preload_models=preload or None,
        ray_address=ray,
    )
    # Built here so that a cluster that cannot be reached is one calm sentence.
    executor = build_executor(settings)
    if settings.ray_address:
        out.print(
            f"Jobs run on the Ray cluster at {escape(settings.ray_address)} "
            f"({settings.workers} at once)"
        )
    out.print(
        f"minutes server: data in [bold]{escape(str(settings.data_dir))}[/], "
        f"database {escape(_redact(settings.url))}"
    )
    out.print(
        f"API docs at http://{host}:{port}/docs  (create a user first: "
        "[bold]minutes admin create-user NAME --admin[/])"
    )
    try:
        uvicorn.run(
            create_app(settings, executor=executor),
            host=host,
            port=port,
            log_level="info",
            timeout_graceful_shutdown=5,
        )
    finally:
        if hasattr(executor, "close"):
            executor.close()


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _open_db(data_dir: Path | None, database_url: str | None) -> Database:
    from minutes.server.db import Database

    settings = _settings(data_dir, database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.url)
    db.migrate()
    return db


@admin_app.command("create-user")
def create_user(
    username: Annotated[str, typer.Argument(help="Sign-in name")],
    admin: Annotated[bool, typer.Option("--admin", help="May create other users")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    data_dir: DataDirOpt = None,
    database_url: DbOpt = None,
) -> None:
    """Create a user (the first one should be --admin). Asks for the password."""
    from minutes.server import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _open_db(data_dir, database_url)
    with db.session() as s:
        account = accounts.create_user(s, username, password, is_admin=admin)
    db.dispose()
    role = "administrator" if account.is_admin else "user"
    out.print(f"Created {role} [bold]{escape(account.username)}[/].")


@admin_app.command("create-token")
def create_token(
    username: Annotated[str, typer.Argument(help="Whose token")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    data_dir: DataDirOpt = None,
    database_url: DbOpt = None,
) -> None:
    """Print a new API token for a user (for programs and the OpenAI endpoint)."""
    from sqlalchemy import select

    from minutes.errors import OptionsError
    from minutes.server import accounts
    from minutes.server.tables import User

    db = _open_db(data_dir, database_url)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise OptionsError(f"No user {username!r}; create it with `minutes admin create-user`.")
        token = accounts.issue_token(
            s, accounts.Account(user.id, user.username, user.is_admin), "api", name=name
        )
    db.dispose()
    typer.echo(token)

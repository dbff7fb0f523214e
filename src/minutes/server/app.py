"""The FastAPI application: ``create_app(settings)``; ``minutes serve`` runs it."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from minutes.errors import (
    AudioDecodeError,
    EmptyAudioError,
    InputError,
    MinutesError,
    ModelNotFoundError,
    NotFoundError,
    OptionsError,
    StorageError,
)
from minutes.server.config import ServerSettings
from minutes.server.context import ServerContext
from minutes.server.db import Database
from minutes.server.executors import Executor, LocalExecutor
from minutes.server.jobs import Worker
from minutes.server.routes import (
    auth,
    corrections,
    glossary,
    meetings,
    openai_compat,
    voiceprints,
    web,
)
from minutes.server.routes import minutes as minutes_routes
from minutes.server.uploads import BodyLimit, UploadTooLargeError
from minutes.voiceprints import EnrolmentError

log = logging.getLogger("minutes.server")

# Most specific first: the first matching class decides the status.
STATUS: tuple[tuple[type[MinutesError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (UploadTooLargeError, 413, "upload_too_large"),
    (AudioDecodeError, 415, "unsupported_media"),
    (EmptyAudioError, 422, "empty_media"),
    (EnrolmentError, 422, "enrolment_failed"),
    (InputError, 422, "invalid_input"),
    (OptionsError, 422, "invalid_option"),
    (ModelNotFoundError, 503, "model_unavailable"),
    (StorageError, 503, "storage_unavailable"),
)


def _error(status: int, message: str, kind: str) -> JSONResponse:
    # OpenAI's error shape, so its clients show our message.
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


def _minutes_error(exc: MinutesError) -> JSONResponse:
    for cls, status, kind in STATUS:
        if isinstance(exc, cls):
            return _error(status, str(exc), kind)
    log.error("unclassified error: %s", exc)
    return _error(500, str(exc), "server_error")


def _summarizer(settings: ServerSettings) -> Any:
    from minutes.minutes import summarize

    settings.minutes_options()  # a bad backend or language fails at start, not per job

    def write(transcript: Any, title: str) -> Any:
        return summarize(transcript, settings.minutes_options(title=title))

    return write


def build_executor(settings: ServerSettings) -> Any:
    """Where jobs run: this process, or a Ray cluster (``MINUTES_RAY_ADDRESS``)."""
    if not settings.ray_address:
        return LocalExecutor()
    from minutes.server.ray_executor import RayExecutor

    return RayExecutor(
        settings.ray_address, slots=settings.workers, cpus_per_job=settings.ray_cpus_per_job
    )


def _start_worker(settings: ServerSettings, db: Database, runner: Any) -> Worker:
    if settings.preload_models and hasattr(runner, "preload"):
        from minutes.api import build_options

        runner.preload(build_options())
    worker = Worker(
        db,
        settings.media_dir,
        runner,
        threads=settings.workers,
        lease_seconds=settings.job_lease_seconds,
        summarizer=_summarizer(settings),
    )
    worker.start()
    return worker


def create_app(
    settings: ServerSettings | None = None,
    *,
    executor: Executor | None = None,
    run_worker: bool = True,
) -> FastAPI:
    """Build the app; the database is migrated and the worker started at startup."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.url)
        db.migrate()
        runner = (executor or build_executor(settings)) if run_worker else None
        worker = _start_worker(settings, db, runner) if runner is not None else None
        app.state.ctx = ServerContext(settings, db, worker)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            # An executor this app made (a Ray connection) is this app's to close.
            if runner is not None and executor is None and hasattr(runner, "close"):
                runner.close()
            db.dispose()

    app = FastAPI(
        title="minutes",
        summary="Private meeting transcription for Hong Kong",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(auth.router)
    app.include_router(meetings.router)
    app.include_router(corrections.router)
    app.include_router(minutes_routes.router)
    app.include_router(openai_compat.router)
    app.include_router(voiceprints.router)
    app.include_router(glossary.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.WEB_DIR), name="static")
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", web.CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        return {"ok": True}

    @app.exception_handler(MinutesError)
    async def minutes_error(_request: Request, exc: MinutesError) -> JSONResponse:
        return _minutes_error(exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, MinutesError):
            # Raised while FastAPI parsed the body (e.g. the upload limit mid-stream).
            return _minutes_error(exc.__cause__)
        response = _error(exc.status_code, _plain(request, str(exc.detail)), "request_error")
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}"
            for e in exc.errors()[:5]
        )
        return _error(422, f"Invalid request: {problems}", "invalid_request")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(
            500, "Something went wrong on the server; it has been logged.", "server_error"
        )

    return app


_PART_TOO_BIG = re.compile(r"Part exceeded maximum size of (\d+)KB\.")


def _plain(request: Request, detail: str) -> str:
    """Starlette's form-parsing messages, said so the sender knows what to change."""
    if m := _PART_TOO_BIG.fullmatch(detail):
        limit = f"{int(m.group(1)) / 1024:g} MiB"
        if request.url.path.endswith("/audio/transcriptions"):
            return (
                f"A form field is over {limit}: each known_speaker_references[] entry "
                f"may carry a clip of up to {limit} (about 30 s of 48 kHz stereo WAV); "
                "send a shorter clip, and the recording itself as the file part."
            )
        return (
            f"A form field is over {limit}: send the recording as the file part "
            "and keep text fields short."
        )
    return detail

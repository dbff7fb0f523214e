"""Server settings: where the data lives, which database, limits (``MINUTES_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from minutes.minutes.summarize import MinutesOptions

from minutes.settings import default_data_dir


class ServerSettings(BaseSettings):
    """Everything ``minutes serve`` needs; every field has a working default."""

    model_config = SettingsConfigDict(env_prefix="MINUTES_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    # None: a SQLite file under data_dir. ``postgresql://user:pw@host/db`` scales out.
    database_url: str | None = None
    max_upload_mb: float = 2048.0
    # Transcriptions run at once in this process; 1 suits a small machine.
    workers: int = 1
    # A running job whose worker has not reported for this long is taken over.
    job_lease_seconds: float = 60.0
    session_days: float = 14.0
    # Mark the session cookie Secure (set when the server sits behind HTTPS).
    secure_cookies: bool = False
    # Preload the models at start so the first upload does not wait for them.
    preload_models: bool = False
    # Run transcriptions on a Ray cluster ("local", "auto", "ray://host:10001"); one
    # actor per worker thread, each using this many CPUs. None: in this process.
    ray_address: str | None = None
    ray_cpus_per_job: float = 1.0
    # Minutes written after each transcription (and on request): extractive needs no
    # model; openai talks to any OpenAI-compatible server; llama runs a local GGUF.
    llm_backend: str = "extractive"
    llm_base_url: str = "http://127.0.0.1:11434/v1"
    llm_model: str = "llama3.1"
    llm_api_key: str = "none"
    llm_gguf: str | None = None
    minutes_language: str = "auto"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL, with the driver minutes installs for PostgreSQL."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'minutes.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    def minutes_options(
        self, backend: str | None = None, language: str | None = None, title: str | None = None
    ) -> MinutesOptions:
        """Options for writing minutes: the server's defaults, overridden per request."""
        from minutes.minutes.summarize import LLMOptions, MinutesOptions

        return MinutesOptions(
            backend=backend or self.llm_backend,
            language=language or self.minutes_language,
            title=title,
            llm=LLMOptions(
                base_url=self.llm_base_url,
                model=self.llm_model,
                api_key=self.llm_api_key,
                gguf_path=self.llm_gguf,
            ),
        )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

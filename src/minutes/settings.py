"""Process-wide settings, read once from the environment (``MINUTES_*``) when asked for."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "minutes"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minutes"


class Settings(BaseSettings):
    """Where minutes keeps assembled models and user data."""

    model_config = SettingsConfigDict(env_prefix="MINUTES_", extra="ignore")

    cache_dir: Path = Field(default_factory=default_cache_dir)
    data_dir: Path = Field(default_factory=default_data_dir)
    # Extra directories searched for model folders by name (``models/<name>/model.bin``).
    model_dirs: list[Path] = Field(default_factory=list)
    # A pyannote segmentation-3.0 checkpoint (file or folder) to use instead of the
    # embedded copy, and CAM++ weights (3D-Speaker state dict) likewise.
    segmentation_model: Path | None = None
    speaker_model: Path | None = None
    # Hugging Face cache to look in for hub names (None: the hub's own default).
    hf_cache_dir: Path | None = None

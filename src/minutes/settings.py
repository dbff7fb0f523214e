"""Process-wide settings, read once from the environment (``MINUTES_*``) when asked for."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

SETTINGS_CLASSES = ("Settings", "ServerSettings")  # their validation errors name variables


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
    # embedded copy.
    segmentation_model: Path | None = None
    # A speaker model instead of the embedded CAM++: an ONNX file that reads filterbanks
    # (WeSpeaker, sherpa-onnx), a folder or cached hub repo holding one, or CAM++ weights
    # (3D-Speaker state dict). ``speaker_threshold`` is its merge distance (cosine; the
    # diarizer searches around it per meeting), ``speaker_window`` its filterbank window,
    # and ``voiceprint_threshold`` the similarity at which a speaker takes an enrolled name.
    speaker_model: Path | None = None
    speaker_threshold: float | None = Field(default=None, gt=0.0, lt=2.0)
    speaker_window: Literal["povey", "hamming"] | None = None
    # The cosine similarity at which a speaker takes an enrolled name, for that model
    # (bench/voiceprint_bench.py measures its false accepts).
    voiceprint_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    # Hugging Face cache to look in for hub names (None: the hub's own default).
    hf_cache_dir: Path | None = None


def settings_problem(error: Exception) -> str | None:
    """A bad ``MINUTES_*`` variable as the variables to fix, one sentence each; None when
    ``error`` is not about the settings."""
    if isinstance(error, SettingsError):  # a list or other JSON-valued setting
        found = re.search(r'field "(\w+)"', str(error))
        name = f"MINUTES_{found.group(1)}".upper() if found else "a MINUTES_* variable"
        return f'{name} cannot be read (it takes JSON, e.g. ["/models"]). Fix or unset it.'
    if not isinstance(error, ValidationError) or error.title not in SETTINGS_CLASSES:
        return None
    parts = []
    for problem in error.errors():
        field = problem["loc"][0] if problem["loc"] else ""
        name = f"MINUTES_{field}".upper()
        got = problem.get("input")
        parts.append(f"{name}={got!s}: {problem['msg']}." if got is not None else name)
    return " ".join(parts) + " Fix or unset it and try again."

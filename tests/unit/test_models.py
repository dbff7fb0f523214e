"""The model registry: assembly, checksums, local paths, and offline failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from minutes.errors import ModelIntegrityError, ModelNotFoundError
from minutes.models import EMBEDDED, ModelRegistry, sha256_file
from minutes.settings import Settings


def test_base_is_assembled_once_and_verified(tmp_path: Path) -> None:
    reg = ModelRegistry(Settings(cache_dir=tmp_path))
    d = reg.whisper_dir("base")
    assert (d / "model.bin").stat().st_size > 100_000_000
    assert sha256_file(d / "model.bin") == EMBEDDED["base"].sha256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (d / name).is_file()
    mtime = (d / "model.bin").stat().st_mtime_ns
    assert reg.whisper_dir("base") == d
    assert (d / "model.bin").stat().st_mtime_ns == mtime  # reused, not rebuilt


def test_a_swapped_model_file_is_rebuilt(tmp_path: Path) -> None:
    reg = ModelRegistry(Settings(cache_dir=tmp_path))
    d = reg.whisper_dir("base")
    (d / "model.bin").write_bytes(b"truncated")
    reg.whisper_dir("base")
    assert sha256_file(d / "model.bin") == EMBEDDED["base"].sha256


def test_checksum_mismatch_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    import minutes.models as models

    broken = dict(models.EMBEDDED) | {"base": replace(models.EMBEDDED["base"], sha256="0" * 64)}
    monkeypatch.setattr(models, "EMBEDDED", broken)
    with pytest.raises(ModelIntegrityError, match="sha256"):
        ModelRegistry(Settings(cache_dir=tmp_path)).whisper_dir("base")
    assert not list((tmp_path / "models" / "base").glob("*.tmp"))


def test_tiny_en_comes_from_its_package(tmp_path: Path) -> None:
    d = ModelRegistry(Settings(cache_dir=tmp_path)).whisper_dir("tiny.en")
    assert sha256_file(d / "model.bin") == EMBEDDED["tiny.en"].sha256


def test_local_directory(tmp_path: Path) -> None:
    reg = ModelRegistry(Settings(cache_dir=tmp_path))
    assert reg.whisper_dir(str(reg.whisper_dir("tiny.en"))).is_dir()
    with pytest.raises(ModelNotFoundError, match=r"no model\.bin"):
        reg.whisper_dir(str(tmp_path))


@pytest.mark.parametrize("name", ["large-v3", "Systran/faster-whisper-small", "no-such-model"])
def test_absent_models_fail_in_one_sentence(tmp_path: Path, name: str, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings(cache_dir=tmp_path, hf_cache_dir=tmp_path / "hf")
    with pytest.raises(ModelNotFoundError) as info:
        ModelRegistry(settings).whisper_dir(name)
    message = str(info.value)
    assert name in message
    assert "\n" not in message


def test_model_dirs_setting(tmp_path: Path) -> None:
    reg = ModelRegistry(Settings(cache_dir=tmp_path))
    src = reg.whisper_dir("tiny.en")
    (tmp_path / "mine" / "tiny-copy").mkdir(parents=True)
    for f in src.iterdir():
        (tmp_path / "mine" / "tiny-copy" / f.name).symlink_to(f)
    reg2 = ModelRegistry(Settings(cache_dir=tmp_path, model_dirs=[tmp_path / "mine"]))
    assert reg2.whisper_dir("tiny-copy") == tmp_path / "mine" / "tiny-copy"
    assert ("tiny-copy", "asr", "ready", str(tmp_path / "mine" / "tiny-copy")) in reg2.available()


def test_hub_name_resolves_from_the_local_cache(tmp_path: Path, monkeypatch) -> None:
    """A hub name already in the Hugging Face cache loads offline (packaged tiny.en
    laid out as the hub cache would hold it)."""
    reg = ModelRegistry(Settings(cache_dir=tmp_path, hf_cache_dir=tmp_path / "hf" / "hub"))
    src = reg.whisper_dir("tiny.en")
    repo = tmp_path / "hf" / "hub" / "models--Systran--faster-whisper-tiny.en"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    for f in src.iterdir():
        (snapshot / f.name).symlink_to(f)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("Systran/faster-whisper-tiny.en",):
        d = reg.whisper_dir(name)
        assert d == snapshot
        assert (d / "model.bin").is_file()

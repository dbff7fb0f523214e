"""A speaker encoder: a network that turns filterbank frames into one voice embedding.

Every encoder minutes runs reads Kaldi filterbanks (stages/fbank) with the mean removed
per embedded stretch and pools over any number of frames, so one embedding can summarise
exactly the frames a local speaker was heard alone. What differs between models is the
network, the analysis window they were trained on, their vector size and the cosine
distance at which two embeddings stop being one voice — all carried here, so the
diarizer and the voiceprints work with whichever model is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from minutes.stages.fbank import Window, fbank, frame_centres

if TYPE_CHECKING:
    from minutes.models import ModelRegistry
    from minutes.stages.onnx_export import Runner

MIN_FRAMES = 50  # half a second: below this an embedding is mostly noise


class SpeakerEncoder:
    """Unit-length voice embeddings for arbitrary stretches of filterbank frames."""

    def __init__(
        self,
        run: Runner,  # (1, frames, 80) filterbanks -> (1, dimension)
        dimension: int,
        model_id: str,
        *,
        window: Window = "povey",
        merge_distance: float,
        match_similarity: float,
        runtime: str = "",
    ) -> None:
        """``model_id`` names the weights (voiceprints made by one model are not compared
        with another's); ``merge_distance`` is the cosine distance around which the
        diarizer looks for each meeting's clustering threshold; ``match_similarity`` the
        cosine similarity at which a speaker takes an enrolled person's name."""
        self._run = run
        self.dimension = dimension
        self.model_id = model_id
        self.window = window
        self.merge_distance = merge_distance
        self.match_similarity = match_similarity
        self.runtime = runtime

    def features(self, samples: np.ndarray) -> np.ndarray:
        """The model's filterbank frames (frames × 80) for 16 kHz samples."""
        return fbank(samples, self.window)

    @staticmethod
    def frame_centres(n: int) -> np.ndarray:
        return frame_centres(n)

    def embed(self, features: np.ndarray) -> np.ndarray | None:
        """Unit-length embedding of these frames, or None when there are too few."""
        if len(features) < MIN_FRAMES:
            return None
        x = features - features.mean(axis=0, keepdims=True)
        v = np.asarray(self._run(x[None].astype(np.float32))).reshape(-1)
        norm = float(np.linalg.norm(v))
        return (v / norm).astype(np.float32) if norm > 0 and np.isfinite(norm) else None

    def embed_samples(self, samples: np.ndarray) -> np.ndarray | None:
        """Embedding of a whole stretch of audio (None when shorter than half a second)."""
        return self.embed(self.features(samples))


def load_speaker_encoder(registry: ModelRegistry) -> SpeakerEncoder:
    """The configured speaker model (settings ``speaker_model``), else the embedded CAM++.

    An ``.onnx`` file is read as a filterbank speaker model (stages/embed_onnx); any other
    file as CAM++ weights. A plugged model's merge distance is ``speaker_threshold`` and
    its naming similarity ``voiceprint_threshold`` when set, else CAM++'s;
    bench/threshold_sweep.py and bench/voiceprint_bench.py measure the right ones for it.
    """
    from minutes.options import VOICEPRINT_THRESHOLD
    from minutes.stages.embed_campp import MERGE_DISTANCE, CamppEmbedder

    settings = registry.settings
    path = registry.speaker_model_path()
    model_id = registry.speaker_model_id(path)
    distance = settings.speaker_threshold or MERGE_DISTANCE
    similarity = settings.voiceprint_threshold or VOICEPRINT_THRESHOLD
    if path.suffix.lower() == ".onnx":
        from minutes.stages.embed_onnx import OnnxSpeakerEncoder

        return OnnxSpeakerEncoder(path, model_id, distance, similarity, settings.speaker_window)
    return CamppEmbedder(
        path,
        registry.onnx_dir,
        model_id=model_id,
        merge_distance=distance,
        match_similarity=similarity,
    )

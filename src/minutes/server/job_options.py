"""The options stored with a meeting (JSON knobs), and what the owner adds when its
job runs: their global glossary and their enrolled voices."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from minutes.errors import MinutesError, OptionsError
from minutes.glossary import Glossary
from minutes.options import PipelineOptions
from minutes.server.tables import GlossaryRow, VoiceprintRow
from minutes.voiceprints import Voiceprint

log = logging.getLogger("minutes.server.job_options")


OPTION_KEYS = (
    "language",
    "model",
    "num_speakers",
    "min_speakers",
    "max_speakers",
    "diarization",
    "script",
    "prompt",
    "glossary",
    # Voices named for this meeting only ({"name", "vector", "seconds", "model"}: the OpenAI
    # endpoint's known speakers); the owner's enrolled voices are added when it runs.
    "voiceprints",
)


def options_to_json(knobs: dict[str, Any]) -> str:
    return json.dumps({k: knobs[k] for k in OPTION_KEYS if k in knobs}, ensure_ascii=False)


def options_from_json(text: str, standing: Glossary | None = None) -> PipelineOptions:
    """Pipeline options from the knobs stored with a meeting (validated again), with the
    meeting's glossary laid over the owner's global one (``standing``)."""
    from minutes import glossary as glossary_mod
    from minutes.api import build_options

    knobs: dict[str, Any] = json.loads(text or "{}")
    terms = knobs.pop("glossary", None)
    prints = _voiceprints(knobs.pop("voiceprints", None) or [])
    gloss = glossary_mod.parse(terms, "glossary") if terms else glossary_mod.Glossary()
    options = build_options(glossary=gloss.over(standing or glossary_mod.Glossary()), **knobs)
    return replace(options, voiceprints=prints) if prints else options


def _voiceprints(items: list[Any]) -> tuple[Voiceprint, ...]:
    try:
        return tuple(
            Voiceprint(
                str(p["name"]),
                tuple(float(x) for x in p["vector"]),
                float(p["seconds"]),
                model=str(p.get("model") or ""),
            )
            for p in items
        )
    except (KeyError, TypeError, ValueError) as e:
        raise OptionsError(f"voiceprints: each needs a name, a vector and seconds ({e}).") from e


def validate_options(knobs: dict[str, Any]) -> dict[str, Any]:
    """Reject bad knobs at upload time rather than when the job runs."""
    options_from_json(options_to_json(knobs))
    return knobs


def owner_voiceprints(s: Any, owner_id: int) -> tuple[Voiceprint, ...]:
    """The voices a user enrolled, for naming the speakers of their new meetings."""
    rows = s.scalars(select(VoiceprintRow).where(VoiceprintRow.owner_id == owner_id)).all()
    return tuple(
        Voiceprint(
            r.name, tuple(float(x) for x in json.loads(r.vector)), r.seconds, model=r.model or ""
        )
        for r in rows
    )


def owner_glossary(s: Any, owner_id: int) -> Glossary:
    """The user's global glossary, applied to each of their meetings."""
    from minutes import glossary as glossary_mod

    row = s.get(GlossaryRow, owner_id)
    if row is None or not row.text.strip():
        return glossary_mod.Glossary()
    try:
        return glossary_mod.parse(row.text, "global glossary")
    except MinutesError:
        # Checked when saved; only a stricter later version could refuse it. The
        # meeting is still transcribed, without it.
        log.warning("user %s: stored global glossary no longer parses", owner_id)
        return glossary_mod.Glossary()

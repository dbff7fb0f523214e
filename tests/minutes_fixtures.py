"""Transcripts written out by hand, for testing what is done with text."""

from __future__ import annotations

from minutes.types import Speaker, Transcript, Turn, Utterance


def transcript(
    lines: list[tuple[str, str]],
    language: str = "en",
    names: dict[str, str] | None = None,
    script: str = "hk",
) -> Transcript:
    utts, t, talk = [], 0.0, {}
    for i, (spk, text) in enumerate(lines):
        d = max(1.0, len(text) / 12)
        utts.append(
            Utterance(
                id=f"u{i + 1:04d}", start=t, end=t + d, speaker=spk, text=text, language=language
            )
        )
        talk[spk] = talk.get(spk, 0.0) + d
        t += d + 0.5
    order = list(dict.fromkeys(s for s, _ in lines))
    speakers = tuple(
        Speaker(s, (names or {}).get(s, f"Speaker {i + 1}"), talk[s]) for i, s in enumerate(order)
    )
    return Transcript(
        tuple(utts),
        tuple(Turn(u.start, u.end, u.speaker) for u in utts),
        speakers,
        t,
        language,
        metadata={"options": {"script": script}},
    )

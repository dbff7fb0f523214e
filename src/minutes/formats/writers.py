"""One small writer class per export format."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from minutes.formats.base import clock, timestamp
from minutes.types import Transcript, Utterance

LANGUAGE_NAMES = {"yue": "Cantonese", "zh": "Mandarin", "en": "English", "mixed": "Mixed"}


class JsonWriter:
    """The versioned transcript schema (docs/schema.md)."""

    extension = "json"

    def render(self, transcript: Transcript) -> str:
        return json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2) + "\n"


class TextWriter:
    """One line per utterance: ``[H:MM:SS] Speaker: text``."""

    extension = "txt"

    def render(self, transcript: Transcript) -> str:
        return "".join(
            f"[{clock(u.start)}] {transcript.speaker_name(u.speaker)}: {line_text(transcript, u)}\n"
            for u in transcript.utterances
        )


class MarkdownWriter:
    """A readable transcript with a header of speakers and languages."""

    extension = "md"

    def render(self, transcript: Transcript) -> str:
        lines = [f"# Transcript: {_md(title_of(transcript))}", ""]
        lines += [f"- {line}" for line in header(transcript, _md)]
        lines.append("")
        note = unclear_note(transcript)
        if note:
            lines += [note.replace("(unclear audio)", "*(unclear audio)*"), ""]
        for u in transcript.utterances:
            name = _md(transcript.speaker_name(u.speaker))
            lines.append(f"**{name}** [{clock(u.start)}] *{u.language}*  ")
            if u.heard:
                lines.append(_md(u.text) + (" *(unclear audio)*" if u.unclear else ""))
            else:
                lines.append(f"*{_md(line_text(transcript, u))}*")
            lines.append("")
        return "\n".join(lines)


def title_of(transcript: Transcript) -> str:
    """The recording's file name, which names the meeting in readable exports."""
    return transcript.source.replace("\\", "/").rsplit("/", 1)[-1] or "Meeting"


def header(transcript: Transcript, escape: Callable[[str], str] = str) -> list[str]:
    """Duration, languages and speakers: what a readable export opens with."""
    lines = [f"Duration: {clock(transcript.duration)}"]
    if transcript.language_share:
        share = ", ".join(
            f"{LANGUAGE_NAMES.get(k, k)} {v:.0%}" for k, v in transcript.language_share.items()
        )
        lines.append(f"Languages: {share}")
    if transcript.speakers:
        talk = ", ".join(f"{escape(s.name)} ({clock(s.talk_time)})" for s in transcript.speakers)
        lines.append(f"Speakers: {talk}")
    return lines


def unclear_note(transcript: Transcript) -> str | None:
    """A reminder to check the lines the recogniser was unsure of, if there are any."""
    unclear = sum(u.unclear for u in transcript.utterances)
    if not unclear:
        return None
    return (
        f"Lines marked (unclear audio) ({unclear}) were probably misheard: "
        "check them against the recording."
    )


class SrtWriter:
    extension = "srt"

    def __init__(self, speaker_labels: bool = True) -> None:
        self.speaker_labels = speaker_labels

    def render(self, transcript: Transcript) -> str:
        blocks = []
        for i, u in enumerate((u for u in transcript.utterances if u.heard), 1):
            label = f"[{transcript.speaker_name(u.speaker)}] " if self.speaker_labels else ""
            blocks.append(
                f"{i}\n{timestamp(u.start)} --> {timestamp(u.end)}\n{label}{_one_line(u.text)}\n"
            )
        return "\n".join(blocks)


class VttWriter:
    extension = "vtt"

    def __init__(self, speaker_labels: bool = True) -> None:
        self.speaker_labels = speaker_labels

    def render(self, transcript: Transcript) -> str:
        out = ["WEBVTT", ""]
        for u in transcript.utterances:
            if not u.heard:
                continue  # a subtitle with nothing to read
            name = transcript.speaker_name(u.speaker).replace(">", "")
            voice = f"<v {name}>" if self.speaker_labels else ""
            out.append(f"{timestamp(u.start, '.')} --> {timestamp(u.end, '.')}")
            out.append(f"{voice}{_vtt(_one_line(u.text))}")
            out.append("")
        return "\n".join(out)


class RttmWriter:
    """NIST RTTM speaker turns (overlapping turns allowed), uri = input stem."""

    extension = "rttm"

    def render(self, transcript: Transcript) -> str:
        uri = (
            re.sub(r"\s+", "_", transcript.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "meeting"
        )
        return "".join(
            f"SPEAKER {uri} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
            for t in transcript.turns
        )


def line_text(transcript: Transcript, u: Utterance) -> str:
    """What a reader sees for line ``u``: its text, or for an interjection heard only
    over someone else, who it talked over."""
    if u.heard:
        return u.text
    over = f" over {transcript.speaker_name(u.over)}" if u.over else ""
    return f"(spoke{over}; words not recognised)"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md(text: str) -> str:
    # Transcripts are untrusted: neutralise Markdown/HTML control characters.
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)

"""``POST /v1/audio/transcriptions``, shaped like OpenAI's, so existing clients work.

The request becomes an ordinary meeting and job (owned by the token's user, marked
``origin=openai``), so it waits its turn in the same queue and shows in the user's list.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from minutes.assemble import join_words
from minutes.audio import decode
from minutes.errors import InputError
from minutes.formats.writers import SrtWriter, VttWriter
from minutes.server import meetings
from minutes.server.context import Ctx, User, speech_engines
from minutes.server.routes.meetings import create_meeting
from minutes.server.tables import Job, Meeting
from minutes.types import Transcript, Utterance, Word
from minutes.voiceprints import Voiceprint, enrol

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

RESPONSE_FORMATS = ("json", "text", "srt", "vtt", "verbose_json", "diarized_json")
# Known speakers per request: OpenAI takes up to four, of 2–10 s each.
MAX_KNOWN_SPEAKERS = 8
KNOWN_SPEAKER_MIN_SECONDS = 2.0
KNOWN_SPEAKER_MAX_SECONDS = 30.0
# A reference is a base64 data URL in a form field, where Starlette's default cap is
# 1 MiB (about 24 s of 16 kHz WAV). 30 s of 48 kHz stereo WAV is 7.7 MB in base64.
REFERENCE_FIELD_BYTES = 8 * 1024 * 1024
LANGUAGES = {
    "en": "en",
    "zh": "zh",
    "yue": "yue",
    "english": "en",
    "chinese": "zh",
    "cantonese": "yue",
    "mandarin": "zh",
    "zh-hk": "yue",
    "zh-cn": "zh",
    "zh-tw": "zh",
}
LANGUAGE_NAMES = {"en": "english", "zh": "chinese", "yue": "cantonese"}
MODELS = ("base", "tiny.en")


@router.get("/models")
def list_models(_user: User) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "owned_by": "minutes"} for m in ("whisper-1", *MODELS)
        ],
    }


@router.post(
    "/audio/transcriptions",
    response_model=None,
    form_limits={"max_part_size": REFERENCE_FIELD_BYTES},
)
async def transcriptions(
    ctx: Ctx,
    user: User,
    file: Annotated[UploadFile, File()],
    model: Annotated[str, Form(max_length=100)] = "whisper-1",
    language: Annotated[str | None, Form(max_length=16)] = None,
    prompt: Annotated[str | None, Form(max_length=1000)] = None,
    response_format: Annotated[str, Form(max_length=16)] = "json",
    temperature: Annotated[float | None, Form()] = None,
    granularities: Annotated[list[str] | None, Form(alias="timestamp_granularities[]")] = None,
    speaker_names: Annotated[list[str] | None, Form(alias="known_speaker_names[]")] = None,
    speaker_references: Annotated[
        list[str] | None, Form(alias="known_speaker_references[]")
    ] = None,
) -> Response:
    """Transcribe one file and answer when done (``whisper-1`` means the default model).

    ``diarized_json`` (or a model whose name says ``diarize``) runs speaker diarization:
    segments carry a speaker, named where it is one of the ``known_speaker_names[]``
    (voices given as data URLs in ``known_speaker_references[]``) or one the user
    enrolled, and lettered A, B, … otherwise.
    """
    if response_format not in RESPONSE_FORMATS:
        raise HTTPException(400, f"response_format must be one of {', '.join(RESPONSE_FORMATS)}.")
    diarize = response_format == "diarized_json" or "diarize" in model.lower()
    knobs: dict[str, Any] = {
        "language": _language(language),
        "diarization": diarize,
        "model": model if model in MODELS else "base",
    }
    if prompt:
        knobs["prompt"] = prompt
    if speaker_names or speaker_references:
        prints = await run_in_threadpool(
            _known_speakers, ctx, speaker_names or [], speaker_references or []
        )
        knobs["voiceprints"] = [
            {"name": p.name, "vector": list(p.vector), "seconds": p.seconds} for p in prints
        ]
        knobs["diarization"] = True
    meeting, job_id = await run_in_threadpool(
        create_meeting, ctx, user.id, file, knobs, origin="openai"
    )
    job = await _wait(ctx, job_id)
    if job.status != "done":
        raise HTTPException(
            500 if job.status == "failed" else 409,
            f"Transcription {job.status}: {job.message or 'no reason given'}",
        )
    transcript = await run_in_threadpool(_transcript, ctx, user.id, meeting.id)
    return _render(transcript, response_format, set(granularities or ["segment"]))


def _known_speakers(ctx: Ctx, names: list[str], references: list[str]) -> list[Voiceprint]:
    """Voiceprints for this request's known speakers; 400 naming the one that is wrong."""
    if len(names) != len(references):
        raise HTTPException(
            400,
            f"known_speaker_names[] ({len(names)}) and known_speaker_references[] "
            f"({len(references)}) must pair up one to one.",
        )
    if len(names) > MAX_KNOWN_SPEAKERS:
        raise HTTPException(400, f"At most {MAX_KNOWN_SPEAKERS} known speakers per request.")
    engines = speech_engines(ctx, "Known speakers")
    prints = []
    for i, (name, reference) in enumerate(zip(names, references, strict=True)):
        field = f"known_speaker_references[{i}] ({name[:40]!r})"
        try:
            audio = decode(io.BytesIO(_data_url(reference, field)), name=field)
        except InputError as e:
            # A 400 for this field (chaining the error would answer as the upload's).
            raise HTTPException(400, str(e)) from None
        if audio.duration > KNOWN_SPEAKER_MAX_SECONDS:
            raise HTTPException(
                400,
                f"{field}: {audio.duration:.0f} s long; a reference of 2–10 s of the "
                "person alone is enough.",
            )
        try:
            prints.append(
                enrol(
                    name,
                    engines.speaker_encoder,
                    audio,
                    engines.vad.detect(audio),
                    min_seconds=KNOWN_SPEAKER_MIN_SECONDS,
                )
            )
        except InputError as e:  # too little speech, two voices, a bad name
            raise HTTPException(400, f"{field}: {e}") from None
    return prints


def _data_url(value: str, field: str) -> bytes:
    """The bytes of a base64 ``data:`` URL (the only kind of reference OpenAI takes)."""
    head, sep, payload = value.partition(",")
    if not head.lower().startswith("data:") or not sep or ";base64" not in head.lower():
        raise HTTPException(400, f"{field}: not a base64 data URL (data:audio/wav;base64,…).")
    try:
        return base64.b64decode(payload, validate=True)
    except binascii.Error as e:
        raise HTTPException(400, f"{field}: the base64 data is damaged ({e}).") from e


def _language(value: str | None) -> str:
    if not value:
        return "auto"
    code = LANGUAGES.get(value.strip().lower())
    if code is None:
        raise HTTPException(400, f"language {value!r} is not supported; use en, zh or yue.")
    return code


async def _wait(ctx: Ctx, job_id: int) -> Job:
    def poll() -> Job | None:
        with ctx.db.session() as s:
            return s.get(Job, job_id)

    while True:
        job = await run_in_threadpool(poll)
        if job is None:
            raise HTTPException(409, "The transcription was deleted before it finished.")
        if job.status in ("done", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.25)


def _transcript(ctx: Ctx, owner_id: int, meeting_id: str) -> Transcript:
    with ctx.db.session() as s:
        m: Meeting = meetings.get(s, owner_id, meeting_id)
        t = meetings.load_transcript(s, m)
    if t is None:
        raise HTTPException(500, "The transcription finished without a transcript.")
    return t


SENTENCE_END = tuple(".?!。？！")
PAUSE = 1.0  # seconds of silence that end a subtitle segment
MAX_SEGMENT = 15.0


def sentences(t: Transcript) -> Transcript:
    """The transcript cut into sentence-sized utterances, as Whisper's segments are.

    Without diarization a whole monologue is one utterance; subtitles and clients that
    expect OpenAI's segments want sentences. Cuts fall at sentence punctuation, pauses
    and speaker changes, between words.
    """
    out: list[Utterance] = []
    for u in t.utterances:
        if not u.words:
            out.append(replace(u, id=f"s{len(out)}"))
            continue
        group: list[Word] = []
        for i, w in enumerate(u.words):
            group.append(w)
            nxt = u.words[i + 1] if i + 1 < len(u.words) else None
            if (
                nxt is None
                or w.text.rstrip().endswith(SENTENCE_END)
                or nxt.start - w.end > PAUSE
                or nxt.end - group[0].start > MAX_SEGMENT
            ):
                text = join_words(group)
                out.append(
                    replace(
                        u,
                        id=f"s{len(out)}",
                        start=group[0].start,
                        end=w.end,
                        text=text,
                        words=tuple(group),
                    )
                )
                group = []
    return replace(t, utterances=tuple(out))


def _render(t: Transcript, fmt: str, granularities: set[str]) -> Response:
    # OpenAI's clients read text: interjections heard only over someone have none.
    t = replace(t, utterances=tuple(u for u in t.utterances if u.heard))
    text = _text(t)
    if fmt == "text":
        return PlainTextResponse(text)
    t = sentences(t)
    if fmt == "srt":
        return PlainTextResponse(SrtWriter(speaker_labels=False).render(t))
    if fmt == "vtt":
        return PlainTextResponse(VttWriter(speaker_labels=False).render(t), media_type="text/vtt")
    if fmt == "json":
        return JSONResponse({"text": text})
    if fmt == "diarized_json":
        labels = speaker_labels(t)
        return JSONResponse(
            {
                "task": "transcribe",
                "duration": round(t.duration, 3),
                "text": text,
                "segments": [
                    {
                        "type": "transcript.text.segment",
                        "id": f"seg_{i:03d}",
                        "start": u.start,
                        "end": u.end,
                        "text": u.text,
                        "speaker": labels.get(u.speaker, u.speaker),
                    }
                    for i, u in enumerate(t.utterances)
                ],
                "usage": {"type": "duration", "seconds": round(t.duration, 3)},
            }
        )
    body: dict[str, Any] = {
        "task": "transcribe",
        "language": LANGUAGE_NAMES.get(t.language, t.language or "unknown"),
        "duration": round(t.duration, 3),
        "text": text,
    }
    if "segment" in granularities:
        body["segments"] = [
            {
                "id": i,
                "seek": 0,
                "start": u.start,
                "end": u.end,
                "text": u.text,
                "tokens": [],
                "temperature": 0.0,
                "avg_logprob": 0.0,
                "compression_ratio": 0.0,
                "no_speech_prob": 0.0,
            }
            for i, u in enumerate(t.utterances)
        ]
    if "word" in granularities:
        body["words"] = [
            {"word": w.text.strip(), "start": w.start, "end": w.end}
            for u in t.utterances
            for w in u.words
        ]
    return JSONResponse(body)


def speaker_labels(t: Transcript) -> dict[str, str]:
    """OpenAI's speaker labels: the name of a voice recognised from a voiceprint, else
    A, B, … in the order people first speak."""
    named = {m["speaker"]: m["name"] for m in t.metadata.get("voiceprints", [])}
    labels: dict[str, str] = {}
    for u in t.utterances:
        if u.speaker not in labels:
            labels[u.speaker] = named.get(u.speaker) or _letters(
                sum(s not in named for s in labels)
            )
    return labels


def _letters(i: int) -> str:
    # A … Z, then AA, AB, …
    return _letters(i // 26 - 1) + chr(65 + i % 26) if i >= 26 else chr(65 + i)


def _text(t: Transcript) -> str:
    # Chinese utterances join without spaces; anything else with one.
    out = ""
    for u in t.utterances:
        if out and not (_cjk(out[-1]) and _cjk(u.text[:1])):
            out += " "
        out += u.text
    return out


def _cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef")

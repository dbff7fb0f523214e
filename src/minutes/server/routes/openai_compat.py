"""``POST /v1/audio/transcriptions``, shaped like OpenAI's, so existing clients work.

The request becomes an ordinary meeting and job (owned by the token's user, marked
``origin=openai``), so it waits its turn in the same queue and shows in the user's list.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
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
STREAM_FORMATS = ("json", "text", "diarized_json")
FINISHED = ("done", "failed", "cancelled")
KEEPALIVE = 1.0  # seconds between comment lines while a streamed job runs
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
    stream: Annotated[bool, Form()] = False,
) -> Response:
    """Transcribe one file and answer when done (``whisper-1`` means the default model).

    ``diarized_json`` (or a model whose name says ``diarize``) runs speaker diarization:
    segments carry a speaker, named where it is one of the ``known_speaker_names[]``
    (voices given as data URLs in ``known_speaker_references[]``) or one the user
    enrolled, and lettered A, B, … otherwise.

    ``stream=true`` answers with OpenAI's server-sent events: a comment line each second
    while the job runs, then a ``transcript.text.delta`` per sentence (and, diarized, a
    ``transcript.text.segment``), then ``transcript.text.done``. The recording is
    transcribed whole first, so the deltas come together at the end.
    """
    if response_format not in RESPONSE_FORMATS:
        raise HTTPException(400, f"response_format must be one of {', '.join(RESPONSE_FORMATS)}.")
    if stream and response_format not in STREAM_FORMATS:
        raise HTTPException(
            400, f"stream=true works with response_format {', '.join(STREAM_FORMATS)}."
        )
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
            {"name": p.name, "vector": list(p.vector), "seconds": p.seconds, "model": p.model}
            for p in prints
        ]
        knobs["diarization"] = True
    meeting, job_id = await run_in_threadpool(
        create_meeting, ctx, user.id, file, knobs, origin="openai"
    )
    if stream:
        return StreamingResponse(
            _stream(ctx, user.id, meeting.id, job_id, response_format == "diarized_json"),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    transcript = await _finished(ctx, user.id, meeting.id, job_id)
    return _render(transcript, response_format, set(granularities or ["segment"]))


async def _finished(ctx: Ctx, owner_id: int, meeting_id: str, job_id: int) -> Transcript:
    """The transcript once the job is done; an error saying why when it is not."""
    async for job in _watch(ctx, job_id):
        if job.status in FINISHED:
            break
    if job.status != "done":
        raise HTTPException(
            500 if job.status == "failed" else 409,
            f"Transcription {job.status}: {job.message or 'no reason given'}",
        )
    return await run_in_threadpool(_transcript, ctx, owner_id, meeting_id)


async def _stream(
    ctx: Ctx, owner_id: int, meeting_id: str, job_id: int, diarized: bool
) -> AsyncIterator[str]:
    """The job's server-sent events: comment lines while it runs (so that no proxy
    closes a quiet connection), then the transcript's events, or an error event that
    OpenAI's clients raise."""
    last = time.monotonic()
    try:
        async for job in _watch(ctx, job_id):
            if job.status in FINISHED:
                break
            if time.monotonic() - last >= KEEPALIVE:
                last = time.monotonic()
                yield f": {job.stage or job.status} {job.progress:.0%}\n\n"
        transcript = await _finished(ctx, owner_id, meeting_id, job_id)
    except HTTPException as e:
        yield _sse({"error": {"message": e.detail, "type": "server_error"}})
        return
    for event in stream_events(transcript, diarized):
        yield _sse(event)


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream_events(t: Transcript, diarized: bool) -> list[dict[str, Any]]:
    """OpenAI's streaming events for a finished transcript: one delta per sentence,
    whose concatenation is the done event's text."""
    t = sentences(_heard(t))
    labels = speaker_labels(t) if diarized else {}
    pieces = _pieces([u.text for u in t.utterances])
    events: list[dict[str, Any]] = []
    for i, (u, delta) in enumerate(zip(t.utterances, pieces, strict=True)):
        if diarized:
            events.append(
                {"type": "transcript.text.delta", "delta": delta, "segment_id": f"seg_{i:03d}"}
            )
            events.append(_segment(i, u, labels))
        else:
            events.append({"type": "transcript.text.delta", "delta": delta})
    events.append({"type": "transcript.text.done", "text": "".join(pieces)})
    return events


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


async def _watch(ctx: Ctx, job_id: int) -> AsyncIterator[Job]:
    """The job four times a second, until it has finished."""

    def poll() -> Job | None:
        with ctx.db.session() as s:
            return s.get(Job, job_id)

    while True:
        job = await run_in_threadpool(poll)
        if job is None:
            raise HTTPException(409, "The transcription was deleted before it finished.")
        yield job
        if job.status in FINISHED:
            return
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
    t = _heard(t)
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
                "segments": [_segment(i, u, labels) for i, u in enumerate(t.utterances)],
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


def _heard(t: Transcript) -> Transcript:
    # OpenAI's clients read text: interjections heard only over someone have none.
    return replace(t, utterances=tuple(u for u in t.utterances if u.heard))


def _segment(i: int, u: Utterance, labels: dict[str, str]) -> dict[str, Any]:
    """One diarized segment, as in OpenAI's ``diarized_json`` and its stream."""
    return {
        "type": "transcript.text.segment",
        "id": f"seg_{i:03d}",
        "start": u.start,
        "end": u.end,
        "text": u.text,
        "speaker": labels.get(u.speaker, u.speaker),
    }


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
    return "".join(_pieces([u.text for u in t.utterances]))


def _pieces(texts: Sequence[str]) -> list[str]:
    """Each text with the separator that joins it to the ones before: nothing between
    Chinese and Chinese, one space otherwise."""
    out: list[str] = []
    last = ""
    for text in texts:
        gap = " " if last and not (_cjk(last) and _cjk(text[:1])) else ""
        out.append(gap + text)
        last = text[-1:] or last
    return out


def _cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef")

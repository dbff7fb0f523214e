"""``POST /v1/audio/transcriptions``, shaped like OpenAI's, so existing clients work.

The request becomes an ordinary meeting and job (owned by the token's user, marked
``origin=openai``), so it waits its turn in the same queue and shows in the user's list.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from minutes.assemble import join_words
from minutes.formats.writers import SrtWriter, VttWriter
from minutes.server import meetings
from minutes.server.context import Ctx, User
from minutes.server.routes.meetings import create_meeting
from minutes.server.tables import Job, Meeting
from minutes.types import Transcript, Utterance, Word

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

RESPONSE_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
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


@router.post("/audio/transcriptions", response_model=None)
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
) -> Response:
    """Transcribe one file and answer when done (``whisper-1`` means the default model)."""
    if response_format not in RESPONSE_FORMATS:
        raise HTTPException(400, f"response_format must be one of {', '.join(RESPONSE_FORMATS)}.")
    knobs: dict[str, Any] = {
        "language": _language(language),
        "diarization": False,
        "model": model if model in MODELS else "base",
    }
    if prompt:
        knobs["prompt"] = prompt
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

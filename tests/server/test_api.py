"""The REST API against a real database (SQLite and PostgreSQL) and the real pipeline."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from server.conftest import upload, wait_ready

from media import encode

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def ready_meeting(client, english_meeting_wav: Path) -> dict[str, Any]:
    r = upload(client, english_meeting_wav, client.alice, title="Budget review")
    assert r.status_code == 202, r.text
    meeting = wait_ready(client, r.json()["meeting"]["id"], client.alice)
    assert meeting["status"] == "ready", meeting
    return meeting


# -- accounts -----------------------------------------------------------------------
def test_sign_in_tokens_and_roles(client) -> None:
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    bad = client.post("/api/auth/login", json={"username": "alice", "password": "nope-nope"})
    assert bad.status_code == 401
    assert "Wrong username or password" in bad.json()["error"]["message"]
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": "whatever1"})
    assert unknown.status_code == 401

    ok = client.post("/api/auth/login", json={"username": "alice", "password": "alice-password"})
    assert ok.status_code == 200
    assert client.get("/api/me").json()["user"]["username"] == "alice"  # the cookie works
    # A write with the cookie from another site is refused.
    cross = client.post(
        "/api/tokens", json={"name": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    token = client.post("/api/tokens", json={"name": "script"}).json()["token"]
    client.post("/api/auth/logout")
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["user"] == {
        "id": me.json()["user"]["id"],
        "username": "alice",
        "is_admin": True,
    }

    # Only an admin creates users; names and passwords are checked.
    assert (
        client.post(
            "/api/users", headers=client.bob, json={"username": "eve", "password": "12345678"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/users", headers=client.alice, json={"username": "bob", "password": "another-pass"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/users", headers=client.alice, json={"username": "carol", "password": "short"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/users",
            headers=client.alice,
            json={"username": "bad name/..", "password": "long-enough"},
        ).status_code
        == 422
    )
    made = client.post(
        "/api/users", headers=client.alice, json={"username": "carol", "password": "carol-password"}
    )
    assert made.status_code == 201
    users = client.get("/api/users", headers=client.alice).json()["users"]
    assert {u["username"] for u in users} >= {"alice", "bob", "carol"}
    assert all("password" not in str(u) for u in users)


def test_passwords_are_hashed_with_argon2(client) -> None:
    from sqlalchemy import select

    from minutes.server.tables import Token, User

    with client.app.state.ctx.db.session() as s:
        hashes = s.scalars(select(User.password_hash)).all()
        tokens = s.scalars(select(Token.token_hash)).all()
    assert hashes
    assert all(h.startswith("$argon2") for h in hashes)
    assert all(len(t) == 64 and not t.startswith(("mk_", "ms_")) for t in tokens)


# -- the main flow ------------------------------------------------------------------
def test_upload_is_transcribed_with_progress(client, ready_meeting) -> None:
    m = ready_meeting
    assert m["title"] == "Budget review"
    assert m["filename"] == "budget meeting 會議.wav"
    assert m["speaker_count"] >= 2
    assert m["language"] == "en"
    assert m["job"]["status"] == "done"
    assert m["job"]["progress"] == 1.0
    t = client.get(f"/api/meetings/{m['id']}/transcript", headers=client.alice).json()
    assert t["schema_version"].startswith("1.")
    assert "budget" in " ".join(u["text"] for u in t["segments"]).lower()
    # Progress as Server-Sent Events ends with the final state.
    with client.stream("GET", f"/api/meetings/{m['id']}/events", headers=client.alice) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    assert "event: end" in body
    assert '"status": "ready"' in body


def test_minutes_are_written_with_the_transcript_and_regenerated(client, ready_meeting) -> None:
    base = f"/api/meetings/{ready_meeting['id']}"
    got = client.get(f"{base}/minutes", headers=client.alice).json()
    assert got["stale"] is False
    minutes = got["minutes"]
    assert minutes["backend"] == "extractive"
    assert minutes["title"] == "Budget review"
    send = next(a for a in minutes["action_items"] if "send the study" in a["text"])
    assert send["due"] == "by Friday"
    transcript = client.get(f"{base}/transcript", headers=client.alice).json()
    texts = {u["id"]: u["text"] for u in transcript["segments"]}
    for group in ("summary", "decisions", "action_items", "topics"):
        for item in minutes[group]:
            assert item["evidence"], (group, item)
            for e in item["evidence"]:
                assert texts[e["utterance_id"]] == e["quote"]

    speaker = send["evidence"][0]
    sid = next(u["speaker"] for u in transcript["segments"] if u["id"] == speaker["utterance_id"])
    client.patch(f"{base}/speakers/{sid}", headers=client.alice, json={"name": "Ms Lee"})
    assert client.get(f"{base}/minutes", headers=client.alice).json()["stale"] is True
    again = client.post(f"{base}/minutes", headers=client.alice, json={"language": "zh-HK"}).json()
    assert again["stale"] is False
    assert again["minutes"]["language"] == "zh-HK"
    assert any(
        e["speaker"] == "Ms Lee" for a in again["minutes"]["action_items"] for e in a["evidence"]
    )
    assert (
        client.post(f"{base}/minutes", headers=client.alice, json={"backend": "gpt"}).status_code
        == 422
    )

    docx = client.get(f"{base}/minutes/export/docx", headers=client.alice)
    assert docx.status_code == 200
    assert docx.content[:2] == b"PK"
    md = client.get(f"{base}/minutes/export/md", headers=client.alice).text
    assert "## 跟進事項" in md  # regenerated in Traditional Chinese headings
    assert client.get(f"{base}/minutes/export/pdf", headers=client.alice).status_code == 422


def test_listing_and_audio_range(client, ready_meeting) -> None:
    listing = client.get("/api/meetings", headers=client.alice).json()
    assert ready_meeting["id"] in [m["id"] for m in listing["meetings"]]
    r = client.get(
        f"/api/meetings/{ready_meeting['id']}/audio",
        headers={**client.alice, "Range": "bytes=0-99"},
    )
    assert r.status_code == 206
    assert len(r.content) == 100
    assert r.content[:4] == b"RIFF"


def test_corrections_are_saved_and_exported(client, ready_meeting) -> None:
    mid = ready_meeting["id"]
    base = f"/api/meetings/{mid}"
    t = client.get(f"{base}/transcript", headers=client.alice).json()
    first, second = t["segments"][0], t["segments"][1]

    hostile = "'); DROP TABLE meetings; -- <script>alert(1)</script> 運輸署 Transport Department"
    r = client.patch(
        f"{base}/utterances/{first['id']}", headers=client.alice, json={"text": hostile}
    )
    assert r.status_code == 200, r.text
    r = client.patch(
        f"{base}/speakers/{first['speaker']}", headers=client.alice, json={"name": "陳主席 Chair"}
    )
    assert r.status_code == 200
    assert (
        client.patch(
            f"{base}/utterances/nope", headers=client.alice, json={"text": "x"}
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"{base}/utterances/{first['id']}", headers=client.alice, json={"text": "   "}
        ).status_code
        == 422
    )
    assert (
        client.patch(
            f"{base}/speakers/SPEAKER_99", headers=client.alice, json={"name": "X"}
        ).status_code
        == 404
    )

    again = client.get(f"{base}/transcript", headers=client.alice).json()
    assert again["segments"][0]["text"] == hostile  # stored verbatim, survives reload
    assert again["segments"][0]["confidence"] == 1.0  # a person's words, not a guess
    assert any(s["name"] == "陳主席 Chair" for s in again["speakers"])

    srt = client.get(f"{base}/export/srt", headers=client.alice)
    assert srt.status_code == 200
    assert "[陳主席 Chair] '); DROP TABLE" in srt.text
    assert "attachment" in srt.headers["content-disposition"]
    md = client.get(f"{base}/export/md", headers=client.alice).text
    assert "<script>" not in md  # Markdown export neutralises markup
    for fmt in ("json", "vtt", "rttm", "txt"):
        assert client.get(f"{base}/export/{fmt}", headers=client.alice).status_code == 200
    word = client.get(f"{base}/export/docx", headers=client.alice)
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert word.headers["content-disposition"].endswith(".docx")
    from docx import Document

    lines = [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    assert any(p.startswith("陳主席 Chair ") and p.endswith(hostile) for p in lines), lines
    assert client.get(f"{base}/export/pdf", headers=client.alice).status_code == 422

    # Search: Chinese in either script, English case-insensitively, short words too.
    for q in ("运输署", "運輸署", "transport department", "署"):
        hits = client.get("/api/search", params={"q": q}, headers=client.alice).json()["hits"]
        assert [h["utterance_id"] for h in hits if h["meeting_id"] == mid] == [first["id"]], q
    assert client.get("/api/search", params={"q": "%"}, headers=client.alice).json()["hits"] == []
    assert client.get("/api/search", params={"q": ""}, headers=client.alice).status_code == 422

    # Merging moves every utterance and turn of one speaker to the other.
    if second["speaker"] != first["speaker"]:
        r = client.post(
            f"{base}/speakers/merge",
            headers=client.alice,
            json={"source": second["speaker"], "target": first["speaker"]},
        )
        assert r.status_code == 200
        merged = client.get(f"{base}/transcript", headers=client.alice).json()
        assert second["speaker"] not in {u["speaker"] for u in merged["segments"]}
        assert second["speaker"] not in {t["speaker"] for t in merged["turns"]}
        assert len(merged["speakers"]) == len(again["speakers"]) - 1


def test_a_line_is_read_again_in_the_language_it_was_spoken_in(
    client, ready_meeting, english_transcript
) -> None:
    """A line whose language was decided wrong is recognised again, from the stored
    recording, by the real model; its span and speaker stay, its words and tag change."""
    mid = ready_meeting["id"]
    base = f"/api/meetings/{mid}"
    before = client.get(f"{base}/transcript", headers=client.alice).json()
    line = before["segments"][-1]  # earlier tests correct other lines
    url = f"{base}/utterances/{line['id']}/reread"
    # What the pipeline heard there (the same recording, transcribed directly).
    heard = max(
        english_transcript.utterances,
        key=lambda u: min(u.end, line["end"]) - max(u.start, line["start"]),
    )
    said = {w.strip(".,?!").lower() for w in heard.text.split()}

    # Wrongly read (here: overwritten), then read again from the recording as English.
    client.patch(f"{base}/utterances/{line['id']}", headers=client.alice, json={"text": "嗰個"})
    r = client.post(url, headers=client.alice, json={"language": "en"})
    assert r.status_code == 200, r.text
    english = r.json()["utterance"]
    assert english["language"] == "en"
    reread = {w.strip(".,?!").lower() for w in english["text"].split()}
    assert len(said & reread) >= len(said) / 2, (heard.text, english["text"])
    assert (english["id"], english["speaker"]) == (line["id"], line["speaker"])
    assert (english["start"], english["end"]) == (line["start"], line["end"])
    assert english["words"], english
    stored = client.get(f"{base}/transcript", headers=client.alice).json()
    assert next(u for u in stored["segments"] if u["id"] == line["id"]) == english
    word = max(said & reread, key=len)
    hits = client.get("/api/search", params={"q": word}, headers=client.alice).json()["hits"]
    assert line["id"] in {h["utterance_id"] for h in hits if h["meeting_id"] == mid}, hits
    # Asked for Mandarin, Whisper may still write this clear English in English: the
    # tag then says what the text is.
    r = client.post(url, headers=client.alice, json={"language": "zh"})
    assert r.status_code == 200, r.text
    again = r.json()["utterance"]
    assert again["language"] == ("en" if again["text"].isascii() else "zh"), again

    for body, status in [({"language": "fr"}, 422), ({}, 422), ({"language": "x" * 5000}, 422)]:
        r = client.post(url, headers=client.alice, json=body)
        assert r.status_code == status, (body, r.text)
    r = client.post(f"{base}/utterances/nope/reread", headers=client.alice, json={"language": "en"})
    assert r.status_code == 404
    assert client.post(url, headers=client.bob, json={"language": "en"}).status_code == 404


def test_a_line_is_split_and_given_to_another_or_a_new_speaker(client, ready_meeting) -> None:
    mid = ready_meeting["id"]
    base = f"/api/meetings/{mid}"
    before = client.get(f"{base}/transcript", headers=client.alice).json()

    # Someone else's reply inside a line: cut it off where they start.
    longest = max(before["segments"], key=lambda u: len(u["text"]))
    at = longest["text"].index(" ", len(longest["text"]) // 2)
    r = client.post(
        f"{base}/utterances/{longest['id']}/split", headers=client.alice, json={"at": at}
    )
    assert r.status_code == 200, r.text
    head, line = r.json()["utterances"]
    assert head["id"] == longest["id"]
    assert line["id"] not in {u["id"] for u in before["segments"]}
    assert f"{head['text']} {line['text']}" == longest["text"]
    assert longest["start"] == head["start"] < head["end"] <= line["start"] < line["end"]
    assert line["end"] == longest["end"]
    split = client.get(f"{base}/transcript", headers=client.alice).json()
    assert len(split["segments"]) == len(before["segments"]) + 1
    for body, status in [({"at": 0}, 422), ({"at": 10_000}, 422), ({"at": "middle"}, 422)]:
        r = client.post(f"{base}/utterances/{line['id']}/split", headers=client.alice, json=body)
        assert r.status_code == status, (body, r.text)
    r = client.post(f"{base}/utterances/nope/split", headers=client.alice, json={"at": 1})
    assert r.status_code == 404
    owner = line["speaker"]

    # Two people heard as one: the line gets a speaker of its own, named at once.
    r = client.patch(
        f"{base}/utterances/{line['id']}", headers=client.alice, json={"new_speaker": "黃 Mary"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    new = next(sp for sp in body["speakers"] if sp["name"] == "黃 Mary")
    assert body["utterance"]["speaker"] == new["id"]
    assert new["talk_time"] > 0
    after = client.get(f"{base}/transcript", headers=client.alice).json()
    assert len(after["speakers"]) == len(split["speakers"]) + 1
    moved = next(u for u in after["segments"] if u["id"] == line["id"])
    assert {w["speaker"] for w in moved["words"]} == {new["id"]}
    mine = [t for t in after["turns"] if t["speaker"] == new["id"]]
    assert mine
    assert mine[0]["start"] == pytest.approx(line["start"], abs=0.01)
    assert f" {new['id']} " in client.get(f"{base}/export/rttm", headers=client.alice).text
    srt = client.get(f"{base}/export/srt", headers=client.alice).text
    assert "[黃 Mary]" in srt
    word = line["text"].split()[-1].strip(".,!?")
    hits = client.get("/api/search", params={"q": word}, headers=client.alice).json()["hits"]
    assert new["id"] in {h["speaker"] for h in hits if h["utterance_id"] == line["id"]}

    # Given back, the new speaker has no lines left and is gone again.
    r = client.patch(
        f"{base}/utterances/{line['id']}", headers=client.alice, json={"speaker": owner}
    )
    assert r.status_code == 200, r.text
    assert [sp["id"] for sp in r.json()["speakers"]] == [sp["id"] for sp in split["speakers"]]

    # Text and speaker in one request; bad requests say what is wrong, change nothing.
    for body, status, message in [
        ({"speaker": owner, "new_speaker": "X"}, 422, "either"),
        ({}, 422, "corrected text, or the speaker"),
        ({"speaker": "SPEAKER_99"}, 404, "No speaker 'SPEAKER_99'"),
        ({"new_speaker": "x" * 101}, 422, None),
        ({"text": "   ", "speaker": owner}, 422, "cannot be empty"),
    ]:
        r = client.patch(f"{base}/utterances/{line['id']}", headers=client.alice, json=body)
        assert r.status_code == status, (body, r.text)
        if message:
            assert message in r.json()["error"]["message"], r.text
    r = client.patch(f"{base}/utterances/nope", headers=client.alice, json={"speaker": owner})
    assert r.status_code == 404
    final = client.get(f"{base}/transcript", headers=client.alice).json()
    assert [sp["id"] for sp in final["speakers"]] == [sp["id"] for sp in split["speakers"]]
    assert next(u for u in final["segments"] if u["id"] == line["id"])["speaker"] == owner


def test_another_user_cannot_see_or_touch_a_meeting(client, ready_meeting) -> None:
    mid = ready_meeting["id"]
    for method, path, body in [
        ("GET", f"/api/meetings/{mid}", None),
        ("GET", f"/api/meetings/{mid}/transcript", None),
        ("GET", f"/api/meetings/{mid}/audio", None),
        ("GET", f"/api/meetings/{mid}/events", None),
        ("GET", f"/api/meetings/{mid}/export/srt", None),
        ("GET", f"/api/meetings/{mid}/minutes", None),
        ("POST", f"/api/meetings/{mid}/minutes", {}),
        ("GET", f"/api/meetings/{mid}/minutes/export/md", None),
        ("PATCH", f"/api/meetings/{mid}", {"title": "mine now"}),
        ("PATCH", f"/api/meetings/{mid}/utterances/u0001", {"text": "hacked"}),
        ("PATCH", f"/api/meetings/{mid}/speakers/SPEAKER_00", {"name": "hacked"}),
        ("POST", f"/api/meetings/{mid}/cancel", None),
        ("DELETE", f"/api/meetings/{mid}", None),
    ]:
        r = client.request(method, path, headers=client.bob, json=body)
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json()["error"]["message"] == "No such meeting."  # same as a missing id
    assert client.get("/api/meetings", headers=client.bob).json()["meetings"] == []
    assert (
        client.get("/api/search", params={"q": "budget"}, headers=client.bob).json()["hits"] == []
    )
    assert client.get("/api/meetings/../../etc/passwd", headers=client.bob).status_code == 404
    assert client.get(f"/api/meetings/{mid}", headers=client.alice).status_code == 200


# -- bad input ----------------------------------------------------------------------
def _media_files(client) -> set[str]:
    return {p.name for p in client.app.state.ctx.settings.media_dir.iterdir()}


def _meeting_count(client, headers) -> int:
    return client.get("/api/meetings", headers=headers).json()["total"]


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("notes.mp3", b"this is a text file, not audio" * 10, 415, "not a recording"),
        ("empty.wav", b"", 422, "empty"),
        (
            "../../../etc/passwd",
            b"root:x:0:0:root:/root:/bin/bash\n",
            415,
            "passwd: not a recording",
        ),
        ("<img src=x onerror=alert(1)>.wav", b"RIFF\x00\x00", 415, "not a recording"),
    ],
)
def test_bad_uploads_leave_nothing_behind(client, name, content, status, words) -> None:
    before_files, before = _media_files(client), _meeting_count(client, client.bob)
    r = client.post("/api/meetings", headers=client.bob, files={"file": (name, content)})
    assert r.status_code == status, r.text
    message = r.json()["error"]["message"]
    assert words in message
    assert "/media/" not in message
    assert "Traceback" not in r.text
    assert _media_files(client) == before_files
    assert _meeting_count(client, client.bob) == before


def test_oversized_upload_is_refused(client, tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    rng = np.random.default_rng(0)
    encode(big, (rng.standard_normal(16000 * 200) * 0.1).astype(np.float32))  # ~6.4 MB > 5
    before = _media_files(client)
    r = upload(client, big, client.bob)
    assert r.status_code == 413
    assert "larger than this server accepts" in r.json()["error"]["message"]
    assert _media_files(client) == before
    assert client.get("/healthz").json() == {"ok": True}


def test_oversized_upload_without_length_is_cut_off_while_streaming(client) -> None:
    boundary = "minutesboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()

    def body():  # chunked transfer: the server cannot know the size up front
        yield head
        for _ in range(8):
            yield b"\0" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    before = _media_files(client)
    r = client.post(
        "/api/meetings",
        headers={**client.bob, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
    )
    assert r.status_code == 413, r.text
    assert _media_files(client) == before


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"language": "klingon"}, "language"),
        ({"num_speakers": "0"}, "speaker"),
        ({"script": "hieroglyph"}, "script"),
        ({"num_speakers": "many"}, "num_speakers"),
        ({"glossary": "x" * 100_001}, "glossary"),
        ({"glossary": "fine\nbroken | | line"}, "line 2"),
        ({"min_speakers": "5", "max_speakers": "2"}, "speaker bounds"),
        ({"max_speakers": "0"}, "speaker bounds"),
    ],
)
def test_bad_options_are_refused_before_storing(client, english_meeting_wav, fields, words) -> None:
    before = _media_files(client)
    r = upload(client, english_meeting_wav, client.bob, **fields)
    assert r.status_code == 422, r.text
    assert words in r.json()["error"]["message"].lower()
    assert _media_files(client) == before


def test_a_form_field_over_the_cap_is_named_and_nothing_is_stored(
    client, english_meeting_wav
) -> None:
    before = _media_files(client)
    r = upload(client, english_meeting_wav, client.bob, glossary="x" * (1024 * 1024 + 1))
    assert r.status_code == 400, r.text
    assert "form field is over 1 MiB" in r.json()["error"]["message"]
    assert _media_files(client) == before
    assert client.get("/healthz").json() == {"ok": True}


def test_hostile_filename_is_only_displayed(client, tmp_path: Path, english_meeting) -> None:
    path = tmp_path / "x.wav"
    encode(path, english_meeting[0][: 16000 * 3])
    r = upload(client, path, client.bob, name="..\\..\\..\\windows\\evil name.wav")
    assert r.status_code == 202, r.text
    meeting = r.json()["meeting"]
    assert meeting["filename"] == "evil name.wav"
    assert meeting["id"] + ".media" in _media_files(client)
    client.delete(f"/api/meetings/{meeting['id']}", headers=client.bob)


def test_display_names_drop_paths_and_control_characters() -> None:
    from minutes.server.uploads import display_name

    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\會議\u202e\x00\x07.m4a") == "會議.m4a"
    assert display_name("...") == "recording"
    assert display_name(None) == "recording"
    assert len(display_name("a" * 5000)) == 200


def test_queued_job_can_be_cancelled_and_retried_and_delete_removes_everything(
    client, english_meeting_wav
) -> None:
    from sqlalchemy import func, select

    from minutes.server.tables import Job, TranscriptDoc, UtteranceRow

    first = upload(client, english_meeting_wav, client.bob).json()["meeting"]["id"]
    second = upload(client, english_meeting_wav, client.bob).json()["meeting"]["id"]
    r = client.post(f"/api/meetings/{second}/cancel", headers=client.bob)
    assert r.status_code == 200
    assert wait_ready(client, second, client.bob)["status"] == "cancelled"
    assert client.get(f"/api/meetings/{second}/transcript", headers=client.bob).status_code == 404
    assert client.post(f"/api/meetings/{second}/retry", headers=client.bob).status_code == 202
    assert client.post(f"/api/meetings/{second}/retry", headers=client.bob).status_code == 409
    client.post(f"/api/meetings/{second}/cancel", headers=client.bob)
    assert wait_ready(client, first, client.bob)["status"] == "ready"

    for mid in (first, second):
        assert client.delete(f"/api/meetings/{mid}", headers=client.bob).status_code == 200
        assert client.get(f"/api/meetings/{mid}", headers=client.bob).status_code == 404
        assert f"{mid}.media" not in _media_files(client)
    with client.app.state.ctx.db.session() as s:
        for table in (Job, TranscriptDoc, UtteranceRow):
            assert (
                s.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.meeting_id.in_([first, second]))
                )
                == 0
            )


def test_a_meeting_is_transcribed_again_with_the_count_the_reader_gives(
    client, english_meeting_wav
) -> None:
    mid = upload(client, english_meeting_wav, client.bob, min_speakers=2).json()["meeting"]["id"]
    assert wait_ready(client, mid, client.bob)["status"] == "ready"
    again = f"/api/meetings/{mid}/transcribe-again"
    # Bad counts and other people's meetings change nothing.
    r = client.post(again, headers=client.bob, json={"num_speakers": 0})
    assert r.status_code == 422
    assert "num-speakers" in r.json()["error"]["message"]
    assert client.post(again, headers=client.alice, json={"num_speakers": 3}).status_code == 404
    assert client.get(f"/api/meetings/{mid}", headers=client.bob).json()["meeting"]["status"] == (
        "ready"
    )

    assert client.post(again, headers=client.bob, json={"num_speakers": 3}).status_code == 202
    # One job at a time.
    assert client.post(again, headers=client.bob, json={"num_speakers": 4}).status_code == 409
    assert wait_ready(client, mid, client.bob)["status"] == "ready"
    t = client.get(f"/api/meetings/{mid}/transcript", headers=client.bob).json()
    assert len(t["speakers"]) == 3
    options = t["metadata"]["options"]
    # The new count replaces the old bounds.
    assert (options["num_speakers"], options["min_speakers"]) == (3, 1)
    assert "speaker_count_range" not in t["metadata"]  # a count the reader gave is not doubted


def test_voiceprints_name_speakers_in_new_meetings(client, espeak, tmp_path: Path) -> None:
    from minutes.synth import Line, Voice, render_meeting, write_wav

    alan, betty = Voice("en+m3", rate=150, pitch=40), Voice("en+f4", rate=150, pitch=85)
    clip = tmp_path / "alan.wav"
    samples, _ = render_meeting(
        [
            Line(
                "a",
                alan,
                "en",
                "Hello, my name is Alan and I work in the transport department. "
                "I look after the bus routes in the New Territories.",
            )
        ],
        espeak,
    )
    write_wav(str(clip), samples)
    with clip.open("rb") as f:
        r = client.post(
            "/api/voiceprints",
            headers=client.bob,
            data={"name": "Alan Chan"},
            files={"file": ("alan.wav", f)},
        )
    assert r.status_code == 201, r.text
    vid = r.json()["voiceprint"]["id"]
    assert r.json()["voiceprint"]["model"] == "campplus-zh-en"
    assert r.json()["voiceprint"]["needs_reenrolment"] is False
    assert [
        v["name"] for v in client.get("/api/voiceprints", headers=client.bob).json()["voiceprints"]
    ] == ["Alan Chan"]
    assert vid not in [
        v["id"] for v in client.get("/api/voiceprints", headers=client.alice).json()["voiceprints"]
    ]
    assert client.delete(f"/api/voiceprints/{vid}", headers=client.alice).status_code == 404

    silent = tmp_path / "silent.wav"
    write_wav(str(silent), np.zeros(16000 * 6, dtype=np.float32))
    with silent.open("rb") as f:
        bad = client.post(
            "/api/voiceprints", headers=client.bob, data={"name": "X"}, files={"file": ("s.wav", f)}
        )
    assert bad.status_code == 422
    assert "No speech found" in bad.json()["error"]["message"]
    assert (
        client.post(
            "/api/voiceprints",
            headers=client.bob,
            data={"name": "X"},
            files={"file": ("x.mp3", b"text")},
        ).status_code
        == 415
    )

    meeting = tmp_path / "meeting.wav"
    samples, _ = render_meeting(
        [
            Line(
                "A", alan, "en", "Good morning. Today we review the transport budget for next year."
            ),
            Line(
                "B", betty, "en", "The department asked for twelve million dollars for new buses."
            ),
            Line("A", alan, "en", "Agreed. Please send the study to everyone by Friday."),
            Line("B", betty, "en", "I will send it tomorrow morning."),
        ],
        espeak,
    )
    write_wav(str(meeting), samples)
    mid = upload(client, meeting, client.bob).json()["meeting"]["id"]
    assert wait_ready(client, mid, client.bob)["status"] == "ready"
    t = client.get(f"/api/meetings/{mid}/transcript", headers=client.bob).json()
    assert sorted(s["name"] for s in t["speakers"]) == ["Alan Chan", "Speaker 2"]

    other = next(s["id"] for s in t["speakers"] if s["name"] == "Speaker 2")
    r = client.post(
        f"/api/meetings/{mid}/speakers/{other}/voiceprint",
        headers=client.bob,
        json={"name": "Betty Ho"},
    )
    assert r.status_code == 201, r.text
    assert (
        client.post(
            f"/api/meetings/{mid}/speakers/{other}/voiceprint", headers=client.alice, json={}
        ).status_code
        == 404
    )
    names = sorted(
        v["name"] for v in client.get("/api/voiceprints", headers=client.bob).json()["voiceprints"]
    )
    assert names == ["Alan Chan", "Betty Ho"]
    for v in client.get("/api/voiceprints", headers=client.bob).json()["voiceprints"]:
        assert client.delete(f"/api/voiceprints/{v['id']}", headers=client.bob).status_code == 200
    assert client.get("/api/voiceprints", headers=client.bob).json()["voiceprints"] == []
    client.delete(f"/api/meetings/{mid}", headers=client.bob)


def test_a_global_glossary_applies_to_each_new_meeting(client, english_meeting_wav) -> None:
    standing = "# ours\nTransport Budget | transport budget\nBudget Office | traffic study\n"
    r = client.put("/api/glossary", headers=client.alice, json={"text": standing})
    assert r.status_code == 200, r.text
    assert r.json()["entries"] == 2
    # Each user has their own.
    assert client.get("/api/glossary", headers=client.bob).json() == {
        "text": "",
        "entries": 0,
        "updated_at": None,
    }
    mid = upload(
        client,
        english_meeting_wav,
        client.alice,
        language="en",
        glossary="Traffic Study | traffic study",  # shares a spelling: the meeting's wins
    ).json()["meeting"]["id"]
    assert wait_ready(client, mid, client.alice)["status"] == "ready"
    t = client.get(f"/api/meetings/{mid}/transcript", headers=client.alice).json()
    text = " ".join(u["text"] for u in t["segments"])
    assert "Transport Budget" in text
    assert "Traffic Study" in text
    assert "Budget Office" not in text

    # A malformed or enormous glossary is refused and the stored one stays whole.
    for bad, words in (
        ("fine\nbroken | | entry\n", "line 2"),
        ("詞 | 词\n" * 40_000, "KiB"),
        ("a\x00b\n", "control characters"),
    ):
        r = client.put("/api/glossary", headers=client.alice, json={"text": bad})
        assert r.status_code == 422, r.text
        assert words in r.json()["error"]["message"]
    assert client.put("/api/glossary", headers=client.alice, json={"text": 5}).status_code == 422
    assert client.get("/api/glossary", headers=client.alice).json()["text"] == standing
    assert client.put("/api/glossary", json={"text": "x"}).status_code == 401
    assert client.delete("/api/glossary", headers=client.alice).status_code == 200
    assert client.get("/api/glossary", headers=client.alice).json()["entries"] == 0


def test_a_glossary_respells_a_finished_transcript(client, ready_meeting) -> None:
    base = f"/api/meetings/{ready_meeting['id']}"
    client.delete("/api/glossary", headers=client.alice)
    # Neither the meeting nor its owner has a glossary: nothing to apply, said plainly.
    r = client.post(f"{base}/glossary", headers=client.alice)
    assert r.status_code == 422
    assert "no glossary" in r.json()["error"]["message"]
    r = client.post(f"{base}/glossary", headers=client.alice, json={"text": "ok\nbad | | x"})
    assert r.status_code == 422
    assert "line 2" in r.json()["error"]["message"]
    before = client.get(f"{base}/transcript", headers=client.alice).json()
    assert (
        client.post(f"{base}/glossary", headers=client.bob, json={"text": "A"}).status_code == 404
    )

    # The owner's global glossary is used when no text is sent. Other tests correct
    # this meeting's lines, so the variant is a word the transcript holds right now.
    last = before["segments"][-1]
    word = max(re.findall(r"[A-Za-z]+", last["text"]), key=len).lower()
    term = f"Zebra {word}"  # holds its own variant: a second pass must leave it be
    client.put("/api/glossary", headers=client.alice, json={"text": f"{term} | {word}"})
    r = client.post(f"{base}/glossary", headers=client.alice)
    assert r.status_code == 200, r.text
    changed = r.json()["changed"]
    assert last["id"] in changed
    after = client.get(f"{base}/transcript", headers=client.alice).json()
    texts = {u["id"]: u["text"] for u in after["segments"]}
    for u in before["segments"]:
        if u["id"] in changed:
            assert term in texts[u["id"]]
            assert term in "".join(
                w["word"] for w in next(x for x in after["segments"] if x["id"] == u["id"])["words"]
            )
        else:
            assert texts[u["id"]] == u["text"]
    # Search and export see the new spelling; applying again changes nothing.
    hits = client.get("/api/search", params={"q": term}, headers=client.alice).json()
    assert hits["hits"]
    txt = client.get(f"{base}/export/txt", headers=client.alice).text
    assert term in txt
    assert client.post(f"{base}/glossary", headers=client.alice).json()["changed"] == []
    client.delete("/api/glossary", headers=client.alice)


def test_a_line_is_removed_with_its_stretch_of_turn(client, english_meeting_wav) -> None:
    r = upload(client, english_meeting_wav, client.alice, title="Remove a line")
    mid = r.json()["meeting"]["id"]
    assert wait_ready(client, mid, client.alice)["status"] == "ready"
    base = f"/api/meetings/{mid}"
    t = client.get(f"{base}/transcript", headers=client.alice).json()
    line = t["segments"][-1]
    word = max(line["text"].split(), key=len).strip(".,!?")

    assert client.delete(f"{base}/utterances/{line['id']}", headers=client.bob).status_code == 404
    r = client.delete(f"{base}/utterances/{line['id']}", headers=client.alice)
    assert r.status_code == 200, r.text
    after = client.get(f"{base}/transcript", headers=client.alice).json()
    assert line["id"] not in {u["id"] for u in after["segments"]}
    assert len(after["segments"]) == len(t["segments"]) - 1
    # Its speaker talks for less, or is gone with it; the timeline agrees with the lines.
    assert sum(x["end"] - x["start"] for x in after["turns"] if x["speaker"] == line["speaker"]) < (
        sum(x["end"] - x["start"] for x in t["turns"] if x["speaker"] == line["speaker"])
    )
    hits = client.get("/api/search", params={"q": word}, headers=client.alice).json()["hits"]
    assert line["id"] not in [h["utterance_id"] for h in hits if h["meeting_id"] == mid]
    assert line["text"] not in client.get(f"{base}/export/txt", headers=client.alice).text
    assert client.delete(f"{base}/utterances/{line['id']}", headers=client.alice).status_code == 404

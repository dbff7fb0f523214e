"""Minutes from text: the extractive backend in three languages, grounding, exports."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from minutes.errors import OptionsError
from minutes.minutes import MinutesOptions, summarize
from minutes.minutes.llm import ModelMinutes, _ground, chunks, parse
from minutes.minutes.render import render, to_markdown

from minutes_fixtures import transcript

ENGLISH = [
    ("A", "Good morning. Today we review the transport budget for next year."),
    ("B", "The department asked for twelve million dollars for new buses."),
    ("C", "That is too much. We should wait for the traffic study in March."),
    ("A", "Agreed. Please send the study to everyone by Friday."),
    ("B", "I will send it tomorrow morning."),
    ("C", "Mary, can you book the room for the next meeting?"),
    ("D", "Sure."),
    ("A", "We have also decided to move the staff party to December."),
    ("C", "Thank you. Let us close the meeting now."),
]


def by_text(items, needle):
    return next(i for i in items if needle in i.text)


def test_english_decisions_and_action_items_with_owners_and_dates() -> None:
    t = transcript(ENGLISH, names={"D": "Mary Wong"})
    m = summarize(t)
    decisions = [d.text for d in m.decisions]
    assert "We should wait for the traffic study in March." in decisions
    assert any("staff party to December" in d for d in decisions)
    send = by_text(m.action_items, "send the study")
    assert (send.owner, send.due) == ("Speaker 2", "by Friday")  # accepted in the next turn
    assert [e.utterance_id for e in send.evidence] == ["u0004", "u0005"]
    room = by_text(m.action_items, "book the room")
    assert room.owner == "Mary Wong"
    assert all(a.status == "open" for a in m.action_items)
    assert not any(
        "tomorrow morning" in a.text for a in m.action_items
    )  # the acceptance, not a new task
    assert m.language == "en"
    assert m.summary
    assert m.topics


def test_cantonese_minutes_keep_evidence_and_owners() -> None:
    t = transcript(
        [
            ("A", "各位早晨，今日我哋討論下年嘅交通預算。"),
            ("B", "運輸署要求一千二百萬買新巴士。"),
            ("C", "太多喇，我哋不如等三月嘅交通研究先。"),
            ("A", "同意。陳先生，麻煩你星期五之前將份研究發俾大家。"),
            ("B", "好，冇問題，我聽日朝早發。"),
            ("C", "唔該晒，我哋決定咗延遲購買新巴士。"),
        ],
        language="yue",
    )
    m = summarize(t)
    assert m.language == "zh-HK"
    assert any("延遲購買新巴士" in d.text for d in m.decisions)
    assert any("交通研究" in d.text for d in m.decisions)
    send = by_text(m.action_items, "研究發俾大家")
    assert send.owner == "陳先生"
    assert send.due == "星期五之前"
    assert not any(a.text.startswith("唔該晒") for a in m.action_items)  # "thanks", not a request
    assert any("written Cantonese" in w for w in m.warnings)


def test_chinese_due_dates_leave_out_the_preposition() -> None:
    t = transcript(
        [
            ("A", "測試報告幾時交？"),
            ("B", "好的，測試報告我會在下週三提交。"),
            ("A", "麻煩你喺月底之前交埋預算。"),
        ],
        language="zh",
    )
    m = summarize(t)
    assert by_text(m.action_items, "測試報告我會").due == "下週三"
    assert by_text(m.action_items, "交埋預算").due == "月底之前"


def test_mandarin_minutes_in_simplified_when_asked() -> None:
    t = transcript(
        [
            ("A", "我們今天討論新系統的上線時間。"),
            ("B", "測試還沒有完成，我建議推遲兩個星期。"),
            ("A", "好，我們決定推遲到下個月上線。"),
            ("B", "請王經理負責通知所有用戶，下週三前完成。"),
            ("C", "沒問題，我會安排。"),
        ],
        language="zh",
    )
    m = summarize(t, MinutesOptions(language="zh-CN"))
    assert m.language == "zh-CN"
    assert any("决定推迟到下个月上线" in d.text for d in m.decisions)  # converted script
    notify = by_text(m.action_items, "通知所有用户")
    assert notify.owner == "王经理" or notify.owner == "王經理"
    assert notify.due in ("下周三前", "下週三前")
    # Evidence quotes the transcript as it stands, never the converted text.
    assert notify.evidence[0].quote == "請王經理負責通知所有用戶，下週三前完成。"


def test_every_item_rests_on_existing_utterances() -> None:
    t = transcript(ENGLISH)
    m = summarize(t)
    ids = {u.id: u for u in t.utterances}
    assert m.all_evidence()
    for e in m.all_evidence():
        assert ids[e.utterance_id].text == e.quote
        assert (ids[e.utterance_id].start, ids[e.utterance_id].end) == (e.start, e.end)


def test_empty_and_small_talk_meetings_give_empty_minutes() -> None:
    assert summarize(transcript([])).action_items == ()
    m = summarize(transcript([("A", "OK."), ("B", "Yes."), ("A", "Thanks.")]))
    assert (m.summary, m.decisions, m.action_items) == ((), (), ())


def test_bad_options_are_refused() -> None:
    with pytest.raises(OptionsError, match="backend"):
        MinutesOptions(backend="gpt")
    with pytest.raises(OptionsError, match="language"):
        MinutesOptions(language="fr")


def test_exports_escape_the_transcript_and_open_in_word() -> None:
    from docx import Document

    t = transcript([("A", "I will send the <script>alert(1)</script> report | by Friday.")])
    m = summarize(t)
    md = to_markdown(m)
    assert "<script>" not in md
    assert "\\<script\\>" in md
    assert "0:00:00 Speaker 1" in md
    doc = Document(io.BytesIO(render(m, "docx")))
    text = "\n".join(p.text for p in doc.paragraphs) + "".join(
        c.text for r in doc.tables[0].rows for c in r.cells
    )
    assert "<script>alert(1)</script>" in text
    assert "by Friday" in text
    assert json.loads(render(m, "json"))["action_items"][0]["due"] == "by Friday"


# -- the model path's own checks (no model needed to test them) ---------------------------
VALID = {
    "title": "Budget",
    "summary": [{"text": "Budget reviewed.", "evidence": ["u0001"]}],
    "topics": [],
    "decisions": [{"text": "Wait for the study.", "evidence": ["u0003", "u9999"]}],
    "action_items": [
        {"text": "Send the study.", "owner": "B", "due": "Friday", "evidence": ["nope"]}
    ],
}


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("not json", "not valid JSON"),
        (json.dumps({"title": "x"}), "does not match the schema"),
        (
            json.dumps({**VALID, "summary": [{"text": "", "evidence": []}]}),
            "does not match the schema",
        ),
        (
            json.dumps(
                {
                    **VALID,
                    "title": "預算會議",
                    "summary": [{"text": "檢討了交通預算和巴士採購", "evidence": []}],
                }
            ),
            "not in English",
        ),
    ],
)
def test_invalid_model_replies_are_rejected_with_a_reason(reply, why) -> None:
    with pytest.raises(ValueError, match=why):
        parse(reply, "en")


def test_model_output_is_grounded_and_converted() -> None:
    m = parse("```json\n" + json.dumps(VALID) + "\n```", "en")
    t = transcript(ENGLISH)
    minutes = _ground(t, m, "en", "test", 1, None)
    assert [e.utterance_id for e in minutes.decisions[0].evidence] == [
        "u0003"
    ]  # u9999 does not exist
    assert minutes.action_items == ()  # its only evidence does not exist: dropped, and said so
    assert any("1 action items dropped" in w for w in minutes.warnings)
    zh = parse(
        json.dumps(
            {
                **VALID,
                "title": "预算会议",
                "summary": [{"text": "检讨了交通预算", "evidence": ["u0001"]}],
                "decisions": [],
                "action_items": [],
            }
        ),
        "zh-HK",
    )
    assert zh.title == "預算會議"
    assert zh.summary[0].text == "檢討了交通預算"


def test_chunks_respect_the_budget_and_keep_order() -> None:
    lines = [f"[u{i:04d}] " + "x" * 50 for i in range(100)]
    parts = chunks(lines, 600)
    assert all(sum(len(x) + 1 for x in p) <= 600 + 60 for p in parts)
    assert [x for p in parts for x in p] == lines
    assert ModelMinutes.model_json_schema()["required"] == [
        "title",
        "summary",
        "topics",
        "decisions",
        "action_items",
    ]


def test_a_commitment_worded_like_a_request_is_still_a_commitment() -> None:
    m = summarize(
        transcript(
            [
                ("A", "The budget is ready."),
                ("B", "Great, I will take care of the printing by Monday."),
            ]
        )
    )
    (item,) = m.action_items
    assert (item.owner, item.due) == ("Speaker 2", "by Monday")


def _unsure(t, ids: set[str], confidence: float = 0.4):
    utts = tuple(
        dataclasses.replace(u, confidence=confidence) if u.id in ids else u for u in t.utterances
    )
    return dataclasses.replace(t, utterances=utts)


def test_a_misheard_line_is_marked_and_not_made_the_title() -> None:
    lines = [
        ("A", "Good morning everyone, welcome."),
        ("B", "Sonsan the budget meeting budget plan for the meeting you cannot hold."),
        ("C", "The budget plan for the new year needs one more review."),
        ("A", "We should keep the meeting short today."),
        ("B", "Momentay I will sync the budget with the young son tomorrow."),
    ]
    clear = summarize(transcript(lines))
    m = summarize(_unsure(transcript(lines), {"u0002", "u0005"}))
    # Heard clearly, the word salad would be the most central line; unsure, it is not.
    assert clear.title.startswith("Sonsan")
    assert m.title.startswith("The budget plan")
    (action,) = m.action_items
    assert action.evidence[0].unclear
    assert "(unclear audio)" in to_markdown(m)
    assert any("unsure" in w for w in m.warnings)
    # The same lines heard clearly carry no mark and no note.
    assert "unclear" not in to_markdown(clear)
    assert not any("unsure" in w for w in clear.warnings)
    again = json.loads(json.dumps(m.to_dict()))
    assert again["action_items"][0]["evidence"][0]["confidence"] == 0.4


def test_a_sentence_cut_at_a_pause_does_not_end_in_a_comma() -> None:
    """Where a speaker paused after a comma, the clause before it is a sentence of the
    minutes; quoted as an item or a title it ends without the comma."""
    from minutes.types import Word

    t = transcript(
        [("A", "Let us start."), ("A", "Great, we have decided to hire two engineers, thanks.")]
    )
    line = t.utterances[1]
    words, at = [], line.start
    for i, w in enumerate(line.text.split(" ")):
        words.append(Word((" " if i else "") + w, at, at + 0.3, 0.9))
        at += 0.3 + (1.0 if w.endswith("engineers,") else 0.05)
    t = dataclasses.replace(
        t, utterances=(t.utterances[0], dataclasses.replace(line, words=tuple(words)))
    )
    m = summarize(t, MinutesOptions())
    assert [d.text for d in m.decisions] == ["Great, we have decided to hire two engineers"]
    assert m.title == "Great, we have decided to hire two engineers"

"""Minutes as Markdown and Word (DOCX), every item with the time of its evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from minutes.formats.base import clock, xml_safe
from minutes.minutes.schema import Evidence, Minutes

HEADINGS = {
    "en": {
        "minutes": "Minutes",
        "attendees": "Attendees",
        "summary": "Summary",
        "topics": "Topics",
        "decisions": "Decisions",
        "actions": "Action items",
        "action": "Action",
        "owner": "Owner",
        "due": "Due",
        "status": "Status",
        "evidence": "Evidence",
        "none": "None recorded.",
        "notes": "Notes",
        "open": "open",
        "unclear": "unclear audio",
    },
    "zh": {
        "minutes": "會議紀錄",
        "attendees": "出席者",
        "summary": "摘要",
        "topics": "議題",
        "decisions": "決定",
        "actions": "跟進事項",
        "action": "事項",
        "owner": "負責人",
        "due": "限期",
        "status": "狀態",
        "evidence": "出處",
        "none": "沒有記錄。",
        "notes": "備註",
        "open": "待辦",
        "unclear": "錄音不清",
    },
}


def _h(language: str) -> dict[str, str]:
    return HEADINGS["en" if language == "en" else "zh"]


def cite(evidence: Sequence[Evidence], language: str = "en") -> str:
    """``[00:12 Speaker 1; 00:30 Speaker 2]``: where in the recording to check; a moment
    the recogniser was unsure of says so."""
    unclear = _h(language)["unclear"]
    return "; ".join(
        f"{clock(e.start)} {e.speaker}" + (f" ({unclear})" if e.unclear else "") for e in evidence
    )


def _md(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)


def to_markdown(m: Minutes) -> str:
    h = _h(m.language)

    def ref(evidence: Sequence[Evidence]) -> str:
        return _md(cite(evidence, m.language))

    out = [f"# {_md(m.title)}", "", f"*{h['minutes']} · {m.language} · {m.backend}*", ""]
    out += [f"## {h['attendees']}", ""]
    out += [
        f"- {_md(a.name)} — {clock(a.talk_time)} ({round(a.share * 100)}%)" for a in m.attendees
    ] or [h["none"]]
    out += ["", f"## {h['summary']}", ""]
    out += [f"- {_md(i.text)} \\[{ref(i.evidence)}\\]" for i in m.summary] or [h["none"]]
    out += ["", f"## {h['topics']}", ""]
    out += [f"- {clock(t.start)}–{clock(t.end)} {_md(t.title)}" for t in m.topics] or [h["none"]]
    out += ["", f"## {h['decisions']}", ""]
    out += [f"{n}. {_md(i.text)} \\[{ref(i.evidence)}\\]" for n, i in enumerate(m.decisions, 1)]
    if not m.decisions:
        out.append(h["none"])
    out += ["", f"## {h['actions']}", ""]
    if m.action_items:
        out.append(
            f"| # | {h['action']} | {h['owner']} | {h['due']} | {h['status']} | {h['evidence']} |"
        )
        out.append("|---|---|---|---|---|---|")
        for n, a in enumerate(m.action_items, 1):
            status = h["open"] if a.status == "open" else a.status
            out.append(
                f"| {n} | {_md(a.text)} | {_md(a.owner or '–')} | {_md(a.due or '–')} | "
                f"{status} | {ref(a.evidence)} |"
            )
    else:
        out.append(h["none"])
    if m.warnings:
        out += ["", f"## {h['notes']}", ""] + [f"- {_md(w)}" for w in m.warnings]
    return "\n".join(out) + "\n"


def to_docx(m: Minutes) -> bytes:
    """A Word document of the minutes (python-docx)."""
    from minutes.formats.docx import document_bytes, new_document

    h = _h(m.language)
    doc = new_document(m.title, "cn" if m.language == "zh-CN" else "hk")

    def para(text: str, style: str | None = None) -> None:
        # python-docx refuses the whole document over one control character in a quote.
        doc.add_paragraph(xml_safe(text), style=style)

    doc.add_heading(xml_safe(m.title), level=0)
    para(f"{h['minutes']} · {m.language} · {m.backend}")
    doc.add_heading(h["attendees"], level=1)
    for a in m.attendees:
        para(f"{a.name} — {clock(a.talk_time)} ({round(a.share * 100)}%)", style="List Bullet")
    doc.add_heading(h["summary"], level=1)
    for i in m.summary:
        para(f"{i.text} [{cite(i.evidence, m.language)}]", style="List Bullet")
    doc.add_heading(h["topics"], level=1)
    for t in m.topics:
        para(f"{clock(t.start)}–{clock(t.end)} {t.title}", style="List Bullet")
    doc.add_heading(h["decisions"], level=1)
    for i in m.decisions:
        para(f"{i.text} [{cite(i.evidence, m.language)}]", style="List Number")
    if not m.decisions:
        para(h["none"])
    doc.add_heading(h["actions"], level=1)
    if m.action_items:
        table = doc.add_table(rows=1, cols=5)
        table.style = "Light Grid Accent 1"
        for cell, label in zip(
            table.rows[0].cells,
            (h["action"], h["owner"], h["due"], h["status"], h["evidence"]),
            strict=True,
        ):
            cell.text = label
        for action in m.action_items:
            cells = table.add_row().cells
            status = h["open"] if action.status == "open" else action.status
            values = (
                action.text,
                action.owner or "–",
                action.due or "–",
                status,
                cite(action.evidence, m.language),
            )
            for cell, value in zip(cells, values, strict=True):
                cell.text = xml_safe(value)
    else:
        para(h["none"])
    if m.warnings:
        doc.add_heading(h["notes"], level=1)
        for w in m.warnings:
            para(w, style="List Bullet")
    return document_bytes(doc)


MINUTES_FORMATS = ("md", "docx", "json")


def render(m: Minutes, fmt: str) -> bytes:
    """The minutes in one of ``md``, ``docx``, ``json``."""
    import json

    if fmt == "md":
        return to_markdown(m).encode("utf-8")
    if fmt == "docx":
        return to_docx(m)
    if fmt == "json":
        return (json.dumps(m.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    from minutes.errors import OptionsError

    raise OptionsError(f"Unknown minutes format {fmt!r}; choose from {', '.join(MINUTES_FORMATS)}.")


def write(m: Minutes, out_dir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    """Render every format first, then write each atomically as ``<stem>.minutes.<fmt>``."""
    from minutes.formats.base import atomic_write_bytes

    rendered = [(out_dir / f"{stem}.minutes.{f}", render(m, f)) for f in formats]
    for path, data in rendered:
        atomic_write_bytes(path, data)
    return [p for p, _ in rendered]

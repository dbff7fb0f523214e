"""The transcript as a Word document, for offices that keep their records in Word."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from minutes.formats.base import clock, xml_safe
from minutes.formats.writers import header, line_text, title_of, unclear_note
from minutes.types import Transcript

# Word picks a CJK font by the reader's locale when a document names none, and a
# Simplified face renders HK Traditional characters in mainland forms.
CJK_FONTS = {"cn": "Microsoft YaHei", "hk": "Microsoft JhengHei", "tw": "Microsoft JhengHei"}
GREY = (0x6B, 0x6B, 0x6B)


def new_document(title: str, script: str = "hk") -> Any:
    """An empty python-docx document titled ``title``, with the CJK face for ``script``.

    The default template says it was written by python-docx in 2013; a record kept in
    an office's files should say what made it and when.
    """
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document()
    props = doc.core_properties
    props.title = xml_safe(title)
    props.author = props.last_modified_by = "minutes"
    props.comments = ""
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0)
    normal = doc.styles["Normal"]
    font = CJK_FONTS.get(script, CJK_FONTS["hk"])
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return doc


def document_bytes(doc: Any) -> bytes:
    """The saved .docx file."""
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


class DocxWriter:
    """Speaker, time and language above each line; unclear lines marked, interjections
    heard only over someone else in italics, as in the Markdown export."""

    extension = "docx"

    def render(self, transcript: Transcript) -> bytes:
        from docx.shared import Pt, RGBColor

        title = f"Transcript: {title_of(transcript)}"
        doc = new_document(title, transcript.script)
        doc.add_heading(xml_safe(title), level=0)
        for line in header(transcript):
            doc.add_paragraph(xml_safe(line), style="List Bullet")
        note = unclear_note(transcript)
        if note:
            doc.add_paragraph(note).runs[0].italic = True
        for u in transcript.utterances:
            p = doc.add_paragraph()
            p.add_run(xml_safe(transcript.speaker_name(u.speaker))).bold = True
            meta = p.add_run(f"   {clock(u.start)} · {u.language}")
            meta.font.size = Pt(9)
            meta.font.color.rgb = RGBColor(*GREY)
            p.add_run().add_break()
            said = p.add_run(xml_safe(line_text(transcript, u)))
            said.italic = not u.heard
            if u.heard and u.unclear:
                p.add_run(" (unclear audio)").italic = True
        return document_bytes(doc)

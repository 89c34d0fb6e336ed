"""A consumer's right-to-know response (§1798.110) as a file to send them: JSON or a PDF drawn with ReportLab
(`catalog.pdf`). Written in memory and handed back: the file holds their specific pieces when asked for, so it is
never written to disk, stored or cached here.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from django.core.serializers.json import DjangoJSONEncoder
from django.views.decorators.debug import sensitive_variables
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Paragraph, Spacer

from catalog.datamaps.disclosures import RightToKnow
from catalog.pdf import Fact, Heading, contents, facts_table, styles, text, text_grid, write_story

JSON: Final = "json"
PDF: Final = "pdf"
FORMATS: Final = (JSON, PDF)
BODY_FORMAT: Final = "recordkeeper.right-to-know/1"
CONTENT_TYPES: Final = {JSON: "application/json", PDF: "application/pdf"}
TITLE: Final = "Your personal information: what we hold, where it came from, why, and who receives it"
LAW: Final = "California Consumer Privacy Act, §1798.110 (right to know)"


class ExportFormatError(ValueError):
    """A format the response is not written in; the message lists those it is."""


@dataclass(frozen=True)
class RightToKnowFile:
    filename: str
    content_type: str
    content: bytes


@sensitive_variables()
def right_to_know_file(answer: RightToKnow, format_name: str) -> RightToKnowFile:
    if format_name not in FORMATS:
        raise ExportFormatError(f"Choose one of {', '.join(FORMATS)}.")
    name = f"right-to-know-{answer.subject_key.removeprefix('subject:')[:12]}-{answer.looked_up_at:%Y-%m-%d}"
    content = right_to_know_json(answer) if format_name == JSON else right_to_know_pdf(answer)
    return RightToKnowFile(f"{name}.{format_name}", CONTENT_TYPES[format_name], content)


@sensitive_variables()
def right_to_know_body(answer: RightToKnow) -> dict[str, Any]:
    body = asdict(answer)
    return {"format": BODY_FORMAT, "law": LAW, **body}


@sensitive_variables()
def right_to_know_json(answer: RightToKnow) -> bytes:
    return json.dumps(right_to_know_body(answer), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


@sensitive_variables()
def right_to_know_pdf(answer: RightToKnow) -> bytes:
    out = io.BytesIO()
    write_story(_story(answer), out, f"Right to know · {answer.looked_up_at:%Y-%m-%d}")
    return out.getvalue()


SECTIONS: Final = ("Categories of personal information we collected", "Where it came from",
                   "Why we collect it", "Who we disclosed it to", "The specific pieces we hold")


@sensitive_variables()
def _story(answer: RightToKnow) -> list[Flowable]:
    style = styles()
    titles = [f"{number}. {title}" for number, title in enumerate(SECTIONS, start=1)]
    story: list[Flowable] = [
        Paragraph("Right to know", style["h1"]), Paragraph(text(TITLE), style["lead"]),
        facts_table((Fact("Under", LAW), Fact("Answered on", f"{answer.looked_up_at:%Y-%m-%d %H:%M} UTC"),
                     Fact("Records as of", f"{answer.as_of:%Y-%m-%d %H:%M} UTC"),
                     Fact("Our reference", answer.subject_key, "mono")), style),
        NextPageTemplate("body"), PageBreak(), Paragraph("Contents", style["h2"]), contents(titles, style)]
    sections = (_categories(answer, style), _sources(answer, style), _purposes(answer, style),
                _recipients(answer, style), _pieces(answer, style))
    for number, (title, body) in enumerate(zip(titles, sections, strict=True), start=1):
        story += [Spacer(1, 6 * mm) if number > 1 else PageBreak(), Heading(title, style["h2"], number), *body]
    return story


def _categories(answer: RightToKnow, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    rows = [(each.category.replace("_", " "), "yes" if each.sensitive else "no", ", ".join(each.objects))
            for each in answer.categories]
    return [text_grid(("Category", "Sensitive", "Held in"), rows, (0.35, 0.15, 0.50), style,
                      empty="We hold no personal information of yours.")]


def _sources(answer: RightToKnow, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    return _lines(answer.sources, "No source is recorded.", style)


def _purposes(answer: RightToKnow, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    return _lines(answer.purposes, "No purpose is recorded.", style)


def _recipients(answer: RightToKnow, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not answer.recipients:
        return _lines((), "We disclosed it to nobody outside the business.", style)
    body: list[Flowable] = []
    for group in answer.recipients:
        rows = [(each.name, ", ".join(each.categories) or "—", ", ".join(each.purposes) or "—", each.country or "—")
                for each in group.recipients]
        body += [Paragraph(text(group.words), style["h3"]),
                 text_grid(("Recipient", "What it receives", "Why", "Country"), rows, (0.28, 0.30, 0.30, 0.12),
                           style, empty="None.")]
    return body


@sensitive_variables()
def _pieces(answer: RightToKnow, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    if answer.specific_pieces is None:
        return _lines((), "Not asked for: this answer lists categories only.", style)
    rows = [(each.sobject, each.record_id, each.field, each.value if each.value is not None else "(empty)")
            for each in answer.specific_pieces]
    body: list[Flowable] = [text_grid(("Record", "Id", "Field", "Value"), rows, (0.22, 0.20, 0.23, 0.35), style,
                                      empty="No value could be read.")]
    if answer.not_read:
        body += [Paragraph("Not read", style["h3"]),
                 text_grid(("Record", "Ids", "Why"), [(each.sobject, ", ".join(each.record_ids), each.reason)
                                                      for each in answer.not_read], (0.22, 0.38, 0.40), style,
                           empty="")]
    return body


def _lines(values: Sequence[str], empty: str, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [Paragraph(text(each), style["body"]) for each in values] or [Paragraph(text(empty), style["note"])]

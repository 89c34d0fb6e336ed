"""The PDF export drawn with ReportLab: a cover with the org, the as-of date and the digest and signature of the
record's content; contents with page numbers; a section per activity (a table of its statements, the header
repeated on every page); the evidence appendix. `catalog.records.exports` decides what goes in (`PdfDocument`).

ReportLab lays out a few hundred table pages a second, where an HTML-and-CSS engine took a second or more a page:
a large org's record is a long document. The fonts, tables, contents and page numbers are `catalog.pdf`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Paragraph, Spacer, Table

from catalog.pdf import Fact, Heading, contents, facts_table, flagged, grid, styles, text, write_story

NEEDS_INPUT = "NEEDS INPUT"
STATEMENT_COLUMNS = (0.17, 0.31, 0.40, 0.12)  # statement, value, why, evidence: shares of the text width
APPENDIX_COLUMNS = (0.08, 0.32, 0.60)  # ref., artefact, graph paths


@dataclass(frozen=True)
class Statement:
    label: str
    value: str  # NEEDS_INPUT: nobody has filled it
    reason: str
    references: str  # the appendix numbers of its evidence, e.g. "E3-E5, E9"


@dataclass(frozen=True)
class Section:
    title: str
    facts: tuple[Fact, ...]
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Reference:
    number: int
    artefact: str
    paths: tuple[str, ...]
    more: int  # paths not shown


@dataclass(frozen=True)
class PdfDocument:
    title: str  # the running footer and the file's metadata
    lead: str  # the cover's line under the heading
    cover_facts: tuple[Fact, ...]  # a fact of kind "needs-input" says NEEDS_INPUT, flagged
    signature_facts: tuple[Fact, ...]
    signature_note: str
    sections: tuple[Section, ...]
    appendix_note: str
    appendix: tuple[Reference, ...]


def write_pdf(document: PdfDocument, out: IO[bytes]) -> None:
    """The document drawn as a PDF into `out`, in one pass: the contents' page numbers are written in when the
    last page is done, as "Page n of N" is."""
    write_story(_story(document), out, document.title)


# --- the story: what flows onto the pages ---------------------------------------------------------------------


def _story(document: PdfDocument) -> list[Flowable]:
    style = styles()
    story: list[Flowable] = [
        Paragraph("Record of processing activities", style["h1"]), Paragraph(text(document.lead), style["lead"]),
        _facts(document.cover_facts, style), Paragraph("Digest and signature of this record", style["h3"]),
        _facts(document.signature_facts, style), Spacer(1, 3 * mm),
        Paragraph(text(document.signature_note), style["note"]),
        NextPageTemplate("body"), PageBreak(), Paragraph("Contents", style["h2"])]
    titles = [*(f"{number}. {each.title}" for number, each in enumerate(document.sections, start=1)), "Evidence"]
    story.append(contents(titles, style))
    for key, section in enumerate(document.sections, start=1):
        story += [PageBreak(), Heading(titles[key - 1], style["h2"], key), _facts(section.facts, style),
                  Spacer(1, 3 * mm), _statements(section.statements, style)]
    story += [PageBreak(), Heading("Evidence", style["h2"], len(titles)), Paragraph(text(document.appendix_note),
                                                                        style["note"]),
              Spacer(1, 3 * mm), _appendix(document.appendix, style)]
    return story


def _facts(facts: Iterable[Fact], style: dict[str, ParagraphStyle]) -> Table:
    return facts_table((Fact(each.label, NEEDS_INPUT, "flag") if each.kind == "needs-input" else each
                        for each in facts), style)


def _value(value: str) -> str:
    return flagged(NEEDS_INPUT) if value == NEEDS_INPUT else text(value)


def _statements(statements: Sequence[Statement], style: dict[str, ParagraphStyle]) -> Table:
    header = [Paragraph(each, style["header"]) for each in ("Statement", "Value", "Why", "Evidence")]
    rows = [[Paragraph(text(each.label), style["cell"]), Paragraph(_value(each.value), style["cell"]),
             Paragraph(text(each.reason), style["cell"]), Paragraph(text(each.references), style["cell"])]
            for each in statements]
    return grid([header, *rows], STATEMENT_COLUMNS)


def _appendix(references: Sequence[Reference], style: dict[str, ParagraphStyle]) -> Table:
    header = [Paragraph(each, style["header"]) for each in ("Ref.", "Artefact", "Graph paths resting on it")]
    rows = [[Paragraph(f"E{each.number}", style["small"]), Paragraph(text(each.artefact), style["small"]),
             Paragraph(_paths(each), style["small"])] for each in references]
    if not rows:
        rows = [[Paragraph("", style["small"]),
                 Paragraph("No evidence: the record holds no statement from the graph.", style["small"]),
                 Paragraph("", style["small"])]]
    return grid([header, *rows], APPENDIX_COLUMNS)


def _paths(reference: Reference) -> str:
    shown = "<br/>".join(text(path) for path in reference.paths)
    more = f"<br/><i>… and {reference.more} more (the JSON export lists them all)</i>" if reference.more else ""
    return shown + more


__all__ = ["NEEDS_INPUT", "Fact", "PdfDocument", "Reference", "Section", "Statement", "write_pdf"]

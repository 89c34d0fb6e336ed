"""The PDF export drawn with ReportLab: a cover with the org, the as-of date and the digest and signature of the
record's content; contents with page numbers; a section per activity (a table of its statements, the header
repeated on every page); the evidence appendix. `catalog.records.exports` decides what goes in (`PdfDocument`).

ReportLab lays out a few hundred table pages a second, where an HTML-and-CSS engine took a second or more a page:
a large org's record is a long document. Text is set in DejaVu Sans (PDF_FONT_DIR; Debian's fonts-dejavu-core), so
arrows, section signs and accented names print as they are, and it stays text a reader can search and extract.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

NEEDS_INPUT = "NEEDS INPUT"
FONTS = {"Body": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf", "Mono": "DejaVuSansMono.ttf"}
BLUE = colors.HexColor("#1f4e79")
HEADER_FILL = colors.HexColor("#e8eef5")
GRID = colors.HexColor("#999999")
MARGINS = {"left": 15 * mm, "right": 15 * mm, "top": 18 * mm, "bottom": 20 * mm}
STATEMENT_COLUMNS = (0.17, 0.31, 0.40, 0.12)  # statement, value, why, evidence: shares of the text width
APPENDIX_COLUMNS = (0.08, 0.32, 0.60)  # ref., artefact, graph paths


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    kind: str = ""  # "mono" (a digest or signature) or "needs-input"


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
    cover_facts: tuple[Fact, ...]
    signature_facts: tuple[Fact, ...]
    signature_note: str
    sections: tuple[Section, ...]
    appendix_note: str
    appendix: tuple[Reference, ...]


def write_pdf(document: PdfDocument, out: IO[bytes]) -> None:
    """The document drawn as a PDF into `out`, in one pass: the contents' page numbers are written in when the
    last page is done, as "Page n of N" is."""
    _register_fonts()
    pages = _PageNumbers()
    template = _Template(out, document.title, pages)
    template.build(_story(document), canvasmaker=functools.partial(_NumberedCanvas, pages=pages))


def _register_fonts() -> None:
    folder = Path(settings.PDF_FONT_DIR)
    for name, file in FONTS.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))


# --- the story: what flows onto the pages ---------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName="Body", fontSize=9, leading=12)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    return {
        "body": body, "cell": cell,
        "header": ParagraphStyle("header", parent=cell, fontName="Bold"),
        "small": ParagraphStyle("small", parent=cell, fontSize=7, leading=8.5),
        "mono": ParagraphStyle("mono", parent=cell, fontName="Mono", fontSize=7.5, leading=9.5),
        "note": ParagraphStyle("note", parent=body, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")),
        "h1": ParagraphStyle("h1", parent=body, fontName="Bold", fontSize=20, leading=24, spaceAfter=4 * mm),
        "lead": ParagraphStyle("lead", parent=body, fontSize=12, leading=15, spaceAfter=8 * mm),
        "h2": ParagraphStyle("h2", parent=body, fontName="Bold", fontSize=14, leading=18, textColor=BLUE,
                             spaceAfter=3 * mm),
        "h3": ParagraphStyle("h3", parent=body, fontName="Bold", fontSize=10.5, leading=13, spaceBefore=5 * mm,
                             spaceAfter=2 * mm),
        "toc": ParagraphStyle("toc", parent=body, fontSize=10, leading=15),
    }


def _story(document: PdfDocument) -> list[Flowable]:
    styles = _styles()
    story: list[Flowable] = [
        Paragraph("Record of processing activities", styles["h1"]), Paragraph(_text(document.lead), styles["lead"]),
        _facts(document.cover_facts, styles), Paragraph("Digest and signature of this record", styles["h3"]),
        _facts(document.signature_facts, styles), Spacer(1, 3 * mm),
        Paragraph(_text(document.signature_note), styles["note"]),
        NextPageTemplate("body"), PageBreak(), Paragraph("Contents", styles["h2"])]
    titles = [*(f"{number}. {each.title}" for number, each in enumerate(document.sections, start=1)), "Evidence"]
    story.append(_contents(titles, styles))
    for key, section in enumerate(document.sections, start=1):
        story += [PageBreak(), _Heading(titles[key - 1], styles["h2"], key), _facts(section.facts, styles),
                  Spacer(1, 3 * mm), _statements(section.statements, styles)]
    story += [PageBreak(), _Heading("Evidence", styles["h2"], len(titles)), Paragraph(_text(document.appendix_note),
                                                                         styles["note"]),
              Spacer(1, 3 * mm), _appendix(document.appendix, styles)]
    return story


class _Heading(Paragraph):  # type: ignore[misc]  # ReportLab ships no type hints
    """A section's heading: the contents link to it and give its page, and a PDF reader's outline shows it."""

    def __init__(self, text: str, style: ParagraphStyle, number: int) -> None:
        super().__init__(_text(text), style)
        self.key = _section_key(number)


def _section_key(number: int) -> str:
    return f"section-{number}"


def _contents(titles: Sequence[str], styles: dict[str, ParagraphStyle]) -> Table:
    """A line per section, linked to it, its page number left to be written in (`_PageNumbers`)."""
    rows = [[Paragraph(f'<a href="#{_section_key(number)}">{_text(title)}</a>', styles["toc"]),
             _PageNumberSlot(_section_key(number))] for number, title in enumerate(titles, start=1)]
    table = Table(rows, colWidths=[None, 15 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID)]))
    return table


def _text(value: str) -> str:
    """Plain text as a paragraph's markup reads it (its own &, < and > escaped), line breaks kept."""
    return escape(value).replace("\n", "<br/>")


def _value(value: str) -> str:
    return f'<font color="#aa0000"><b>{NEEDS_INPUT}</b></font>' if value == NEEDS_INPUT else _text(value)


def _facts(facts: Iterable[Fact], styles: dict[str, ParagraphStyle]) -> Table:
    rows = [[Paragraph(_text(each.label), styles["header"]), _fact_value(each, styles)] for each in facts]
    table = Table(rows, colWidths=[38 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm)]))
    return table


def _fact_value(fact: Fact, styles: dict[str, ParagraphStyle]) -> Paragraph:
    if fact.kind == "mono":
        return Paragraph(_text(fact.value), styles["mono"])
    return Paragraph(_value(NEEDS_INPUT if fact.kind == "needs-input" else fact.value), styles["cell"])


def _statements(statements: Sequence[Statement], styles: dict[str, ParagraphStyle]) -> Table:
    header = [Paragraph(each, styles["header"]) for each in ("Statement", "Value", "Why", "Evidence")]
    rows = [[Paragraph(_text(each.label), styles["cell"]), Paragraph(_value(each.value), styles["cell"]),
             Paragraph(_text(each.reason), styles["cell"]), Paragraph(_text(each.references), styles["cell"])]
            for each in statements]
    return _grid([header, *rows], STATEMENT_COLUMNS)


def _appendix(references: Sequence[Reference], styles: dict[str, ParagraphStyle]) -> Table:
    header = [Paragraph(each, styles["header"]) for each in ("Ref.", "Artefact", "Graph paths resting on it")]
    rows = [[Paragraph(f"E{each.number}", styles["small"]), Paragraph(_text(each.artefact), styles["small"]),
             Paragraph(_paths(each), styles["small"])] for each in references]
    if not rows:
        rows = [[Paragraph("", styles["small"]),
                 Paragraph("No evidence: the record holds no statement from the graph.", styles["small"]),
                 Paragraph("", styles["small"])]]
    return _grid([header, *rows], APPENDIX_COLUMNS)


def _paths(reference: Reference) -> str:
    shown = "<br/>".join(_text(path) for path in reference.paths)
    more = f"<br/><i>… and {reference.more} more (the JSON export lists them all)</i>" if reference.more else ""
    return shown + more


def _grid(rows: list[list[Any]], shares: Sequence[float]) -> Table:
    """A full-width table whose header row repeats on every page it runs onto."""
    width = A4[0] - MARGINS["left"] - MARGINS["right"]
    table = Table(rows, colWidths=[share * width for share in shares], repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm)]))
    return table


# --- the pages ---------------------------------------------------------------------------------------------------


class _PageNumbers:
    """Where each section begins, and where on the contents its page number goes: known only as pages are laid out,
    so the numbers are written in when the canvas saves the document."""

    def __init__(self) -> None:
        self.section_pages: dict[str, int] = {}
        self.slots: dict[int, list[tuple[float, float, str]]] = {}  # contents page: (x, y, section key)


class _PageNumberSlot(Flowable):  # type: ignore[misc]  # ReportLab ships no type hints
    """A contents line's page number: its place is noted as it is drawn; the number comes at the end."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, 12

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(self.width, 2)
        self.canv.pages.slots.setdefault(self.canv.getPageNumber(), []).append((x, y, self.key))


class _Template(BaseDocTemplate):  # type: ignore[misc]  # ReportLab ships no type hints
    def __init__(self, out: IO[bytes], title: str, pages: _PageNumbers) -> None:
        super().__init__(out, pagesize=A4, title=title, author="Recordkeeper", leftMargin=MARGINS["left"],
                         rightMargin=MARGINS["right"], topMargin=MARGINS["top"], bottomMargin=MARGINS["bottom"])
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="text")
        self.footer = title
        self.pages = pages
        self.addPageTemplates([PageTemplate("cover", [frame]),
                               PageTemplate("body", [frame], onPageEnd=self._footer)])

    def _footer(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Body", 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGINS["left"], 10 * mm, self.footer)
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802  # ReportLab's hook
        if isinstance(flowable, _Heading):
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(flowable.getPlainText(), flowable.key, level=0)
            self.pages.section_pages[flowable.key] = self.page


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type hints
    """Holds each page until the last is drawn, so every page after the cover can say "Page n of N" and the
    contents can give each section's page."""

    def __init__(self, *args: Any, pages: _PageNumbers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages = pages
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802  # ReportLab's method
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if self._pageNumber > 1:
                self.setFont("Body", 7.5)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawRightString(A4[0] - MARGINS["right"], 10 * mm, f"Page {self._pageNumber} of {total}")
            self._write_section_pages()
            super().showPage()
        super().save()

    def _write_section_pages(self) -> None:
        self.setFont("Body", 10)
        self.setFillColor(colors.black)
        for x, y, key in self.pages.slots.get(self._pageNumber, []):
            self.drawRightString(x, y, str(self.pages.section_pages.get(key, "")))


__all__ = ["NEEDS_INPUT", "Fact", "PdfDocument", "Reference", "Section", "Statement", "write_pdf"]

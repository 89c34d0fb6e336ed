"""What every PDF the catalog draws with ReportLab shares: DejaVu Sans (PDF_FONT_DIR; Debian's fonts-dejavu-core),
so arrows, section signs and accented names print as they are and stay text a reader can search; the styles; tables
of facts and full-width grids whose header repeats on every page; headings the contents link to and a PDF reader's
outline shows; contents whose page numbers, like "Page n of N" below every page after the first, are written in when
the last page is done (one pass).

A record of processing (`catalog.records.pdf`) and a consumer's right-to-know response (`catalog.datamaps.exports`)
each build their own story of these pieces and draw it with `write_story`.
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
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

FONTS = {"Body": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf", "Mono": "DejaVuSansMono.ttf"}
BLUE = colors.HexColor("#1f4e79")
FLAG = "#aa0000"  # what needs someone's attention: always said in words too, never by colour alone
HEADER_FILL = colors.HexColor("#e8eef5")
GRID = colors.HexColor("#999999")
MARGINS = {"left": 15 * mm, "right": 15 * mm, "top": 18 * mm, "bottom": 20 * mm}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    kind: str = ""  # "mono" (a digest or signature), "flag" (needs attention: bold, red), or plain


def write_story(story: list[Flowable], out: IO[bytes], title: str) -> None:
    """The story drawn as a PDF into `out`, `title` in its metadata and below every page but the first (whose
    page template is "cover"; the others' "body")."""
    register_fonts()
    pages = PageNumbers()
    template = _Template(out, title, pages)
    template.build(story, canvasmaker=functools.partial(_NumberedCanvas, pages=pages))


def register_fonts() -> None:
    folder = Path(settings.PDF_FONT_DIR)
    for name, file in FONTS.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))


def styles() -> dict[str, ParagraphStyle]:
    """The styles of every PDF, in the fonts registered first (a paragraph needs them as it is made)."""
    register_fonts()
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


def text(value: str) -> str:
    """Plain text as a paragraph's markup reads it (its own &, < and > escaped), line breaks kept."""
    return escape(value).replace("\n", "<br/>")


def flagged(value: str) -> str:
    """Plain text set bold and red: what needs someone's attention (its words must say so too)."""
    return f'<font color="{FLAG}"><b>{text(value)}</b></font>'


def facts_table(facts: Iterable[Fact], style: dict[str, ParagraphStyle]) -> Table:
    rows = [[Paragraph(text(each.label), style["header"]), _fact_value(each, style)] for each in facts]
    table = Table(rows, colWidths=[38 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm)]))
    return table


def _fact_value(fact: Fact, style: dict[str, ParagraphStyle]) -> Paragraph:
    if fact.kind == "mono":
        return Paragraph(text(fact.value), style["mono"])
    return Paragraph(flagged(fact.value) if fact.kind == "flag" else text(fact.value), style["cell"])


def grid(rows: list[list[Any]], shares: Sequence[float]) -> Table:
    """A full-width table whose header row repeats on every page it runs onto."""
    width = A4[0] - MARGINS["left"] - MARGINS["right"]
    table = Table(rows, colWidths=[share * width for share in shares], repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm)]))
    return table


def text_grid(header: Sequence[str], rows: Iterable[Sequence[str]], shares: Sequence[float],
              style: dict[str, ParagraphStyle], *, empty: str) -> Table:
    """A grid of plain text under a bold header; `empty` says in one row what it means that there are none."""
    cells = [[Paragraph(text(value), style["cell"]) for value in row] for row in rows]
    if not cells:
        cells = [[Paragraph(text(empty), style["cell"]), *(Paragraph("", style["cell"]) for _ in header[1:])]]
    return grid([[Paragraph(text(each), style["header"]) for each in header], *cells], shares)


class Heading(Paragraph):  # type: ignore[misc]  # ReportLab ships no type hints
    """A section's heading: the contents link to it and give its page, and a PDF reader's outline shows it."""

    def __init__(self, title: str, style: ParagraphStyle, number: int) -> None:
        super().__init__(text(title), style)
        self.key = section_key(number)


def section_key(number: int) -> str:
    return f"section-{number}"


def contents(titles: Sequence[str], style: dict[str, ParagraphStyle]) -> Table:
    """A line per section (numbered from 1, as their `Heading`s), linked to it, its page number left to be written
    in when the last page is done."""
    rows = [[Paragraph(f'<a href="#{section_key(number)}">{text(title)}</a>', style["toc"]),
             _PageNumberSlot(section_key(number))] for number, title in enumerate(titles, start=1)]
    table = Table(rows, colWidths=[None, 15 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID)]))
    return table


# --- the pages ---------------------------------------------------------------------------------------------------


class PageNumbers:
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
    def __init__(self, out: IO[bytes], title: str, pages: PageNumbers) -> None:
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
        if isinstance(flowable, Heading):
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(flowable.getPlainText(), flowable.key, level=0)
            self.pages.section_pages[flowable.key] = self.page


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type hints
    """Holds each page until the last is drawn, so every page after the first can say "Page n of N" and the
    contents can give each section's page."""

    def __init__(self, *args: Any, pages: PageNumbers, **kwargs: Any) -> None:
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


__all__ = ["Fact", "Heading", "contents", "facts_table", "flagged", "grid", "register_fonts", "styles", "text",
           "text_grid", "write_story"]

"""The PDF a record is drawn as (`catalog.records.pdf`): a cover, contents giving each section's page, a section per
activity whose table header repeats on every page it runs onto, the evidence appendix, and "Page n of N" below
every page after the cover; text a reader can extract and search, whatever characters the org's names hold."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from catalog.records import pdf


def statements(count: int, label: str) -> tuple[pdf.Statement, ...]:
    return tuple(pdf.Statement(f"{label} {n}", pdf.NEEDS_INPUT if n % 7 == 0 else f"value {n}",
                               "a reason long enough to wrap over more than one line of its column " * 3, f"E{n}")
                 for n in range(count))


def document(sections: int = 3, rows: int = 60) -> pdf.PdfDocument:
    return pdf.PdfDocument(
        title="Record of processing activities: acme & co, as of 2026-11-29", lead="acme & co <org>",
        cover_facts=(pdf.Fact("Org", "acme & co"), pdf.Fact("Controller", "", "needs-input")),
        signature_facts=(pdf.Fact("SHA-256", "ab" * 32, "mono"),), signature_note="Checked by verify_ropa.",
        sections=tuple(pdf.Section(f"Activity → {n} <&>", (pdf.Fact("From", "manifest"),),
                                   statements(rows, f"Statement {n}")) for n in range(1, sections + 1)),
        appendix_note="Each statement's evidence.",
        appendix=(pdf.Reference(1, "describe:Contact", ("sobject:00D:Contact",), 3),))


def pages_of(drawn: pdf.PdfDocument) -> list[str]:
    out = io.BytesIO()
    pdf.write_pdf(drawn, out)
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(out.getvalue())).pages]


def test_the_contents_give_the_page_each_section_begins_on():
    pages = pages_of(document())

    titles = [f"{n}. Activity → {n} <&>" for n in (1, 2, 3)] + ["Evidence"]
    began = [next(number for number, text in enumerate(pages, start=1) if text.startswith(title)) for title in titles]
    assert began[0] == 3
    assert began == sorted(began)
    assert began[1] > began[0] + 1  # a section runs over pages
    contents = pages[1]
    assert contents.startswith("Contents " + " ".join(titles))
    assert [int(each) for each in re.findall(r"\b\d+\b", contents.split("Evidence", 1)[1])][-len(titles):] == began


def test_a_long_table_repeats_its_header_on_every_page_it_runs_onto():
    pages = pages_of(document(sections=1, rows=150))

    section = [text for text in pages[2:] if "Statement 1 " in text]
    assert len(section) > 2
    assert all(text.split("Statement Value Why Evidence", 1)[0] in {"", "1. Activity → 1 <&> From manifest "}
               for text in section)


def test_every_page_after_the_cover_says_which_page_of_how_many_it_is():
    pages = pages_of(document())

    assert "Page 1 of" not in pages[0]
    assert all(f"Record of processing activities: acme & co, as of 2026-11-29 Page {number} of {len(pages)}" in text
               for number, text in enumerate(pages[1:], start=2))


def test_names_print_as_they_are_and_needs_input_is_said_never_left_blank():
    pages = pages_of(document(sections=1, rows=8))

    assert "acme & co <org>" in pages[0]
    assert "Controller NEEDS INPUT" in pages[0]
    assert "Statement 1 0 NEEDS INPUT" in pages[2]
    assert "… and 3 more (the JSON export lists them all)" in pages[-1]

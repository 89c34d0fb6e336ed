"""Exports of one org's record of processing activities for auditors: JSON, CSV, XLSX and PDF, each signed, each
written to the audit log.

JSON holds the whole record with every statement's evidence, its signature embedded (`embed_signature`). The other
formats are files that cannot hold their own digest: each is delivered in a zip beside its signature document
(`<file>.sig.json`), as unpacked `manage.py verify_ropa <file>` reads it. The PDF's cover also shows the digest
and signature of the record's content (`sign_json_body` of the body the JSON export holds).

Files are written to temporary files, not held in memory, and handed back as an open file to stream.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from typing import IO, Any, Final

from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from catalog.accounts import audit
from catalog.accounts.models import AuditAction
from catalog.exports.services import Exporter, stated_reason
from catalog.exports.tables import Cell, csv_chunks
from catalog.records import pdf, services
from catalog.records.activities import Activity, Evidence, KeptPastRetention, Recipient, Retention, Security, Stated
from catalog.records.api import ActivityDetailSerializer, RecordSerializer
from catalog.records.ico import ico_table
from catalog.records.signing import ExportSubject, embed_signature, sidecar_path, sign_export, sign_json_body
from lineage.queries.retention import SOQL_ARTEFACT, count_query

JSON: Final = "json"
CSV: Final = "csv"
XLSX: Final = "xlsx"
PDF: Final = "pdf"
ICO: Final = "ico"  # the UK ICO controller template's columns, as CSV
FORMATS: Final = (PDF, XLSX, CSV, JSON, ICO)
BODY_FORMAT: Final = "recordkeeper.ropa/1"  # the JSON export's shape, named in it
CONTENT_TYPES: Final = {JSON: "application/json", CSV: "text/csv; charset=utf-8",
                        XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        PDF: "application/pdf", ICO: "text/csv; charset=utf-8"}
ZIP_CONTENT_TYPE: Final = "application/zip"
NEEDS_INPUT_TEXT: Final = pdf.NEEDS_INPUT
NONE_FOUND: Final = "none found"
COPY_CHUNK: Final = 1 << 16


class ExportFormatError(ValueError):
    """A format the records are not exported in; the message lists those they are."""


@dataclass(frozen=True)
class Line:
    """One statement of an activity as the tables show it: its kind and label, its value in words, why, and the
    evidence it rests on."""

    kind: str
    label: str
    value: str
    reason: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class RecordExport:
    """A signed export ready to download: the file's name, its type, the open file (at its start), the digest its
    signature holds and how many activities it carries."""

    filename: str
    content_type: str
    file: IO[bytes]
    sha256: str
    activities: int


def checked_format(given: str | None) -> str:
    kind = (given or "").strip().lower()
    if kind not in FORMATS:
        raise ExportFormatError(f"Choose one of {', '.join(FORMATS)}" + (f", not {given!r}." if given else "."))
    return kind


def export_record(alias: str, kind: str, exporter: Exporter, as_of: Any = None) -> RecordExport:
    """The org's record as of `as_of` (a datetime, now when None) in the format `kind`, signed, and one audit event
    saying who exported it, in what format, as of when and why. A ReasonError without a stated reason, an
    ExportFormatError for a format not offered, a NotInCatalogError for an org not connected."""
    reason, kind = stated_reason(exporter.reason), checked_format(kind)
    record = services.record_of(alias, as_of)
    subject = ExportSubject(kind=kind, org=record.alias, as_of=record.as_of.astimezone(UTC).date())
    exported = signed_export(record, subject)
    audit.record(AuditAction.EXPORTED, actor=exporter.actor, token=exporter.token, object_type="record",
                 object_key=record.alias, reason=reason,
                 details={"export": "record of processing", "format": kind, "org": record.alias,
                          "as_of": record.as_of.isoformat(), "live": record.live, "activities": exported.activities,
                          "sha256": exported.sha256, "origin": exporter.origin})
    return exported


def export_name(alias: str, as_of: date, kind: str, snapshot: str | None = None) -> str:
    extension = "ico.csv" if kind == ICO else kind  # not .ico: that is an icon
    frozen = f"-snapshot-{snapshot}" if snapshot else ""
    return f"ropa-{slugify(alias) or 'org'}-{as_of.isoformat()}{frozen}.{extension}"


def signed_export(record: services.RecordOfProcessing, subject: ExportSubject) -> RecordExport:
    """The record in the subject's format, signed for that subject (a snapshot's export names the snapshot)."""
    return _signed_json(record, subject) if subject.kind == JSON else _signed_file(record, subject)


def _file_name(subject: ExportSubject) -> str:
    return export_name(subject.org, _date(subject), subject.kind, subject.snapshot)


# --- the JSON body: the record as the API shows it, every activity in full ---------------------------------------


def record_body(record: services.RecordOfProcessing) -> dict[str, Any]:
    """The record's content, as its JSON export holds it and the PDF's cover digest is of: the API's shapes."""
    body = {"format": BODY_FORMAT, "record": RecordSerializer(record).data,
            "activities": ActivityDetailSerializer(record.activities, many=True).data}
    plain: dict[str, Any] = json.loads(json.dumps(body))  # the serializers' ordered dicts as plain JSON values
    return plain


def _signed_json(record: services.RecordOfProcessing, subject: ExportSubject) -> RecordExport:
    name = _file_name(subject)
    body = record_body(record)
    content = embed_signature(body, file_name=name, subject=subject)
    digest = sign_json_body(body, file_name=name, subject=subject).sha256
    file = tempfile.TemporaryFile()  # noqa: SIM115  # handed to the response, which closes it
    file.write(content)
    file.seek(0)
    return RecordExport(name, CONTENT_TYPES[JSON], file, digest, len(record.activities))


# --- files beside their signature, in one zip ----------------------------------------------------------------


def _signed_file(record: services.RecordOfProcessing, subject: ExportSubject) -> RecordExport:
    name = _file_name(subject)
    with tempfile.TemporaryFile() as written:
        WRITERS[subject.kind](record, subject, name, written)
        written.seek(0)
        document = sign_export(written.read(), file_name=name, subject=subject)
        zipped = tempfile.TemporaryFile()  # noqa: SIM115  # handed to the response, which closes it
        with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open(name, "w") as member:
                written.seek(0)
                shutil.copyfileobj(written, member, COPY_CHUNK)
            archive.writestr(sidecar_path(Path(name)).name, document.sidecar_bytes())
    zipped.seek(0)
    return RecordExport(f"{name}.zip", ZIP_CONTENT_TYPE, zipped, document.sha256, len(record.activities))


def _date(subject: ExportSubject) -> date:
    assert subject.as_of is not None  # every export of a record is as of a date
    return subject.as_of


# --- statements as table lines ---------------------------------------------------------------------------------


def activity_lines(record: services.ActivityRecord) -> list[Line]:
    """Every statement of the activity, a line per value (a kind with none says so), the human-owned fields as the
    record shows them (a privacy officer's words, else the graph's, else NEEDS INPUT)."""
    activity, owned = record.activity, {each.name: each for each in record.owned}
    lines = [
        *_stated("purposes", "Purpose", activity.purposes, str),
        *_owned(owned, "description", "legal_basis"),
        *_stated("consumer_categories", "Category of consumers", activity.consumer_categories, str),
        *_stated("personal_categories", "Category of personal information", activity.personal_categories, str),
        *_stated("sensitive_categories", "Category of sensitive personal information",
                 activity.sensitive_categories, str),
        *_stated("sources", "Source", activity.sources, str),
        *_stated("systems", "System holding it", activity.systems, str),
        *_stated("recipients", "Recipient", activity.recipients, recipient_words),
        *_stated("sold_or_shared", "Sold or shared", activity.sold_or_shared, recipient_words),
        *_stated("transfers", "Cross-border transfer", activity.transfers, recipient_words),
        *_stated("retention_by_system", "Retention by system", activity.retention, retention_words),
        *_kept_past_retention(activity),
        *_owned(owned, "retention", "transfer_safeguards", "joint_controllers"),
        *_stated("security", "Security measures", (activity.security,), security_words),
        *_stated("profiling", "Profiling or automated decisions", activity.profiling, str),
        *_stated("dpia_indicated", "Risk assessment (DPIA) indicated", (activity.dpia_indicated,), _yes_no),
        *_stated("regime", "Regime", (activity.regime,), str),
    ]
    return lines + [Line(name, shown.label, shown.value or NEEDS_INPUT_TEXT, _answered(shown), shown.evidence)
                    for name, shown in owned.items() if name not in _OWNED_SHOWN]


_OWNED_SHOWN = frozenset({"description", "legal_basis", "retention", "transfer_safeguards", "joint_controllers"})


def _stated(kind: str, label: str, statements: Iterable[Stated[Any]], words: Callable[[Any], str]) -> list[Line]:
    lines = [Line(kind, label, words(each.value), each.reason, each.evidence) for each in statements]
    return lines or [Line(kind, label, NONE_FOUND, "", ())]


def _kept_past_retention(activity: Activity) -> list[Line]:
    """A line per object holding records past the period (or not counted); the objects holding none share one line
    per count (a large org's activity spans thousands of objects, nearly all of them clean)."""
    label = "Kept past the retention period"
    if not activity.kept_past_retention:
        why = "no harvest has counted them yet" if activity.retention else "no manifest states a retention period"
        return [Line("kept_past_retention", label, f"not counted: {why}", "", ())]
    flagged = [each for each in activity.kept_past_retention if each.value.older != 0]
    clean: dict[tuple[str, date, date], list[Stated[KeptPastRetention]]] = {}
    for each in activity.kept_past_retention:
        if each.value.older == 0:
            clean.setdefault((each.value.period, each.value.cutoff.date(), each.value.counted_at.date()),
                             []).append(each)
    return [*(_kept_line(label, each) for each in flagged), *(_none_kept(label, counted) for counted in clean.values())]


def _kept_line(label: str, stated: Stated[KeptPastRetention]) -> Line:
    return Line("kept_past_retention", label, kept_words(stated.value), stated.reason, stated.evidence)


def _none_kept(label: str, counted: list[Stated[KeptPastRetention]]) -> Line:
    """One line for objects holding no record older than the period: their count queries differ only by the object,
    so their evidence is one artefact (the query, with the object left open) citing every count."""
    if len(counted) == 1:
        return _kept_line(label, counted[0])
    first = counted[0].value
    query = f"SOQL, one query per object: {count_query('<object>', first.cutoff)}"
    evidence = {Evidence(each.path, query if (each.artefact or "").startswith(SOQL_ARTEFACT) else each.artefact): None
                for stated in counted for each in stated.evidence}
    objects = ", ".join(sorted(each.value.sobject for each in counted))
    return Line("kept_past_retention", label,
                f"{len(counted)} objects: no record older than {first.period} (created before {first.cutoff:%Y-%m-%d})",
                f"{counted[0].reason}; the objects: {objects}", tuple(evidence))


def kept_words(kept: KeptPastRetention) -> str:
    return kept.described


def _owned(owned: dict[str, services.Shown], *names: str) -> list[Line]:
    return [Line(name, owned[name].label, owned[name].value or NEEDS_INPUT_TEXT, _answered(owned[name]),
                 owned[name].evidence) for name in names if name in owned]


def _answered(shown: services.Shown) -> str:
    return "nobody has filled it and the graph cannot say" if shown.needs_input else f"by the {shown.answered_by}"


def recipient_words(recipient: Recipient) -> str:
    named = f"{recipient.name} ({recipient.host})" if recipient.name else recipient.host
    role = (recipient.role or "role not declared").replace("_", " ")
    dpa = {True: "contract on file", False: "no contract on file", None: "contract not stated"}[recipient.dpa_signed]
    return f"{named}: {role}, {recipient.country or 'country unknown'}, through {recipient.integration}; {dpa}"


def retention_words(retention: Retention) -> str:
    basis = f" ({retention.basis})" if retention.basis else ""
    return f"{retention.system}: {retention.period or 'period not stated'}{basis}"


def security_words(security: Security) -> str:
    coverage = security.encryption_coverage
    parts = [f"{security.encrypted_sensitive_fields} of {security.sensitive_fields} sensitive fields encrypted"
             + (f" ({coverage:.0%})" if coverage is not None else "")]
    if security.code_without_sharing:
        parts.append("code without sharing: " + ", ".join(security.code_without_sharing))
    if security.code_enforcing_security:
        parts.append("code enforcing field-level security: " + ", ".join(security.code_enforcing_security))
    return "; ".join(parts)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def evidence_words(evidence: Evidence) -> str:
    path = " → ".join(evidence.path)
    return f"{path} ({evidence.artefact})" if evidence.artefact else path


# --- CSV: a row per activity and statement kind ----------------------------------------------------------------

CSV_COLUMNS: Final = ("org", "as_of", "activity_key", "activity", "origin", "statement", "label", "values",
                      "reasons", "evidence")
LIST_SEPARATOR: Final = "; "  # between the values of one statement kind in a cell


def csv_rows(record: services.RecordOfProcessing) -> Iterator[tuple[Cell, ...]]:
    for each in record.activities:
        activity = each.activity
        by_kind: dict[str, list[Line]] = {}
        for line in activity_lines(each):
            by_kind.setdefault(line.kind, []).append(line)
        for kind, lines in by_kind.items():
            yield (record.alias, record.as_of, activity.key, activity.name, activity.origin, kind, lines[0].label,
                   LIST_SEPARATOR.join(line.value for line in lines),
                   LIST_SEPARATOR.join(f"{line.value}: {line.reason}" for line in lines if line.reason),
                   "\n".join(f"{line.value} ← {evidence_words(proof)}" for line in lines for proof in line.evidence))


def write_csv(record: services.RecordOfProcessing, subject: ExportSubject, name: str, out: IO[bytes]) -> None:
    for chunk in csv_chunks(CSV_COLUMNS, csv_rows(record)):
        out.write(chunk.encode())


def write_ico_csv(record: services.RecordOfProcessing, subject: ExportSubject, name: str, out: IO[bytes]) -> None:
    """The UK ICO controller template's columns, a row per activity (`catalog.records.ico`)."""
    header, rows = ico_table(record)
    for chunk in csv_chunks(header, rows):
        out.write(chunk.encode())


# --- XLSX: a summary sheet, a sheet per activity ---------------------------------------------------------------

SHEET_NAME_LENGTH: Final = 31  # Excel's limit
SHEET_NAME_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEET_NAMES: Final = frozenset({"history"})  # Excel keeps it for itself
SUMMARY_SHEET: Final = "Summary"
CELL_TEXT_LIMIT: Final = 32_767  # the most characters Excel holds in a cell
SUMMARY_COLUMNS: Final = (("Activity", 34), ("Sheet", 22), ("Origin", 16), ("Regime", 30),
                          ("Risk assessment indicated", 14), ("Categories of personal information", 40),
                          ("Categories of sensitive personal information", 40), ("Recipients", 40),
                          ("Sold or shared", 30), ("Cross-border transfers", 30), ("Personal fields", 10),
                          ("Needs input", 30))
ACTIVITY_COLUMNS: Final = (("Statement", 30), ("Value", 60), ("Reason", 50), ("Evidence (graph path)", 60),
                           ("Artefact", 45))


def sheet_titles(names: Iterable[str], taken: Iterable[str] = (SUMMARY_SHEET,)) -> list[str]:
    """A sheet name for each of `names`: no character Excel refuses, at most 31 characters, unique regardless of
    case, none Excel reserves; a clash gets a number."""
    used = {each.casefold() for each in taken} | RESERVED_SHEET_NAMES
    titles = []
    for name in names:
        base = SHEET_NAME_FORBIDDEN.sub("-", name).strip().strip("'").strip() or "Activity"
        title, number = base[:SHEET_NAME_LENGTH], 1
        while title.casefold() in used:
            number += 1
            suffix = f" ({number})"
            title = base[:SHEET_NAME_LENGTH - len(suffix)].rstrip() + suffix
        used.add(title.casefold())
        titles.append(title)
    return titles


def write_xlsx(record: services.RecordOfProcessing, subject: ExportSubject, name: str, out: IO[bytes]) -> None:
    """Written in openpyxl's write-only mode: rows go to disk as they are made, not into a workbook in memory."""
    workbook = Workbook(write_only=True)
    titles = sheet_titles(each.activity.name for each in record.activities)
    _summary_sheet(workbook, record, titles)
    for each, title in zip(record.activities, titles, strict=True):
        _activity_sheet(workbook, each, title)
    workbook.save(out)


def _summary_sheet(workbook: Workbook, record: services.RecordOfProcessing, titles: list[str]) -> None:
    sheet = workbook.create_sheet(SUMMARY_SHEET)
    header_row = 3
    _layout(sheet, SUMMARY_COLUMNS, header_row, len(record.activities))
    sheet.append([_cell(sheet, f"Record of processing activities: {record.alias}", bold=True)])
    sheet.append([_cell(sheet, f"As of {_when(record)}; {record.needs_input_count} fields need input. "
                               "Its signature is in the .sig.json file beside this one.")])
    sheet.append([_cell(sheet, label, bold=True) for label, _ in SUMMARY_COLUMNS])
    for each, title in zip(record.activities, titles, strict=True):
        activity = each.activity
        sheet.append([_cell(sheet, value) for value in (
            activity.name, title, activity.origin, activity.regime.value, _yes_no(activity.dpia_indicated.value),
            _joined(activity.personal_categories, str), _joined(activity.sensitive_categories, str),
            _joined(activity.recipients, recipient_words), _joined(activity.sold_or_shared, recipient_words),
            _joined(activity.transfers, recipient_words), activity.field_count,
            ", ".join(shown.label for shown in each.needs_input))])
    sheet.append([])
    sheet.append([_cell(sheet, "The business", bold=True), _cell(sheet, "Answered by", bold=True)])
    for shown in record.owned:
        sheet.append([_cell(sheet, shown.label), _cell(sheet, shown.answered_by),
                      _cell(sheet, shown.value or NEEDS_INPUT_TEXT)])


def _activity_sheet(workbook: Workbook, record: services.ActivityRecord, title: str) -> None:
    sheet = workbook.create_sheet(title)
    lines = activity_lines(record)
    _layout(sheet, ACTIVITY_COLUMNS, 2, len(lines))
    activity = record.activity
    sheet.append([_cell(sheet, f"{activity.name} ({activity.origin}; {activity.regime.value})", bold=True)])
    sheet.append([_cell(sheet, label, bold=True) for label, _ in ACTIVITY_COLUMNS])
    for line in lines:
        sheet.append([_cell(sheet, value) for value in (
            line.label, line.value, line.reason, "\n".join(" → ".join(proof.path) for proof in line.evidence),
            "\n".join(proof.artefact or "" for proof in line.evidence))])


def _layout(sheet: Any, columns: Sequence[tuple[str, int]], header_row: int, rows: int) -> None:
    """Column widths, the title and header rows frozen, a filter on the table (set before any row is written)."""
    for number, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{header_row + max(rows, 1)}"


def _cell(sheet: Any, value: str | int, *, bold: bool = False) -> SheetCell:
    """A cell whose text is always text (never read as a formula), wrapped, cut at Excel's limit with a note."""
    if isinstance(value, int):
        cell = WriteOnlyCell(sheet, value)
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(text) > CELL_TEXT_LIMIT:
            note = " … (cut at Excel's cell limit: the JSON export holds it all)"
            text = text[:CELL_TEXT_LIMIT - len(note)] + note
        cell = WriteOnlyCell(sheet, text)
        cell.data_type = "s"  # text starting with = stays text: no formula injection
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        cell.font = Font(bold=True)
    return cell


def _joined(statements: Iterable[Stated[Any]], words: Callable[[Any], str]) -> str:
    return LIST_SEPARATOR.join(words(each.value) for each in statements)


def _when(record: services.RecordOfProcessing) -> str:
    return record.as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") + (" (live)" if record.live else "")


# --- PDF: a cover, contents, a section per activity, the evidence appendix --------------------------------------


@dataclass(frozen=True)
class PdfLine:
    line: Line
    references: str  # the appendix numbers of its evidence, e.g. "E3-E5, E9"


PDF_PATHS_PER_ARTEFACT: Final = 5  # an appendix entry's graph paths shown; the rest are counted (JSON has all)
PDF_TEXT_LIMIT: Final = 480  # characters of a statement's reason shown in the PDF; the JSON export has all


@dataclass(frozen=True)
class AppendixEntry:
    """A harvested artefact (a describe, a manifest entry, an Apex class …) and the graph paths citing it."""

    number: int
    artefact: str | None
    paths: tuple[str, ...]
    more: int  # paths not shown


class _EvidenceIndex:
    """Numbers each artefact in the order the sections cite it, gathering the graph paths that rest on it (a
    describe backs every field of its object: one entry, not one per field, keeps the PDF readable at scale)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.paths: dict[str, dict[tuple[str, ...], None]] = {}
        self.artefacts: dict[str, str | None] = {}

    def references(self, evidence: Iterable[Evidence]) -> str:
        numbers = sorted({self._number(each) for each in evidence})
        return ", ".join(f"E{first}" if first == last else f"E{first}-E{last}" for first, last in _runs(numbers))

    def _number(self, evidence: Evidence) -> int:
        key = evidence.artefact or " → ".join(evidence.path)  # evidence with no artefact stands for itself
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.artefacts[key] = evidence.artefact
        self.paths.setdefault(key, {})[evidence.path] = None
        return self.numbers[key]

    def entries(self) -> list[AppendixEntry]:
        return [AppendixEntry(number, self.artefacts[key],
                              tuple(" → ".join(path) for path in list(self.paths[key])[:PDF_PATHS_PER_ARTEFACT]),
                              max(0, len(self.paths[key]) - PDF_PATHS_PER_ARTEFACT))
                for key, number in self.numbers.items()]


def _pdf_line(line: Line, index: _EvidenceIndex) -> PdfLine:
    return PdfLine(Line(line.kind, line.label, line.value, pdf_reason(line.reason), line.evidence),
                   index.references(line.evidence))


def pdf_reason(reason: str) -> str:
    """`reason` as the PDF prints it: a list too long for a table cell (the fields of a category in a large org)
    is cut after a whole item, saying how many items follow."""
    if len(reason) <= PDF_TEXT_LIMIT:
        return reason
    shown = reason[:PDF_TEXT_LIMIT].rpartition(", ")[0]
    if not shown:
        return reason[:PDF_TEXT_LIMIT] + " … (the JSON export has it all)"
    left = reason[len(shown) + 2:].count(", ") + 1
    return f"{shown} … and {left:,} more (the JSON export lists them all)"


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive numbers as (first, last) runs."""
    start = previous = None
    for number in numbers:
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None and previous is not None:
            yield start, previous
        start = previous = number
    if start is not None and previous is not None:
        yield start, previous


def pdf_document(record: services.RecordOfProcessing, subject: ExportSubject, name: str) -> pdf.PdfDocument:
    """What the PDF says: the cover carries the digest and signature of the record's content (its JSON body)."""
    cover = sign_json_body(record_body(record), file_name=name, subject=subject)
    index = _EvidenceIndex()
    sections = tuple(_pdf_section(each, index) for each in record.activities)
    when = _when(record)
    return pdf.PdfDocument(
        title=f"Record of processing activities: {record.alias}, as of {when}", lead=f"{record.alias}, as of {when}",
        cover_facts=(
            pdf.Fact("Org", record.alias),
            pdf.Fact("As of", when + ("" if record.live else " (rebuilt as the graph stood then)")),
            *((pdf.Fact("Snapshot", f"{subject.snapshot}: the record as it was frozen, not as the graph is now"),)
              if subject.snapshot else ()),
            pdf.Fact("Activities", str(len(record.activities))),
            pdf.Fact("Needs input", f"{record.needs_input_count} field{'' if record.needs_input_count == 1 else 's'}"),
            *(_owned_fact(shown) for shown in record.owned)),
        signature_facts=(
            pdf.Fact("SHA-256", cover.sha256, "mono"),
            pdf.Fact("Ed25519 signature", cover.as_json()["signature"], "mono"),
            pdf.Fact("Signing key", cover.fingerprint, "mono"), pdf.Fact("Signed at", cover.statement()["signed_at"])),
        signature_note=(
            "The SHA-256 is of the record's content as its JSON export holds it (the RFC 8785 canonical JSON of that "
            f"export without its ropa_signature member). This file's own digest and signature are in {name}.sig.json, "
            f"delivered beside it: python manage.py verify_ropa {name} checks both."),
        sections=sections,
        appendix_note=("Each statement's evidence: the harvested artefact behind it, and the graph's nodes and "
                       "relationships along the paths that rest on it."),
        appendix=tuple(pdf.Reference(each.number, each.artefact or "(none: the graph itself)", each.paths, each.more)
                       for each in index.entries()))


def _owned_fact(shown: services.Shown) -> pdf.Fact:
    return pdf.Fact(shown.label, shown.value or "", "needs-input" if shown.needs_input else "")


def _pdf_section(record: services.ActivityRecord, index: _EvidenceIndex) -> pdf.Section:
    activity = record.activity
    regime = activity.regime.value + (f": {activity.regime.reason}" if activity.regime.reason else "")
    needs = "; ".join(shown.label for shown in record.needs_input)
    facts = (pdf.Fact("From", activity.origin), pdf.Fact("Regime", regime),
             pdf.Fact("Personal fields", str(activity.field_count)),
             *((pdf.Fact("Needs input", needs),) if needs else ()))
    lines = (_pdf_line(line, index) for line in activity_lines(record))
    return pdf.Section(activity.name, facts, tuple(pdf.Statement(each.line.label, each.line.value, each.line.reason,
                                                                 each.references) for each in lines))


def write_pdf(record: services.RecordOfProcessing, subject: ExportSubject, name: str, out: IO[bytes]) -> None:
    pdf.write_pdf(pdf_document(record, subject, name), out)


WRITERS: Final[dict[str, Callable[[services.RecordOfProcessing, ExportSubject, str, IO[bytes]], None]]] = {
    CSV: write_csv, XLSX: write_xlsx, PDF: write_pdf, ICO: write_ico_csv}


__all__ = ["CSV", "FORMATS", "ICO", "JSON", "PDF", "XLSX", "ExportFormatError", "Line", "RecordExport",
           "activity_lines", "checked_format", "export_name", "export_record", "pdf_reason", "record_body",
           "sheet_titles", "signed_export"]

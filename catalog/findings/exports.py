"""The findings report for auditors: every finding the list's filters pass, as CSV (a row each) or PDF (a summary
ranked by estimated exposure, then a page per finding with its rule, the law it concerns, its evidence path and its
history). Each export needs a stated reason and writes one audit event before the file leaves.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from django.db.models import QuerySet
from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Paragraph, Spacer

from catalog.exports.services import Exporter, ExportFile, export_filename, record_export, stated_reason
from catalog.exports.tables import Cell, csv_chunks
from catalog.findings.models import Finding, FindingState
from catalog.pdf import Fact, Heading, contents, facts_table, styles, text, text_grid, write_story
from lineage.rules import CODE_SPAN, Rule, rule_named

FINDINGS: Final = "findings"  # the export's kind, and its audit event's object type
CSV: Final = "csv"
PDF: Final = "pdf"
FORMATS: Final = (CSV, PDF)
CSV_COLUMNS: Final = (
    "id", "org", "rule", "title", "severity", "state", "target", "target_name", "system", "objects", "knowledge",
    "detail", "categories", "sensitive_categories", "consumers", "records", "exposure_low_usd", "exposure_high_usd",
    "citations", "first_seen_at", "last_seen_at", "resolved_at", "resolved_by_run", "risk_owner", "risk_expires_on",
    "risk_justification", "evidence")
SUMMARY_COLUMNS: Final = (0.06, 0.09, 0.34, 0.14, 0.13, 0.24)
PATH_COLUMNS: Final = (0.14, 0.44, 0.42)
HISTORY_COLUMNS: Final = (0.2, 0.15, 0.2, 0.45)
EXPOSURE_NOTE: Final = ("Exposure is an estimate: one violation per consumer affected (one when the graph cannot "
                        "count them) at the administrative fine of Cal. Civ. Code §1798.155(a) as adjusted from "
                        "1 January 2025 — $2,663 per violation, $7,988 if intentional. Consumers are counted through "
                        "the subject index and the lookups of the objects concerned: an inference, not a finding of "
                        "fact.")


def export_findings(found: QuerySet[Finding], applied: Mapping[str, Any], exporter: Exporter,
                    file_format: str) -> ExportFile:
    """The findings `found` passes as CSV or PDF; `applied` are the filters as given, recorded with the reason."""
    reason = stated_reason(exporter.reason)
    findings = list(found.select_related("org").prefetch_related("events"))
    scope = str(applied.get("org") or "all-orgs")
    record_export(exporter, reason, FINDINGS, str(applied.get("org") or ""), applied, len(findings), file_format)
    name = export_filename(FINDINGS, scope, file_format)
    if file_format == PDF:
        return ExportFile(name, len(findings), iter([pdf_of(findings, applied)]), content_type="application/pdf")
    return ExportFile(name, len(findings), csv_chunks(CSV_COLUMNS, (_row(each) for each in findings)))


def pdf_of(findings: Sequence[Finding], applied: Mapping[str, Any]) -> bytes:
    out = io.BytesIO()
    write_story(_story(findings, applied), out, "Recordkeeper findings report")
    return out.getvalue()


# --- CSV ---------------------------------------------------------------------------------------------------------


def _row(finding: Finding) -> tuple[Cell, ...]:
    rule = rule_named(finding.rule_id)
    return (finding.pk, finding.org.alias, finding.rule_id, finding.title, finding.severity,
            finding.state, finding.target, finding.target_name, finding.system, "; ".join(finding.sobjects),
            "; ".join(finding.knowledge), finding.detail, "; ".join(finding.categories),
            "; ".join(finding.sensitive_categories), finding.consumers, finding.records, str(finding.exposure_low),
            str(finding.exposure_high), "; ".join(each.cite for each in rule.citations) if rule else "",
            finding.first_seen_at, finding.last_seen_at, finding.resolved_at, finding.resolved_by_run_id,
            finding.risk_owner, finding.risk_expires_on.isoformat() if finding.risk_expires_on else None,
            finding.risk_justification, " -> ".join(_step_words(step) for step in finding.path))


def _step_words(step: dict[str, Any]) -> str:
    return f"{step['label']} {step['name']} [{step.get('evidence') or 'no artefact'}]"


# --- PDF ---------------------------------------------------------------------------------------------------------


def _story(findings: Sequence[Finding], applied: Mapping[str, Any]) -> list[Flowable]:
    style = styles()
    live = [each for each in findings if each.state != FindingState.RESOLVED]
    story: list[Flowable] = [
        Paragraph("Findings report", style["h1"]),
        Paragraph(text("Where the CCPA/CPRA controls of the orgs' Salesforce integrations break, each finding with its "
                       "evidence, the consumers it affects and its state."), style["lead"]),
        facts_table(_cover_facts(findings, live, applied), style), Spacer(1, 3 * mm),
        Paragraph(text(EXPOSURE_NOTE), style["note"]), NextPageTemplate("body"), PageBreak(),
        Paragraph("Contents", style["h2"])]
    titles = ["Summary", *(f"Finding {each.pk}: {each.title}" for each in findings)]
    story += [contents(titles, style), PageBreak(), Heading(titles[0], style["h2"], 1), _summary(findings, style)]
    for number, finding in enumerate(findings, start=2):
        story += [PageBreak(), Heading(titles[number - 1], style["h2"], number), *_finding(finding, style)]
    return story


def _cover_facts(findings: Sequence[Finding], live: Sequence[Finding], applied: Mapping[str, Any]) -> list[Fact]:
    filters = ", ".join(f"{name}: {value}" for name, value in applied.items() if value) or "none (every finding)"
    by_severity = ", ".join(f"{severity} {sum(1 for each in live if each.severity == severity)}"
                            for severity in ("critical", "high", "medium", "low"))
    return [Fact("Generated", f"{timezone.now():%d %B %Y, %H:%M} UTC"), Fact("Filters", filters),
            Fact("Findings", f"{len(findings)} ({len(live)} not resolved)"),
            Fact("Not resolved, by severity", by_severity, "flag" if live else ""),
            Fact("Estimated exposure (not resolved)", _range(sum((each.exposure_low for each in live), Decimal(0)),
                                                             sum((each.exposure_high for each in live), Decimal(0))))]


def _summary(findings: Sequence[Finding], style: dict[str, Any]) -> Flowable:
    rows = [(str(each.pk), each.severity, f"{each.title} — {each.target_name}", _state_words(each),
             "not countable" if each.consumers is None else f"{each.consumers:,}",
             _range(each.exposure_low, each.exposure_high)) for each in findings]
    return text_grid(("Id", "Severity", "Finding", "State", "Consumers", "Estimated exposure"), rows,
                     SUMMARY_COLUMNS, style, empty="No finding passes these filters.")


def _finding(finding: Finding, style: dict[str, Any]) -> list[Flowable]:
    rule = rule_named(finding.rule_id)
    facts = [Fact("Org", finding.org.alias), Fact("Severity", finding.severity),
             Fact("State", _state_words(finding), "flag" if finding.state == FindingState.OPEN else ""),
             Fact("About", finding.target_name), Fact("What was found", finding.detail),
             Fact("How it is known", ", ".join(finding.knowledge)),
             Fact("Consumers affected", "not countable from the graph" if finding.consumers is None
                  else f"{finding.consumers:,} ({finding.records or 0:,} records)"),
             Fact("Personal information", ", ".join(finding.categories) or "—"),
             Fact("Sensitive", ", ".join(finding.sensitive_categories) or "—"),
             Fact("Estimated exposure", _range(finding.exposure_low, finding.exposure_high)),
             Fact("First seen", f"{finding.first_seen_at:%d %b %Y, %H:%M} UTC"),
             Fact("Last seen", f"{finding.last_seen_at:%d %b %Y, %H:%M} UTC")]
    flowables: list[Flowable] = [facts_table(facts, style)]
    if rule is not None:
        flowables += _rule(rule, style)
    flowables += [Paragraph("Evidence path", style["h3"]),
                  text_grid(("Kind", "Node", "Harvested artefact"),
                            [(step["label"], step["name"], step.get("evidence") or "—") for step in finding.path],
                            PATH_COLUMNS, style, empty="No path was recorded."),
                  Paragraph("History", style["h3"]),
                  text_grid(("When", "Who", "Change", "Note"),
                            [(f"{event.at:%d %b %Y, %H:%M}", event.actor_name,
                              f"{event.from_state or 'new'} → {event.to_state}", event.note)
                             for event in finding.events.all()], HISTORY_COLUMNS, style, empty="No change recorded.")]
    return flowables


def _rule(rule: Rule, style: dict[str, Any]) -> list[Flowable]:
    return [Paragraph("Why it matters", style["h3"]), Paragraph(_with_code(rule.explanation), style["body"]),
            Paragraph("The law", style["h3"]),
            text_grid(("Section", "What it requires"), [(each.cite, each.says) for each in rule.citations],
                      (0.28, 0.72), style, empty="—"),
            Paragraph("Remediation", style["h3"]), Paragraph(_with_code(rule.remediation), style["body"])]


def _with_code(prose: str) -> str:
    """A rule's prose as a paragraph's markup, its `backticked` code set in the monospaced face."""
    return CODE_SPAN.sub(r'<font face="Mono">\1</font>', text(prose))


def _range(low: Decimal, high: Decimal) -> str:
    return f"${low:,.0f} to ${high:,.0f}"


def _state_words(finding: Finding) -> str:
    said = FindingState(finding.state).label
    if finding.state == FindingState.ACCEPTED_RISK and finding.risk_expires_on:
        return f"{said} until {finding.risk_expires_on:%d %b %Y} ({finding.risk_owner})"
    if finding.state == FindingState.RESOLVED and finding.resolved_by_run_id:
        return f"{said} by harvest run {finding.resolved_by_run_id}"
    return said



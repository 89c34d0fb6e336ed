"""The regulators' shapes as pages: an org's record in the UK ICO template with its coverage per question, and its
CCPA privacy-policy disclosures; thin views over catalog.records.ico and catalog.records.disclosures."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.pages import found, may_view
from catalog.records import services
from catalog.records.disclosures import disclosures_of
from catalog.records.ico import QUESTIONS, coverage
from catalog.records.views import _as_of as as_of_of_page  # the records pages read as_of one way


@require_GET
def ico_coverage_page(request: HttpRequest, alias: str) -> HttpResponse:
    """How much of the ICO template the record answers, per question, and the template filled in per activity."""
    may_view(request)
    as_of, error = as_of_of_page(request)
    report = coverage(found(services.record_of, alias, as_of))
    context = {"report": report, "record": report.record, "questions": QUESTIONS, "as_of_error": error,
               "as_of_value": request.GET.get("as_of", ""),
               "rows": [(row, list(zip(QUESTIONS, row.answers, strict=True))) for row in report.rows]}
    return render(request, "records/ico_coverage.html", context, status=400 if error else 200)


@require_GET
def ccpa_disclosures_page(request: HttpRequest, alias: str) -> HttpResponse:
    """The privacy policy's CCPA disclosures over the 12 months before the as-of date, each with its evidence."""
    may_view(request)
    as_of, error = as_of_of_page(request)
    disclosures = found(disclosures_of, alias, as_of)
    context = {"disclosures": disclosures, "record": {"live": as_of is None}, "as_of_error": error,
               "as_of_value": request.GET.get("as_of", "")}
    return render(request, "records/disclosures.html", context, status=400 if error else 200)

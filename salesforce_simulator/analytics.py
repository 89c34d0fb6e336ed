"""The Analytics REST API's report describe: which columns a report (and so its export) carries.

``GET analytics/reports/{id}/describe`` answers ``reportMetadata`` from the definition's
``report_metadata:`` section and the Report row (name, developer name, format); a report the
definition gives no metadata for is NOT_FOUND, as Salesforce answers for an unknown report.
"""

from __future__ import annotations

import re

from salesforce_simulator.routing import Route, SalesforceError, SimRequest, SimResponse


def report_describe(request: SimRequest, match: re.Match[str]) -> SimResponse:
    org = request.org
    wanted = match.group("id")[:15]
    report_id = next((key for key in org.report_metadata if key[:15] == wanted), None)
    if report_id is None:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    metadata = org.report_metadata[report_id]
    row = org.get_record("Report", report_id) or {}
    report_type = str(metadata.get("reportType") or "")
    return SimResponse(body={
        "reportMetadata": {
            "id": report_id, "name": row.get("Name"), "developerName": row.get("DeveloperName"),
            "reportFormat": str(row.get("Format") or "TABULAR").upper(),
            "reportType": {"type": report_type, "label": report_type},
            "detailColumns": list(metadata.get("detailColumns") or []),
        },
        "reportExtendedMetadata": {},
        "reportTypeMetadata": {},
    })


ROUTES: list[Route] = [
    Route("GET", re.compile(r"/?analytics/reports/(?P<id>00O\w{12,15})/describe/?"), report_describe),
]

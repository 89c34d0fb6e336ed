"""The exports' API: the field list's and the system list's rows as CSV, exactly as the filtered lists page through
them, guarded against formula injection, each export audited with who, what, the filters and the stated reason;
checked by role and scope, a missing reason or a bad filter a 400 naming it."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.classification import services as classification
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import admin, auditor, privacy_officer, token_client
from tests.catalog.exports.csv_files import csv_rows, streamed_text
from tests.lineage.queries.export_org import ADS, ALIAS, AWKWARD_LABEL, FORMULA_LABELS, MYSTERY, VAULT

pytestmark = pytest.mark.django_db
EXPORT = f"/api/v1/orgs/{ALIAS}/fields/export/"
LIST = f"/api/v1/orgs/{ALIAS}/fields/"
SYSTEMS_EXPORT = "/api/v1/systems/export/"
REASON = "reason=Annual%20CCPA%20audit"


@pytest.fixture
def api() -> APIClient:
    return token_client(auditor(), scopes=("catalog:read",))


def listed_fields(api: APIClient, query: str) -> list[tuple[str, ...]]:
    body = api.get(f"{LIST}?page_size=500&{query}").json()
    return [(row["object"], row["name"], row["label"] or "", row["type"] or "", row["ccpa_category"] or "",
             str(row["sensitive"]).lower(), str(row["encrypted"]).lower(), str(row["overridden"]).lower(),
             str(row["custom"]).lower(), row["namespace"] or "") for row in body["results"]]


def exported_fields(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [(row["object"], row["field"], row["label"].removeprefix("'"), row["type"], row["ccpa_category"],
             row["sensitive"], row["encrypted"], row["overridden"], row["custom"], row["namespace"]) for row in rows]


@pytest.mark.parametrize("query", [
    "", "object=Contact", "sensitive=true", "sensitive=true&encrypted=false", "ccpa_category=identifiers",
    "unclassified=false", "unclassified=true&custom=true", "custom=true&namespace=fin", "search=tax",
])
def test_the_exported_fields_are_the_filtered_listing_row_for_row(api: APIClient, export_bank: OrgConnection,
                                                                  query: str):
    exported = exported_fields(csv_rows(api.get(f"{EXPORT}?{REASON}&{query}")))

    assert exported == listed_fields(api, query)
    assert exported


def test_an_exported_field_carries_its_rules_salesforce_classification_and_first_and_last_seen(
        api: APIClient, export_bank: OrgConnection):
    rows = csv_rows(api.get(f"{EXPORT}?{REASON}&object=Contact&search=email"))

    assert list(rows[0]) == ["object", "field", "label", "type", "ccpa_category", "sensitive", "classification_rule",
                             "sensitivity_rule", "overridden", "override_by", "override_reason",
                             "security_classification", "compliance_groups", "encrypted", "custom", "namespace",
                             "first_seen", "last_seen"]
    email = rows[0]
    assert (email["classification_rule"], email["security_classification"], email["compliance_groups"]) == (
        "email type: identifiers", "Confidential", "PII;CCPA")
    assert email["first_seen"].startswith("2026-11-20T01:00:00")
    assert email["last_seen"].startswith("2026-11-20T01:00:00")


def test_an_override_in_force_is_exported_with_who_made_it_and_why(api: APIClient, export_bank: OrgConnection,
                                                                   rewritten_after: None):
    officer = privacy_officer()
    classification.override_field(ALIAS, "Contact", "Department", ccpa_category="customer_records", sensitive=True,
                                  reason="Holds the branch a customer banks with", actor=officer)

    rows = csv_rows(api.get(f"{EXPORT}?{REASON}&sensitive=true"))

    department = next(row for row in rows if row["field"] == "Department")
    assert (department["ccpa_category"], department["sensitive"], department["overridden"]) == (
        "customer_records", "true", "true")
    assert (department["override_by"], department["override_reason"]) == (
        officer.username, "Holds the branch a customer banks with")
    assert department["classification_rule"] == ""  # the rules decided nothing: the override did


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(api: APIClient, export_bank: OrgConnection):
    rows = csv_rows(api.get(f"{EXPORT}?{REASON}&object=Contact"))
    labels = {row["field"]: row["label"] for row in rows}

    for name, label in FORMULA_LABELS.items():
        assert labels[name] == f"'{label}", name
    assert labels["Email"] == "Email"


def test_commas_quotes_and_line_breaks_survive_the_round_trip(api: APIClient, export_bank: OrgConnection):
    rows = csv_rows(api.get(f"{EXPORT}?{REASON}&object=Account"))

    assert [row["label"] for row in rows] == [AWKWARD_LABEL, "Phone"]


def test_the_file_is_an_attachment_named_for_the_org_and_the_day(api: APIClient, export_bank: OrgConnection):
    response = api.get(f"{EXPORT}?{REASON}")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="recordkeeper-fields-{ALIAS}-20')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["Cache-Control"] == "no-store"
    streamed_text(response)


def test_an_export_writes_one_audit_event_with_who_what_the_filters_and_the_reason(export_bank: OrgConnection):
    exporter = auditor("audra")
    client = token_client(exporter, scopes=("catalog:read",))

    csv_rows(client.get(f"{EXPORT}?reason=Annual+CCPA+audit%2C+ticket+118&sensitive=true&encrypted=false"))

    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor_id, event.actor_name, event.object_type, event.object_key) == (
        exporter.pk, "audra", "fields", ALIAS)
    assert event.token_key != ""
    assert event.reason == "Annual CCPA audit, ticket 118"
    assert event.details == {"export": "fields", "format": "csv", "org": ALIAS, "rows": 1, "origin": "API",
                             "filters": {"sensitive": True, "encrypted": False}}


def test_an_email_or_phone_number_typed_into_the_reason_or_a_filter_is_not_kept(api: APIClient,
                                                                                export_bank: OrgConnection):
    response = api.get(f"{EXPORT}?reason=DSAR+of+jane.doe%40example.com+%2B1+415+555+0100&search=jo%40example.org")
    streamed_text(response)

    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.reason == "DSAR of [email removed] [phone removed]"
    assert event.details["filters"] == {"search": "[email removed]"}
    recorded = json.dumps([event.reason, event.details, event.object_key])
    for raw in ("jane.doe", "415", "jo@"):
        assert raw not in recorded


def test_an_export_without_a_reason_is_a_400_naming_it_and_exports_nothing(api: APIClient,
                                                                          export_bank: OrgConnection):
    for query in ("", "reason=", "reason=%20%20"):
        response = api.get(f"{EXPORT}?{query}")

        assert response.status_code == 400, query
        assert response["Content-Type"] == "application/problem+json"
        assert list(response.json()["errors"]) == ["reason"]
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_a_bad_filter_is_a_400_naming_it_beside_a_missing_reason(api: APIClient, export_bank: OrgConnection):
    response = api.get(f"{EXPORT}?sensitive=maybe&ccpa_category=gossip")

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["ccpa_category", "reason", "sensitive"]
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_an_unknown_org_is_a_404_naming_it(api: APIClient, export_bank: OrgConnection):
    response = api.get(f"/api/v1/orgs/no-such-bank/fields/export/?{REASON}")

    assert response.status_code == 404
    assert "no-such-bank" in response.json()["detail"]


def test_a_client_may_ask_for_text_csv_and_still_reads_an_error_as_a_problem(api: APIClient,
                                                                             export_bank: OrgConnection):
    assert api.get(f"{EXPORT}?{REASON}", HTTP_ACCEPT="text/csv").status_code == 200
    refused = api.get(EXPORT, HTTP_ACCEPT="text/csv")

    assert (refused.status_code, refused["Content-Type"]) == (400, "application/problem+json")
    assert list(json.loads(refused.content)["errors"]) == ["reason"]


def test_a_format_parameter_is_no_filter_and_changes_nothing(api: APIClient, export_bank: OrgConnection):
    for path in (EXPORT, SYSTEMS_EXPORT):
        response = api.get(f"{path}?{REASON}&format=AAA")

        assert response.status_code == 200, path
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        streamed_text(response)


def test_a_privacy_officer_and_an_auditor_may_export(export_bank: OrgConnection):
    for person in (privacy_officer(), auditor()):
        assert token_client(person, scopes=("catalog:read",)).get(f"{EXPORT}?{REASON}").status_code == 200


def test_an_admin_may_not_export(export_bank: OrgConnection):
    response = token_client(admin(), scopes=("catalog:read",)).get(f"{EXPORT}?{REASON}")

    assert response.status_code == 403
    assert "export catalog" in response.json()["detail"]


def test_a_token_without_catalog_read_may_not_export(export_bank: OrgConnection):
    response = token_client(auditor(), scopes=("dsar:read",)).get(f"{EXPORT}?{REASON}")

    assert response.status_code == 403
    assert response.json()["detail"] == "This token lacks the catalog:read scope."


def test_an_anonymous_request_is_a_401(export_bank: OrgConnection):
    for path in (EXPORT, SYSTEMS_EXPORT):
        response = APIClient().get(f"{path}?{REASON}")

        assert response.status_code == 401, path
        assert response["Content-Type"] == "application/problem+json"
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


# --- systems ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    f"org={ALIAS}", f"org={ALIAS}&role=third_party", f"org={ALIAS}&role=unknown", f"org={ALIAS}&country=us",
    "search=exp-test", "search=vault",
])
def test_the_exported_systems_are_the_filtered_listing(api: APIClient, export_bank: OrgConnection, query: str):
    listed = [row["key"] for row in api.get(f"/api/v1/systems/?page_size=500&{query}").json()["results"]]
    exported = list(dict.fromkeys(row["system"] for row in csv_rows(api.get(f"{SYSTEMS_EXPORT}?{REASON}&{query}"))))

    assert exported == listed
    assert exported


def test_a_system_row_names_each_orgs_role_and_country_and_each_integrations_checks(api: APIClient,
                                                                                   export_bank: OrgConnection):
    rows = csv_rows(api.get(f"{SYSTEMS_EXPORT}?{REASON}&org={ALIAS}"))

    assert [(row["host"], row["org"], row["role"], row["country"], row["integration"], row["consent_checked"],
             row["opt_out_checked"], row["unchecked"]) for row in rows] == [
        (ADS, ALIAS, "third_party", "DE", "AdsPush", "false", "false", "true"),
        (MYSTERY, ALIAS, "unknown", "", "MysteryCall", "", "", "false"),
        (VAULT, ALIAS, "service_provider", "US", "VaultSync", "true", "true", "false"),
    ]
    assert rows[0]["integration_kind"] == "apex_class"
    assert rows[0]["channel"] == "callout"


def test_a_systems_export_is_audited_with_its_org_and_filters(export_bank: OrgConnection):
    client = token_client(privacy_officer("pat"), scopes=("catalog:read",))

    csv_rows(client.get(f"{SYSTEMS_EXPORT}?reason=RoPA+recipients&org={ALIAS}&role=third_party"))

    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor_name, event.object_type, event.object_key, event.reason) == (
        "pat", "systems", ALIAS, "RoPA recipients")
    assert event.details["filters"] == {"org": ALIAS, "role": "third_party"}
    assert event.details["rows"] == 1


def test_a_systems_export_without_a_reason_or_with_a_bad_country_is_a_400_naming_them(api: APIClient,
                                                                                      export_bank: OrgConnection):
    response = api.get(f"{SYSTEMS_EXPORT}?country=USA")

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["country", "reason"]


def test_an_org_never_harvested_exports_a_header_alone(api: APIClient, export_bank: OrgConnection):
    text = streamed_text(api.get(f"{SYSTEMS_EXPORT}?{REASON}&org=no-such-org"))

    assert text.splitlines() == ["system,host,name,org,role,country,integration,integration_kind,channel,"
                                 "consent_checked,opt_out_checked,unchecked,first_seen,last_seen"]


def test_the_schema_documents_each_export_as_csv_with_a_required_reason_and_every_status():
    schema = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]

    for path, statuses in (("/api/v1/orgs/{alias}/fields/export/", {"200", "400", "401", "403", "404", "429"}),
                           ("/api/v1/systems/export/", {"200", "400", "401", "403", "429"})):
        operation = schema["paths"][path]["get"]
        assert set(operation["responses"]) == statuses, path
        assert list(operation["responses"]["200"]["content"]) == ["text/csv"]
        parameters = {each["name"]: each for each in operation["parameters"]}
        assert parameters["reason"]["required"] is True
        assert "format" not in parameters  # the export answers by Accept alone


def test_the_audit_events_api_lists_exports_filtered_by_their_action(api: APIClient, export_bank: OrgConnection):
    csv_rows(api.get(f"{EXPORT}?{REASON}&object=Contact"))
    officer = token_client(privacy_officer("olga"), scopes=("catalog:read",))

    body = officer.get("/api/v1/audit-events/?action=exported").json()

    assert [(each["action"], each["object_type"], each["object_key"], each["reason"]) for each in body["results"]] == [
        ("exported", "fields", ALIAS, "Annual CCPA audit")]
    assert body["results"][0]["details"]["filters"] == {"object": "Contact"}

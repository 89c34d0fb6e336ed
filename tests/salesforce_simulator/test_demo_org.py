"""The demo org, Golden Poppy Bank: what it declares, and that each seeded pattern is served.

The first half reads orgs/demo.yaml and its files directly (ids, references, scenario refs,
the integration manifest). The second half starts the simulator on the demo org and finds every
scenario's evidence over HTTPS with simple-salesforce, as a harvester would.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from simple_salesforce.api import Salesforce

import salesforce_simulator
from salesforce_simulator import Simulator, load_org
from salesforce_simulator.org import to_18
from tests.salesforce_simulator.conftest import API_VERSION, soap_login, trusting_session

ORGS_DIR = Path(salesforce_simulator.__file__).resolve().parent / "orgs"
DEMO_YAML = ORGS_DIR / "demo.yaml"
LITERAL_ID = re.compile(r"^[0-9A-Za-z]{3}8d0[0-9A-Za-z]{12}$")
HARVEST_USER = "recordkeeper@goldenpoppy.example"

# Tooling types a scenario ref may name, and the field that holds the name.
NAME_FIELD = {
    "ApexClass": "Name", "ConnectedApplication": "Name", "WorkflowOutboundMessage": "Name",
    "RemoteProxy": "SiteName", "NamedCredential": "DeveloperName",
    "LightningComponentBundle": "DeveloperName", "AuraDefinitionBundle": "DeveloperName",
    "PlatformEventChannelMember": "DeveloperName", "ExternalCredential": "DeveloperName",
}  # fmt: skip


# ---------------------------------------------------------------------------------------
# Reading the definition


@cache
def demo() -> dict[str, Any]:
    data = yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@cache
def manifests() -> dict[str, dict[str, Any]]:
    """Integration manifests by file stem."""
    loaded = {}
    for reference in demo()["integration_manifests"]:
        path = ORGS_DIR / reference
        loaded[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def literal_rows() -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, row) for every literal row with an Id: records, Tooling, users, audit, logins."""
    data = demo()
    for name, rows in data["records"].items():
        yield from ((name, row) for row in rows)
    for name, rows in data["tooling"].items():
        yield from ((name, row) for row in rows)
    yield from (("User", {"Id": user["id"], **user}) for user in data["users"])
    yield from (("SetupAuditTrail", row) for row in data["setup_audit_trail"])
    yield from (("LoginHistory", row) for row in data["login_history"])


def known_ids() -> dict[str, str]:
    """Every literal id → the kind of row it names."""
    ids = {demo()["org"]["id"]: "Organization"}
    ids.update({str(row["Id"]): kind for kind, row in literal_rows()})
    return ids


def values_in(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from values_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from values_in(value)
    else:
        yield node


def file_references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if set(node) == {"$file"}:
            yield str(node["$file"])
            return
        for value in node.values():
            yield from file_references(value)
    elif isinstance(node, list):
        for value in node:
            yield from file_references(value)


def tooling_row(type_name: str, name: str) -> dict[str, Any]:
    """The Tooling row of ``type_name`` named ``name`` (a Flow by its definition's name)."""
    tooling = demo()["tooling"]
    if type_name == "Flow":
        definition = next(r for r in tooling["FlowDefinition"] if r["DeveloperName"] == name)
        return next(r for r in tooling["Flow"] if r["Id"] == definition["ActiveVersionId"])
    return next(r for r in tooling[type_name] if r[NAME_FIELD[type_name]] == name)


def declared_field(object_name: str, field_name: str) -> dict[str, Any] | None:
    obj = next((o for o in demo()["objects"] if o["name"] == object_name), None)
    if obj is None:
        return None
    return next((f for f in obj["fields"] if f["name"] == field_name), None)


def resolves(ref: str) -> bool:
    """Whether a scenario ref names something the demo org (or its manifest) contains."""
    kind, _, key = ref.partition(":")
    if kind == "Flow" or kind in NAME_FIELD:
        try:
            tooling_row(kind, key)
        except StopIteration:
            return False
        return True
    if kind == "Field":
        return declared_field(*key.split(".", 1)) is not None
    if kind == "EventLog":
        event_type, _, day = key.partition("@")
        entries = demo()["event_logs"]["entries"]
        return any(e["event_type"] == event_type and e["day"] == int(day) for e in entries)
    if kind == "Manifest":
        return manifest_target(key) is not None
    return known_ids().get(key) == kind


def manifest_target(key: str) -> dict[str, Any] | None:
    """``stem#system[/flow-or-event]`` → that system, flow or consent event."""
    stem, _, path = key.partition("#")
    system_key, _, item = path.partition("/")
    system: dict[str, Any] | None = manifests().get(stem, {}).get("systems", {}).get(system_key)
    if system is None or not item:
        return system
    if item == "opt_out_preference_signal":
        return system.get(item)
    candidates = [*system.get("flows", []), *system.get("consent_events", [])]
    return next((entry for entry in candidates if entry["id"] == item), None)


def moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


# ---------------------------------------------------------------------------------------
# The definition itself


def test_demo_org_is_golden_poppy_bank_on_the_shared_clock() -> None:
    header = demo()["org"]
    assert header["name"] == "Golden Poppy Bank"
    assert moment(header["now"]).isoformat() == "2026-11-20T12:00:00+00:00"


def test_literal_ids_are_valid_18_character_salesforce_ids() -> None:
    for kind, row in literal_rows():
        record_id = str(row["Id"])
        assert LITERAL_ID.match(record_id), (kind, record_id)
        assert to_18(record_id[:15]) == record_id, (kind, record_id)


def test_literal_ids_are_unique() -> None:
    ids = [str(row["Id"]) for _, row in literal_rows()]
    assert len(ids) == len(set(ids))


def test_every_id_a_literal_row_mentions_is_a_literal_row() -> None:
    ids = known_ids()
    for kind, row in literal_rows():
        for value in values_in(row):
            if isinstance(value, str) and LITERAL_ID.match(value):
                assert value in ids, (kind, row["Id"], value)


def test_literal_records_use_only_fields_their_object_describes() -> None:
    org = load_org("demo")
    for name, rows in demo()["records"].items():
        sobject = org.sobject(name)
        assert sobject is not None, name
        described = {field["name"] for field in sobject.describe(API_VERSION)["fields"]}
        for row in rows:
            assert set(row) <= described, (name, row["Id"], set(row) - described)


def test_tooling_and_log_rows_have_api_field_names_only() -> None:
    api_name = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
    for kind, row in literal_rows():
        if kind not in demo()["records"] and kind != "User":
            assert all(api_name.match(key) for key in row), (kind, row["Id"], list(row))
    for entry in demo()["event_logs"]["entries"]:
        assert all(re.match(r"^[A-Z][A-Z0-9_]*$", key) for key in entry["row"]), entry


def test_every_file_a_record_points_to_exists() -> None:
    references = list(file_references(demo()))
    assert len(references) >= 15
    for reference in references:
        assert (ORGS_DIR / reference).is_file(), reference


def test_every_scenario_ref_names_something_the_org_contains() -> None:
    for name, scenario in demo()["scenarios"].items():
        assert scenario["kind"] in {"failure", "negative"}, name
        assert scenario["description"].strip(), name
        for ref in scenario["refs"]:
            assert resolves(ref), (name, ref)
        for subject in scenario.get("subjects", []):
            assert known_ids().get(subject) == "Individual", (name, subject)


def test_scenarios_cover_the_seeded_failures_and_negative_cases() -> None:
    kinds = {name: s["kind"] for name, s in demo()["scenarios"].items()}
    assert kinds == {
        "apex_transaction_pull_ignores_processing_opt_out": "failure",
        "flow_emails_balance_without_consent": "failure",
        "dsar_webhook_without_signature_validation": "failure",
        "report_export_without_audit_entry": "failure",
        "lightning_balances_without_sharing_or_fls": "failure",
        "sensitive_fields_without_encryption": "failure",
        "trading_sync_ignores_processing_opt_out": "failure",
        "mobile_opt_out_reached_salesforce_late": "failure",
        "opt_out_request_demands_identity_verification": "failure",
        "website_drops_opt_out_preference_signal": "failure",
        "balances_sold_for_a_purpose_not_disclosed": "failure",
        "enrichment_callout_gated_by_consent": "negative",
        "ssn_field_encrypted": "negative",
        "report_export_with_audit_entry": "negative",
        "mobile_opt_out_relayed_on_time": "negative",
        "requests_to_know_and_delete_verified": "negative",
        "mobile_app_relays_opt_out_preference_signal": "negative",
        "change_events_serve_a_disclosed_purpose": "negative",
    }


def test_every_personal_field_of_the_bank_objects_is_classified_and_owned() -> None:
    for obj in demo()["objects"]:
        for spec in obj["fields"]:
            where = (obj["name"], spec["name"])
            if spec.get("compliance_groups"):
                assert spec.get("classification"), where
                assert spec.get("business_status"), where
            if {"PII", "PCI"} & set(spec.get("compliance_groups", [])):
                assert spec["classification"] in {"Confidential", "Restricted"}, where
            if spec.get("classification") in {"Confidential", "Restricted"}:
                assert spec.get("business_owner"), where


def test_manifest_declares_the_dsar_webhook_unsigned() -> None:
    webhook = manifest_target("golden_poppy_integrations#dsar_portal/dsar_intake_webhook")
    assert webhook is not None
    assert webhook["transport"] == "webhook"
    assert webhook["signature_validation"] is False


def test_manifest_gives_each_recipient_a_ccpa_role_and_a_country() -> None:
    systems = manifests()["golden_poppy_integrations"]["systems"]
    roles = {key: system["role"] for key, system in systems.items()}
    assert roles == {
        "core_banking": "service_provider", "trading_platform": "third_party",
        "mobile_app": "first_party", "data_enrichment": "contractor",
        "email_service": "service_provider", "dsar_portal": "service_provider",
        "website": "first_party",
    }  # fmt: skip
    countries = {key: system["country"] for key, system in systems.items()}
    assert countries == {**dict.fromkeys(roles, "US"), "data_enrichment": "IN"}  # the one transfer abroad
    for key, system in systems.items():
        for flow in system.get("flows", []):
            assert isinstance(flow["consent_checked"], bool), (key, flow["id"])
            assert isinstance(flow["opt_out_checked"], bool), (key, flow["id"])
            assert flow["schedule"], (key, flow["id"])


def test_manifest_hosts_are_the_named_credential_endpoints() -> None:
    hosts = {host for s in manifests()["golden_poppy_integrations"]["systems"].values() for host in s["hosts"]}
    for credential in demo()["tooling"]["NamedCredential"]:
        assert credential["Endpoint"].removeprefix("https://") in hosts, credential["DeveloperName"]


def test_late_mobile_opt_out_took_more_than_a_day_to_reach_salesforce() -> None:
    event = manifest_target("golden_poppy_integrations#mobile_app/evt-7f3c2a91")
    assert event is not None
    consents = {row["Id"]: row for row in demo()["records"]["ContactPointTypeConsent"]}
    for ref in event["salesforce_records"]:
        kind, _, record_id = ref.partition(":")
        if kind == "ContactPointTypeConsent":
            delay = moment(consents[record_id]["CaptureDate"]) - moment(event["recorded_at"])
            assert delay.total_seconds() > 24 * 3600


def test_on_time_mobile_opt_out_reached_salesforce_within_minutes() -> None:
    event = manifest_target("golden_poppy_integrations#mobile_app/evt-91b0d4e2")
    assert event is not None
    consent = next(r for r in demo()["records"]["ContactPointTypeConsent"]
                   if f"ContactPointTypeConsent:{r['Id']}" in event["salesforce_records"])  # fmt: skip
    delay = moment(consent["CaptureDate"]) - moment(event["recorded_at"])
    assert 0 < delay.total_seconds() < 600


def test_jwt_certificate_belongs_to_the_shipped_test_key() -> None:
    jwt_dir = ORGS_DIR / "demo" / "jwt"
    certificate = x509.load_pem_x509_certificate((jwt_dir / "recordkeeper-jwt.crt").read_bytes())
    key = serialization.load_pem_private_key((jwt_dir / "recordkeeper-jwt.key").read_bytes(), None)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    assert certificate.public_key().public_bytes(serialization.Encoding.PEM, public) == (
        key.public_key().public_bytes(serialization.Encoding.PEM, public)
    )


def test_demo_loads_with_the_bank_objects_and_integrations() -> None:
    org = load_org("demo")
    for name in ("Account", "Contact", "Individual", "ContactPointTypeConsent", "DataUsePurpose",
                 "FinServ__FinancialAccount__c", "Loan_Application__c", "KYC_Check__c"):  # fmt: skip
        assert org.sobject(name) is not None, name
    assert {len(org.tooling[t]) for t in ("NamedCredential", "ExternalCredential")} == {5}
    assert len(org.scenarios) == 18


# ---------------------------------------------------------------------------------------
# Served over HTTPS with simple-salesforce


@pytest.fixture(scope="module")
def demo_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    state = tmp_path_factory.mktemp("demo-simulator-state")
    with Simulator(load_org("demo"), state_dir=state) as running:
        yield running


@pytest.fixture(scope="module")
def demo_session(demo_simulator: Simulator) -> requests.Session:
    return trusting_session(demo_simulator)


@pytest.fixture(scope="module")
def sf(demo_simulator: Simulator, demo_session: requests.Session) -> Salesforce:
    """The harvester's view: the read-only integration user, logged in with SOAP."""
    user = demo_simulator.org.user_by_username(HARVEST_USER)
    assert user is not None
    session_id, _ = soap_login(demo_simulator, demo_session, user.username, user.password,
                               user.security_token)  # fmt: skip
    return Salesforce(instance_url=demo_simulator.base_url, session_id=session_id,
                      session=demo_session, version=API_VERSION)  # fmt: skip


def test_recordkeeper_client_logs_in_with_the_shipped_jwt_key(
    demo_simulator: Simulator, demo_session: requests.Session
) -> None:
    client = demo_simulator.org.oauth_clients[0]
    claims = {
        "iss": client.consumer_key,
        "sub": HARVEST_USER,
        "aud": "https://login.salesforce.com",
        "exp": datetime.now(UTC) + timedelta(minutes=3),
    }
    key = (ORGS_DIR / "demo" / "jwt" / "recordkeeper-jwt.key").read_bytes()
    response = demo_session.post(
        f"{demo_simulator.base_url}/services/oauth2/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt.encode(claims, key, algorithm="RS256"),
        },
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    sf = Salesforce(instance_url=demo_simulator.base_url, session_id=token, session=demo_session, version=API_VERSION)
    assert sf.query("SELECT Username FROM User WHERE Username = 'recordkeeper@goldenpoppy.example'")["totalSize"] == 1


def test_contact_email_is_classified_through_field_metadata(sf: Salesforce) -> None:
    row = tooling_one(
        sf,
        "SELECT QualifiedApiName, SecurityClassification, ComplianceGroup FROM FieldDefinition "
        "WHERE EntityDefinition.QualifiedApiName = 'Contact' AND QualifiedApiName = 'Email'",
    )
    assert row["SecurityClassification"] == "Confidential"
    assert {"PII", "CCPA"} <= set(row["ComplianceGroup"].split(";"))


def soql(template: str, *values: str) -> str:
    """``template`` with each ``{}`` replaced by a quoted SOQL string literal."""
    quoted = ("'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'" for value in values)
    return template.format(*quoted)


def tooling_query(sf: Salesforce, soql: str) -> list[dict[str, Any]]:
    result = sf.toolingexecute("query/", params={"q": soql})
    assert isinstance(result, dict), result
    records: list[dict[str, Any]] = result["records"]
    return records


def tooling_one(sf: Salesforce, soql: str) -> dict[str, Any]:
    records = tooling_query(sf, soql)
    assert len(records) == 1, records
    return records[0]


def apex_body(sf: Salesforce, class_name: str) -> str:
    row = tooling_one(sf, soql("SELECT Id, Name, Body FROM ApexClass WHERE Name = {}", class_name))
    body = row["Body"]
    assert isinstance(body, str), f"ApexClass.Body of {class_name} is {body!r}"
    return body


def flow_metadata(sf: Salesforce, developer_name: str) -> dict[str, Any]:
    definition = tooling_one(
        sf, soql("SELECT Id, ActiveVersionId FROM FlowDefinition WHERE DeveloperName = {}", developer_name)
    )
    flow = tooling_one(sf, soql("SELECT Id, Metadata FROM Flow WHERE Id = {}", definition["ActiveVersionId"]))
    metadata: dict[str, Any] = flow["Metadata"]
    return metadata


CONSENT_WORDS = ("HasOptedOut", "PrivacyConsentStatus", "ShouldForget", "Individual")


def mentions_consent(node: Any) -> bool:
    return any(isinstance(v, str) and any(w in v for w in CONSENT_WORDS) for v in values_in(node))


def test_balance_alert_flow_emails_account_number_and_balance_without_a_consent_decision(
    sf: Salesforce,
) -> None:
    metadata = flow_metadata(sf, "Balance_Alert_Email")
    assert metadata["start"]["object"] == "FinServ__FinancialAccount__c"
    assert metadata["start"]["triggerType"] == "RecordAfterSave"
    [email] = [a for a in metadata["actionCalls"] if a["actionType"] == "emailSimple"]
    body_ref = next(p for p in email["inputParameters"] if p["name"] == "emailBody")
    template = next(t for t in metadata["textTemplates"]
                    if t["name"] == body_ref["value"]["elementReference"])  # fmt: skip
    assert "FinServ__Balance__c" in template["text"]
    assert "FinServ__FinancialAccountNumber__c" in template["text"]
    assert metadata["decisions"]
    assert not mentions_consent(metadata["decisions"])
    assert not mentions_consent(metadata.get("recordLookups", []))


def test_enrichment_flow_calls_out_only_after_a_consent_decision(sf: Salesforce) -> None:
    metadata = flow_metadata(sf, "Customer_Enrichment_On_Create")
    [decision] = metadata["decisions"]
    [rule] = decision["rules"]
    lefts = {c["leftValueReference"] for c in rule["conditions"]}
    assert "Get_Individual.HasOptedOutProcessing" in lefts
    assert "Get_Analytics_Consent.PrivacyConsentStatus" in lefts
    [action] = metadata["actionCalls"]
    assert rule["connector"]["targetReference"] == action["name"]
    assert "DataEnrichmentService" in action["actionName"]
    assert "callout:DataEnrichment/" in apex_body(sf, "DataEnrichmentService")


def test_core_banking_pull_calls_out_without_checking_processing_opt_out(sf: Salesforce) -> None:
    body = apex_body(sf, "CoreBankingTransactionSync")
    assert "callout:CoreBanking/" in body
    assert "HttpRequest" in body
    assert "HasOptedOutProcessing" not in body


def test_trading_sync_shares_customers_while_ignoring_processing_opt_out(sf: Salesforce) -> None:
    body = apex_body(sf, "TradingPlatformNightlySync")
    assert "callout:TradingPlatform/" in body
    assert "HasOptedOutSolicit" in body
    assert "HasOptedOutProcessing" not in body
    cron = sf.query("SELECT Id, CronExpression, State FROM CronTrigger")["records"]
    assert "0 0 2 * * ?" in {row["CronExpression"] for row in cron}


def test_balances_component_reads_through_a_controller_without_sharing_or_fls(sf: Salesforce) -> None:
    bundle = tooling_one(sf, "SELECT Id FROM LightningComponentBundle WHERE DeveloperName = 'accountBalances'")
    sources = tooling_query(
        sf, soql("SELECT FilePath, Source FROM LightningComponentResource WHERE LightningComponentBundleId = {}",
                 bundle["Id"]),
    )  # fmt: skip
    script = next(r["Source"] for r in sources if r["FilePath"].endswith(".js"))
    assert "@salesforce/apex/AccountBalanceController.getBalances" in script
    body = apex_body(sf, "AccountBalanceController")
    assert "without sharing" in body
    for check in ("WITH SECURITY_ENFORCED", "WITH USER_MODE", "stripInaccessible", "isAccessible"):
        assert check not in body


def test_account_number_and_tax_id_are_restricted_but_unencrypted(sf: Salesforce) -> None:
    for object_name, field_name in (("FinServ__FinancialAccount__c", "FinServ__FinancialAccountNumber__c"),
                                    ("Loan_Application__c", "Tax_Id__c")):  # fmt: skip
        row = tooling_one(sf, soql(
            "SELECT QualifiedApiName, SecurityClassification, ComplianceGroup FROM FieldDefinition "
            "WHERE EntityDefinition.QualifiedApiName = {} AND QualifiedApiName = {}", object_name, field_name,
        ))  # fmt: skip
        assert row["SecurityClassification"] == "Restricted"
        assert "GLBA" in row["ComplianceGroup"].split(";")
        described = getattr(sf, object_name).describe()
        field = next(f for f in described["fields"] if f["name"] == field_name)
        assert field["encrypted"] is False


def test_the_person_account_carries_the_ids_core_banking_and_the_app_know_a_customer_by(sf: Salesforce) -> None:
    account: dict[str, Any] = sf.restful("sobjects/Account/describe") or {}
    described = {field["name"]: field for field in account["fields"]}
    [zora] = sf.query("SELECT Core_Customer_Number__c, Mobile_App_User_Id__c FROM Account "
                      "WHERE Id = '0018d0ZoraQuinnACB'")["records"]

    for name in ("Core_Customer_Number__c", "Mobile_App_User_Id__c"):
        assert (described[name]["externalId"], described[name]["unique"], described[name]["custom"]) == (
            True, True, True)
    assert (zora["Core_Customer_Number__c"], zora["Mobile_App_User_Id__c"]) == ("C-100231", "gp-7f3a91")
    assert "PersonEmail" in described  # served after the captured fields, which stay as they were


def test_ssn_and_id_document_fields_are_encrypted(sf: Salesforce) -> None:
    for object_name, field_name in (("Loan_Application__c", "Applicant_SSN__c"),
                                    ("KYC_Check__c", "Id_Document_Number__c")):  # fmt: skip
        described = getattr(sf, object_name).describe()
        field = next(f for f in described["fields"] if f["name"] == field_name)
        assert field["encrypted"] is True


def test_about_500_individuals_with_about_8_percent_opted_out_of_processing(sf: Salesforce) -> None:
    total = sf.query("SELECT COUNT() FROM Individual")["totalSize"]
    opted_out = sf.query("SELECT COUNT() FROM Individual WHERE HasOptedOutProcessing = true")["totalSize"]
    assert 500 <= total <= 510
    assert 0.05 <= opted_out / total <= 0.12


def test_every_financial_account_has_an_account_number(sf: Salesforce) -> None:
    total = sf.query("SELECT COUNT() FROM FinServ__FinancialAccount__c")["totalSize"]
    unnumbered = sf.query(
        "SELECT COUNT() FROM FinServ__FinancialAccount__c WHERE FinServ__FinancialAccountNumber__c = null"
    )["totalSize"]
    assert total > 500
    assert unnumbered == 0


def test_data_use_purposes_are_the_bank_four(sf: Salesforce) -> None:
    names = {row["Name"] for row in sf.query("SELECT Name FROM DataUsePurpose")["records"]}
    assert names == {"Marketing", "Credit Decisioning", "Fraud Prevention", "Analytics"}


def test_late_opt_out_consent_carries_the_salesforce_receipt_time(sf: Salesforce) -> None:
    rows = sf.query(
        "SELECT Id, CaptureDate, CaptureSource FROM ContactPointTypeConsent "
        "WHERE Name = 'Mobile app evt-7f3c2a91'"
    )["records"]  # fmt: skip
    assert len(rows) == 2
    event = manifest_target("golden_poppy_integrations#mobile_app/evt-7f3c2a91")
    assert event is not None
    for row in rows:
        delay = moment(row["CaptureDate"].replace("+0000", "+00:00")) - moment(event["recorded_at"])
        assert delay.total_seconds() > 24 * 3600


def test_named_credentials_point_at_the_five_integrations(sf: Salesforce) -> None:
    rows = tooling_query(sf, "SELECT DeveloperName, Endpoint FROM NamedCredential")
    assert {row["DeveloperName"]: row["Endpoint"] for row in rows} == {
        "CoreBanking": "https://api.core-banking.example.com",
        "TradingPlatform": "https://api.trading-platform.example.com",
        "MobileBackend": "https://mobile-api.goldenpoppy.test",
        "DataEnrichment": "https://api.enrichment-vendor.example.com",
        "EmailService": "https://api.email-service.example.com",
    }


def test_change_data_capture_covers_contacts_and_financial_accounts(sf: Salesforce) -> None:
    rows = tooling_query(sf, "SELECT SelectedEntity FROM PlatformEventChannelMember")
    selected = {row["SelectedEntity"] for row in rows}
    assert {"ContactChangeEvent", "FinServ__FinancialAccount__ChangeEvent"} <= selected


def test_outbound_message_sends_address_changes_to_core_banking(sf: Salesforce) -> None:
    row = tooling_one(sf, "SELECT Id FROM WorkflowOutboundMessage WHERE Name = 'Core Banking Address Change'")
    full = tooling_one(sf, soql("SELECT Id, Metadata FROM WorkflowOutboundMessage WHERE Id = {}", row["Id"]))
    assert full["Metadata"]["endpointUrl"].startswith("https://api.core-banking.example.com/")
    assert "MailingStreet" in full["Metadata"]["fields"]


def test_thirty_days_of_event_log_files_for_each_event_type(sf: Salesforce) -> None:
    days: dict[str, set[str]] = {}
    for row in sf.query_all("SELECT EventType, LogDate FROM EventLogFile")["records"]:
        days.setdefault(row["EventType"], set()).add(row["LogDate"][:10])
    for event_type in ("API", "RestApi", "BulkApi", "ReportExport", "Report", "ApexCallout", "ApiTotalUsage"):
        assert len(days[event_type]) == 30, event_type
        assert max(days[event_type]) == "2026-11-19", event_type


def log_lines(sf: Salesforce, session: requests.Session, event_type: str, day: str) -> list[dict[str, str]]:
    query = soql("SELECT Id FROM EventLogFile WHERE EventType = {} AND LogDate = ", event_type)
    rows = sf.query(f"{query}{day}T00:00:00Z")["records"]
    assert len(rows) == 1, rows
    url = f"{sf.base_url}sobjects/EventLogFile/{rows[0]['Id']}/LogFile"
    response = session.get(url, headers=sf.headers)
    response.raise_for_status()
    return list(csv.DictReader(io.StringIO(response.text)))


def test_report_export_of_tax_ids_has_no_audit_trail_entry(sf: Salesforce, demo_session: requests.Session) -> None:
    analyst = sf.query("SELECT Id FROM User WHERE Username = 'dmitri.kowalczyk@goldenpoppy.example'")
    analyst_id = analyst["records"][0]["Id"]
    exports = [line for line in log_lines(sf, demo_session, "ReportExport", "2026-11-17")
               if line["USER_ID"] == analyst_id[:15]]  # fmt: skip
    assert "Customer Accounts with Tax IDs" in {line["REPORT_DESCRIPTION"] for line in exports}
    audit = sf.query("SELECT Id, Display, CreatedById, CreatedDate FROM SetupAuditTrail")["records"]
    assert audit
    assert not [row for row in audit if "dmitri" in row["Display"].lower() or row["CreatedById"] == analyst_id]


def test_regulatory_export_is_matched_by_a_permission_grant(sf: Salesforce) -> None:
    audit = sf.query("SELECT Display, CreatedDate FROM SetupAuditTrail WHERE Action = 'PermSetAssign'")
    assert any("lucia.brennan" in row["Display"] for row in audit["records"])


def test_apex_callout_log_shows_the_opted_out_customers_transactions_pulled(
    sf: Salesforce, demo_session: requests.Session
) -> None:
    lines = log_lines(sf, demo_session, "ApexCallout", "2026-11-19")
    urls = {line["URL"] for line in lines}
    pulled = "https://api.core-banking.example.com/v2/accounts/402118836619/transactions"
    assert f"{pulled}?postedSince=2026-11-19T10:05:01Z" in urls
    zora = sf.query("SELECT Id, HasOptedOutProcessing FROM Individual WHERE LastName = 'Quinn' AND FirstName = 'Zora'")
    assert zora["records"][0]["HasOptedOutProcessing"] is True


def test_a_count_of_records_created_before_a_cutoff_answers_those_created_earlier(sf: Salesforce) -> None:
    cutoff = datetime.now(UTC) - timedelta(days=730)
    rows = sf.query_all("SELECT Id, CreatedDate FROM Individual")["records"]
    older = sum(1 for row in rows if datetime.fromisoformat(row["CreatedDate"].replace("+0000", "+00:00")) < cutoff)
    counted = sf.query(f"SELECT COUNT() FROM Individual WHERE CreatedDate < {cutoff:%Y-%m-%dT%H:%M:%SZ}")  # noqa: S608
    assert counted["totalSize"] == older
    assert 0 < older < len(rows)  # the demo's consumers were created over four years: some are past two

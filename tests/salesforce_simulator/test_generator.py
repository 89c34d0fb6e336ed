"""Generated orgs: deterministic by seed, streaming, and served like any other org."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import requests
from simple_salesforce.api import Salesforce

from salesforce_simulator import Simulator, eventlogs, rest, tooling
from salesforce_simulator.generator import GENERATED_REPORTS, generate_org, generated_object
from salesforce_simulator.org import IndexedRecordSource, Org, Record, id_number, to_18

from .conftest import API_VERSION, soap_login, trusting_session


def rows(org: Org, name: str, count: int) -> list[dict[str, object]]:
    return list(itertools.islice(org.records(name), count))


def test_same_seed_generates_the_same_org() -> None:
    one, two = generate_org(objects=4, fields=6, consumers=50, seed=5), generate_org(objects=4, fields=6,
                                                                                      consumers=50, seed=5)
    for name in ("Contact", "Individual", "ContactPointTypeConsent", "Gen00003__c"):
        assert rows(one, name, 50) == rows(two, name, 50)
    assert one.objects["Gen00002__c"].describe("61.0") == two.objects["Gen00002__c"].describe("61.0")


def test_another_seed_generates_other_people() -> None:
    one, two = generate_org(consumers=20, seed=5), generate_org(consumers=20, seed=6)
    assert rows(one, "Contact", 20) != rows(two, "Contact", 20)


def test_record_n_is_made_without_records_before_it() -> None:
    org = generate_org(objects=1, fields=3, consumers=1_000_000, seed=7)
    source = org.record_sources["Contact"]
    assert isinstance(source, IndexedRecordSource)
    made: list[int] = []
    make = source.make

    def counting_make(index: int) -> Record | None:
        made.append(index)
        return make(index)

    source.make = counting_make
    last = make(999_999)
    assert last is not None
    last_id = last["Id"]
    row = org.get_record("Contact", last_id)
    assert row is not None
    assert row["Id"] == last_id
    assert made == [999_999]
    assert id_number(last_id) == 999_999


def test_iterating_a_large_population_holds_no_rows() -> None:
    org = generate_org(objects=1, fields=3, consumers=5_000, seed=7)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    count = sum(1 for _ in org.records("ContactPointTypeConsent"))
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert count == 15_000
    assert grown < 5 * 1024 * 1024  # 15,000 rows held would take over 20 MiB


def test_generated_objects_have_the_requested_fields() -> None:
    org = generate_org(objects=3, fields=12, consumers=1, seed=1)
    described = org.objects["Gen00001__c"].describe("61.0")
    custom = [f for f in described["fields"] if f["custom"]]
    assert len(custom) == 12


def test_every_generated_object_has_its_own_entity_id_and_classification() -> None:
    org = generate_org(objects=300, fields=4, consumers=1, seed=1)
    ids = tooling.run_tooling_query(org, "SELECT DurableId FROM EntityDefinition", "61.0").rows
    assert len({row["DurableId"] for row in ids}) == len(ids) == len(org.objects)
    for name in ("Gen00000__c", "Gen00150__c", "Gen00299__c"):
        soql = ("SELECT QualifiedApiName, EntityDefinition.QualifiedApiName FROM FieldDefinition "  # noqa: S608
                f"WHERE EntityDefinition.QualifiedApiName = '{name}'")
        rows = tooling.run_tooling_query(org, soql, "61.0").rows
        assert {row["EntityDefinition"]["QualifiedApiName"] for row in rows} == {name}
        assert sum(row["QualifiedApiName"].endswith("__c") for row in rows) == 4


def test_generated_integrations_carry_their_audit_dates_like_a_real_orgs() -> None:
    org = generate_org(objects=1, fields=1, integrations=30, consumers=1, seed=3)

    rows = [row for rows in org.tooling.values() for row in rows]

    assert len(rows) == 60
    assert all(row["CreatedDate"] <= row["LastModifiedDate"] < org.now for row in rows)


def test_tooling_types_every_org_has_answer_no_rows_where_the_org_defines_none() -> None:
    org = generate_org(objects=1, fields=1, integrations=1, consumers=1, seed=3)

    apex = tooling.run_tooling_query(org, "SELECT Id, Name, Body, LastModifiedDate FROM ApexClass", "61.0")
    flows = tooling.run_tooling_query(
        org, "SELECT Id, Definition.DeveloperName FROM Flow WHERE Status = 'Active'", "61.0")

    assert (apex.total, apex.rows, flows.total) == (0, [], 0)


def test_generated_org_is_served_over_https(tmp_path: Path) -> None:
    org = generate_org(objects=30, fields=10, consumers=3000, seed=2)
    with Simulator(org, state_dir=tmp_path) as simulator:
        session: requests.Session = trusting_session(simulator)
        session_id, _ = soap_login(simulator, session)
        sf = Salesforce(instance_url=simulator.base_url, session_id=session_id, session=session,
                        version=API_VERSION)  # fmt: skip
        described = sf.describe()
        assert described is not None
        names = {entry["name"] for entry in described["sobjects"]}
        assert {f"Gen{n:05d}__c" for n in range(30)} <= names
        assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 3000
        assert len(sf.query_all("SELECT Id FROM Individual")["records"]) == 3000
        assert sf.query("SELECT Id FROM Gen00029__c")["totalSize"] == 5


def population_org(tmp_path: Path, **knobs: object) -> Org:
    from salesforce_simulator.definition import build_org

    data = {
        "org": {"id": "00D8d000001TestEAQ", "name": "Knobs", "now": "2026-11-20T12:00:00Z"},
        "objects": [{"name": "Loan_Application__c", "fields": [
            {"name": "Applicant__c", "type": "reference", "reference_to": ["Account"]},
            {"name": "Applicant_SSN__c", "type": "string", "encrypted": True}]}],
        "records": {"DataUsePurpose": [
            {"Id": "0oN8d0MarketingECA", "Name": "Marketing"}, {"Id": "0oN8d0FraudPrevECC", "Name": "Fraud"}]},
        "population": {"consumers": 2000, "seed": 3, **knobs},
    }  # fmt: skip
    return build_org(data, tmp_path)


def test_population_knobs_shape_the_consumers(tmp_path: Path) -> None:
    org = population_org(
        tmp_path, opt_out_processing_rate=0.1, contact_points={"email": 1.0, "phone": 0.5},
        financial_accounts={"per_consumer": [1, 3], "types": {"Checking": 1.0}}, loan_application_rate=0.25,
        consents=[{"purpose": "0oN8d0FraudPrevECC", "statuses": {"Seen": 1.0}, "follows_processing_opt_out": False}],
    )  # fmt: skip
    phones = sum(1 for _ in org.records("ContactPointPhone"))
    accounts = list(org.records("FinServ__FinancialAccount__c"))
    consents = list(org.records("ContactPointTypeConsent"))
    loans = list(org.records("Loan_Application__c"))
    assert 900 < phones < 1100
    assert 2000 < len(accounts) < 6000
    assert {a["FinServ__FinancialAccountType__c"] for a in accounts} == {"Checking"}
    assert len(consents) == 2000  # one rule: fraud prevention only, never opted out of
    assert {c["PrivacyConsentStatus"] for c in consents} == {"Seen"}
    assert 400 < len(loans) < 600
    assert all(set(loan) <= {"Id", "Name", "Applicant__c", "Applicant_SSN__c", "IsDeleted", "OwnerId", "CreatedDate",
                             "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"}
               for loan in loans)  # fmt: skip


def test_processing_opt_outs_turn_following_consents_to_opt_out(tmp_path: Path) -> None:
    org = population_org(tmp_path, opt_out_processing_rate=0.2)
    opted_out = {row["Id"] for row in org.records("Individual") if row["HasOptedOutProcessing"]}
    consents = [c for c in org.records("ContactPointTypeConsent") if c["PartyId"] in opted_out]
    assert 300 < len(opted_out) < 500
    assert {c["PrivacyConsentStatus"] for c in consents} == {"OptOut"}


def test_generated_org_answers_the_reports_run_since_a_date_as_a_real_org_does() -> None:
    org = generate_org(objects=2, fields=3, integrations=1, consumers=10, log_days=3, seed=5)
    total, rows = rest.run_query(org, "SELECT Id, Name, DeveloperName, FolderName, Format, LastRunDate FROM Report "
                                      "WHERE LastRunDate > 2026-11-18T12:00:00Z", False, API_VERSION)
    reports = list(rows)
    assert total == len(reports) > 0
    assert all(report["LastRunDate"] > "2026-11-18T12:00:00" for report in reports)
    logged = {str(row["REPORT_ID"]) for log in eventlogs.log_files(org) if log.event_type == "Report"
              for row in eventlogs.log_rows(org, log)}
    known = {str(report["Id"])[:15] for report in rest.run_query(org, "SELECT Id FROM Report", False, API_VERSION)[1]}
    assert logged
    assert logged <= known  # every report the event logs name is a Report row


def test_the_reports_a_generated_orgs_event_logs_run_and_export_are_the_reports_the_org_has() -> None:
    org = generate_org(objects=2, fields=3, integrations=1, consumers=10, log_days=3, seed=6)
    rows = [row for log in eventlogs.log_files(org) if log.event_type in {"Report", "ReportExport"}
            for row in eventlogs.log_rows(org, log)]
    run = {to_18(str(row["REPORT_ID"])) for row in rows if row["EVENT_TYPE"] == "Report"}
    exported = {str(row["URI_ID_DERIVED"]) for row in rows if row["EVENT_TYPE"] == "ReportExport"}
    exported_by_uri = {to_18(str(row["URI"]).removeprefix("/")) for row in rows if row["EVENT_TYPE"] == "ReportExport"}
    reports = {str(report["Id"]) for report in org.records("Report")}

    assert len(reports) == GENERATED_REPORTS
    assert len(run) > 1
    assert exported
    assert run | exported | exported_by_uri <= reports


def test_generated_objects_hold_fields_about_people_some_encrypted_the_same_for_a_seed() -> None:
    def personal_fields(seed: int) -> list[tuple[str, bool]]:
        return [(spec.name, spec.encrypted) for index in range(40) for spec in generated_object(index, 100, seed).fields
                if not spec.name.startswith("Field")]

    found = personal_fields(7)
    names = {name.removesuffix("__c").rsplit("_", 1)[0] for name, _ in found}

    assert 0.1 < len(found) / 4000 < 0.2
    assert {"SSN", "Tax_Id", "Birthdate", "Email"} <= names
    assert any(encrypted for _, encrypted in found)
    assert personal_fields(7) == found != personal_fields(8)

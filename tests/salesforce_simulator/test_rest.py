"""The REST API through simple-salesforce: describes, records, query paging, composite."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from salesforce_simulator import Simulator

from .conftest import error_body, sobject

SHARED_DESCRIBE = Path("/work/shared/data/salesforce/describe")


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


# -- describes --------------------------------------------------------------------------------


def test_describe_global_merges_captured_entries_and_compact_objects(sf: Salesforce) -> None:
    described = sf.describe()
    assert described is not None
    names = [entry["name"] for entry in described["sobjects"]]
    captured = json.loads((SHARED_DESCRIBE / "describe_global.json").read_text())
    assert names[: len(captured["sobjects"])] == [entry["name"] for entry in captured["sobjects"]]
    assert {"FinServ__FinancialAccount__c", "Individual", "ContactPointTypeConsent"} <= set(names)
    assert described["encoding"] == "UTF-8"
    assert described["maxBatchSize"] == 200


def test_describe_global_unchanged_since_answers_304(sf: Salesforce, sf_session: requests.Session) -> None:
    since = http_date(datetime(2026, 11, 21, tzinfo=UTC))
    response = sf_session.get(sf.base_url + "sobjects/", headers={**sf.headers, "If-Modified-Since": since})
    assert response.status_code == 304
    assert response.content == b""


def test_describe_global_changed_since_answers_200(sf: Salesforce, sf_session: requests.Session) -> None:
    since = http_date(datetime(2026, 1, 1, tzinfo=UTC))
    response = sf_session.get(sf.base_url + "sobjects/", headers={**sf.headers, "If-Modified-Since": since})
    assert response.status_code == 200
    assert response.json()["sobjects"]


def test_describe_unchanged_since_answers_304(sf: Salesforce, sf_session: requests.Session) -> None:
    since = http_date(datetime(2026, 9, 1, tzinfo=UTC))  # the object's last_modified
    response = sf_session.get(sf.base_url + "sobjects/FinServ__FinancialAccount__c/describe/",
                              headers={**sf.headers, "If-Modified-Since": since})  # fmt: skip
    assert response.status_code == 304
    assert response.content == b""


def test_describe_changed_since_answers_the_describe(sf: Salesforce, sf_session: requests.Session) -> None:
    since = http_date(datetime(2026, 8, 31, tzinfo=UTC))
    response = sf_session.get(sf.base_url + "sobjects/FinServ__FinancialAccount__c/describe/",
                              headers={**sf.headers, "If-Modified-Since": since})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["name"] == "FinServ__FinancialAccount__c"
    assert response.headers["Last-Modified"] == "Tue, 01 Sep 2026 00:00:00 GMT"


def test_captured_describe_is_served_unchanged(sf: Salesforce) -> None:
    assert sobject(sf, "Contact").describe() == json.loads((SHARED_DESCRIBE / "Contact.json").read_text())


def test_describe_of_an_unknown_object_is_404_not_found(sf: Salesforce, sf_session: requests.Session) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sobject(sf, "NoSuchThing__c").describe()
    response = sf_session.get(sf.base_url + "sobjects/NoSuchThing__c/describe/", headers=sf.headers)
    assert response.status_code == 404
    assert response.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_sobject_basic_info_has_object_describe_and_recent_items(sf: Salesforce) -> None:
    info = sobject(sf, "FinServ__FinancialAccount__c").metadata()
    assert info["objectDescribe"]["name"] == "FinServ__FinancialAccount__c"
    assert info["objectDescribe"]["keyPrefix"].startswith("a")  # a custom object's prefix
    assert info["recentItems"] == []


# -- records -----------------------------------------------------------------------------------


def test_record_by_id_with_chosen_fields(sf: Salesforce) -> None:
    row = sobject(sf, "Contact").get("0038d0000Zora01AQA", params={"fields": "FirstName,Email"})
    assert row == {
        "attributes": {"type": "Contact", "url": "/services/data/v61.0/sobjects/Contact/0038d0000Zora01AQA"},
        "FirstName": "Zora",
        "Email": "zora.quinn@example.com",
    }


def test_record_by_15_character_id_has_every_described_field(sf: Salesforce) -> None:
    row = sobject(sf, "Contact").get("0038d0000Zora01")
    assert row["LastName"] == "Quinn"
    assert len(row) == 1 + len(sobject(sf, "Contact").describe()["fields"])


def test_record_with_an_unknown_field_is_400_invalid_field(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sobject(sf, "Contact").get("0038d0000Zora01AQA", params={"fields": "Shoe_Size__c"})
    assert error_body(failure.value)[0]["errorCode"] == "INVALID_FIELD"


def test_deleted_record_is_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sobject(sf, "Contact").get("0038d0000Gone01AQA")


def test_generated_record_is_found_by_id_without_a_scan(sf: Salesforce) -> None:
    last = sf.query("SELECT Id, Email FROM Contact WHERE Email LIKE '%.2499@example.com'")["records"][0]
    assert sobject(sf, "Contact").get(last["Id"])["Email"] == last["Email"]


# -- limits ------------------------------------------------------------------------------------


def test_limits_report_daily_api_requests(sf: Salesforce) -> None:
    daily = sf.limits()["DailyApiRequests"]
    assert daily["Max"] == 100000
    assert 0 <= daily["Remaining"] < daily["Max"]


def test_record_counts_answer_the_listed_objects_rows_in_one_call_and_ignore_unknown_names(
    sf: Salesforce, fresh: Simulator
) -> None:
    live_contacts = sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    before = fresh.api_usage

    listed = "Contact,No_Such_Object__c,FinServ__FinancialAccount__c"

    body = sf.restful("limits/recordCount", params={"sObjects": listed})
    assert body is not None

    assert fresh.api_usage == before + 1
    counts = {entry["name"]: entry["count"] for entry in body["sObjects"]}
    assert set(counts) == {"Contact", "FinServ__FinancialAccount__c"}
    assert counts["Contact"] == live_contacts  # the deleted literal contact is not counted
    assert set(body["sObjects"][0]) == {"count", "name"}


def test_record_counts_without_a_list_answer_every_object(sf: Salesforce) -> None:
    body = sf.restful("limits/recordCount")
    assert body is not None
    names = {entry["name"] for entry in body["sObjects"]}

    assert {"Contact", "Account", "User", "FinServ__FinancialAccount__c"} <= names


# -- query ------------------------------------------------------------------------------------------


def test_query_pages_through_next_records_url(sf: Salesforce) -> None:
    first = sf.query("SELECT Id, Email FROM Contact")
    assert first["totalSize"] == 2501  # 1 literal + 2500 generated (the deleted one is not counted)
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v61.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["done"] is True
    assert "nextRecordsUrl" not in second
    assert len(second["records"]) == 501


def test_query_all_collects_every_page(sf: Salesforce) -> None:
    rows = sf.query_all("SELECT Id FROM Contact")["records"]
    assert len(rows) == 2501
    assert len({row["Id"] for row in rows}) == 2501


def test_batch_size_option_sets_the_page_size(sf: Salesforce, sf_session: requests.Session) -> None:
    headers = {**sf.headers, "Sforce-Query-Options": "batchSize=200"}
    page = sf_session.get(sf.base_url + "query/", params={"q": "SELECT Id FROM Individual"}, headers=headers).json()
    assert len(page["records"]) == 200
    assert page["nextRecordsUrl"].endswith("-200")


def test_query_all_resource_includes_deleted_records(sf: Salesforce) -> None:
    rows = sf.query_all("SELECT Id, IsDeleted FROM Contact WHERE LastName = 'Away'", include_deleted=True)
    assert rows["records"][0]["IsDeleted"] is True
    assert sf.query("SELECT Id FROM Contact WHERE LastName = 'Away'")["totalSize"] == 0


def test_a_page_asked_for_twice_is_served_again(sf: Salesforce) -> None:
    first = sf.query("SELECT Id FROM Contact")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["done"] is True
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)  # the locator was used up
    assert error_body(failure.value)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_unknown_query_locator_is_invalid_query_locator(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query_more("01gZZZZZZZZZZZZZZZ-2000")
    assert error_body(failure.value)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_malformed_soql_is_400_with_the_soql_error_code(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Nope__c FROM Contact")
    assert error_body(failure.value)[0]["errorCode"] == "INVALID_FIELD"


def test_count_query_answers_total_size_without_records(sf: Salesforce) -> None:
    result = sf.query("SELECT COUNT() FROM Individual")
    assert result == {"totalSize": 2500, "done": True, "records": []}


# -- composite batch ---------------------------------------------------------------------------------


def test_composite_batch_answers_each_subrequest(sf: Salesforce) -> None:
    body = {"batchRequests": [
        {"method": "GET", "url": "v61.0/sobjects/Contact/0038d0000Zora01AQA?fields=LastName"},
        {"method": "GET", "url": "v61.0/query?q=SELECT+COUNT()+FROM+Individual"},
        {"method": "GET", "url": "v61.0/sobjects/Nope__c/describe"},
    ]}  # fmt: skip
    result = sf.restful("composite/batch", method="POST", json=body)
    assert result is not None
    assert result["hasErrors"] is True
    assert [r["statusCode"] for r in result["results"]] == [200, 200, 404]
    assert result["results"][0]["result"]["LastName"] == "Quinn"
    assert result["results"][1]["result"]["totalSize"] == 2500


def test_composite_batch_halts_on_error_when_asked(sf: Salesforce) -> None:
    body = {"haltOnError": True, "batchRequests": [
        {"method": "GET", "url": "v61.0/sobjects/Nope__c/describe"},
        {"method": "GET", "url": "v61.0/limits"},
    ]}  # fmt: skip
    answer = sf.restful("composite/batch", method="POST", json=body)
    assert answer is not None
    results = answer["results"]
    assert results[1]["statusCode"] == 412
    assert results[1]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"


def test_composite_batch_refuses_more_than_25_subrequests(sf: Salesforce) -> None:
    body = {"batchRequests": [{"method": "GET", "url": "v61.0/limits"}] * 26}
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite/batch", method="POST", json=body)


# -- composite ------------------------------------------------------------------------------------


def test_composite_passes_references_between_subrequests(sf: Salesforce) -> None:
    body = {"compositeRequest": [
        {"method": "GET", "referenceId": "zora",
         "url": "/services/data/v61.0/query?q=SELECT+Id+FROM+Contact+WHERE+LastName='Quinn'"},
        {"method": "GET", "referenceId": "detail",
         "url": "/services/data/v61.0/sobjects/Contact/@{zora.records[0].Id}?fields=Email"},
    ]}  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)
    assert answer is not None
    responses = answer["compositeResponse"]
    assert [r["referenceId"] for r in responses] == ["zora", "detail"]
    assert [r["httpStatusCode"] for r in responses] == [200, 200]
    assert responses[1]["body"]["Email"] == "zora.quinn@example.com"
    assert set(responses[1]) == {"body", "httpHeaders", "httpStatusCode", "referenceId"}


def test_composite_runs_tooling_queries_as_subrequests(sf: Salesforce) -> None:
    body = {"compositeRequest": [{"method": "GET", "referenceId": "fields",
        "url": "/services/data/v61.0/tooling/query?q=SELECT+QualifiedApiName+FROM+EntityDefinition"}]}  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)
    assert answer is not None
    response = answer["compositeResponse"][0]
    assert response["httpStatusCode"] == 200
    assert response["body"]["records"]


def test_composite_all_or_none_rolls_back_every_subrequest(sf: Salesforce) -> None:
    body = {"allOrNone": True, "compositeRequest": [
        {"method": "POST", "referenceId": "newContact", "url": "/services/data/v61.0/sobjects/Contact",
         "body": {"LastName": "Rollback", "Email": "rollback@example.com"}},
        {"method": "POST", "referenceId": "broken", "url": "/services/data/v61.0/sobjects/Contact",
         "body": {"Shoe_Size__c": 9}},
    ]}  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)
    assert answer is not None
    responses = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [400, 400]
    assert responses[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert responses[1]["body"][0]["errorCode"] == "INVALID_FIELD"
    assert sf.query("SELECT Id FROM Contact WHERE LastName = 'Rollback'")["totalSize"] == 0


def test_composite_without_all_or_none_skips_only_dependent_subrequests(sf: Salesforce) -> None:
    body = {"compositeRequest": [
        {"method": "GET", "referenceId": "missing", "url": "/services/data/v61.0/sobjects/Nope__c/describe"},
        {"method": "GET", "referenceId": "dependent",
         "url": "/services/data/v61.0/sobjects/Contact/@{missing.Id}"},
        {"method": "GET", "referenceId": "independent", "url": "/services/data/v61.0/limits"},
    ]}  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)
    assert answer is not None
    responses = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [404, 400, 200]
    assert responses[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"


def test_composite_refuses_more_than_25_subrequests(sf: Salesforce) -> None:
    body = {"compositeRequest": [
        {"method": "GET", "referenceId": f"r{n}", "url": "/services/data/v61.0/limits"} for n in range(26)]}
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json=body)


def test_composite_refuses_more_than_5_queries(sf: Salesforce) -> None:
    body = {"compositeRequest": [
        {"method": "GET", "referenceId": f"q{n}", "url": "/services/data/v61.0/query?q=SELECT+Id+FROM+User"}
        for n in range(6)]}  # fmt: skip
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json=body)


# -- updated and deleted ------------------------------------------------------------------------------


def test_updated_lists_ids_changed_in_the_window(sf: Salesforce) -> None:
    result = sobject(sf, "Contact").updated(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC))
    assert "0038d0000Zora01AQA" in result["ids"]
    assert result["latestDateCovered"] == "2026-01-06T00:00:00.000+0000"


def test_deleted_lists_records_deleted_in_the_window(sf: Salesforce) -> None:
    result = sobject(sf, "Contact").deleted(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    assert result["deletedRecords"] == [{"id": "0038d0000Gone01AQA", "deletedDate": "2026-02-06T10:00:00.000+0000"}]

"""The SOQL subset: parsing, Salesforce's error wording, filtering, ordering and streaming."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from salesforce_simulator import soql

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _field(name: str, type_: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "relationshipName": None, "referenceTo": [], **extra}


DESCRIBES: dict[str, dict[str, Any]] = {
    "Contact": {
        "name": "Contact",
        "keyPrefix": "003",
        "fields": [
            _field("Id", "id"),
            _field("FirstName"),
            _field("LastName"),
            _field("Email", "email"),
            _field("Age__c", "double", custom=True),
            _field("HasOptedOutOfEmail", "boolean"),
            _field("Birthdate", "date"),
            _field("CreatedDate", "datetime"),
            _field("OwnerId", "reference", relationshipName="Owner", referenceTo=["User"]),
            _field("AccountId", "reference", relationshipName="Account", referenceTo=["Account"]),
        ],
    },
    "Account": {
        "name": "Account",
        "keyPrefix": "001",
        "fields": [
            _field("Id", "id"),
            _field("Name"),
            _field("PersonEmail", "email"),
            _field("OwnerId", "reference", relationshipName="Owner", referenceTo=["User"]),
        ],
        "childRelationships": [
            {"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts"}],
    },
    "User": {"name": "User", "keyPrefix": "005", "fields": [_field("Id", "id"), _field("Name")]},
}

USERS: list[dict[str, Any]] = [{"Id": "0058d000001AdmnAAA", "Name": "Ada Admin"}]
ACCOUNTS: list[dict[str, Any]] = [
    {"Id": "0018d00000Acct1AAA", "Name": "Quinn Household", "PersonEmail": "zora@example.com",
     "OwnerId": "0058d000001AdmnAAA"},
]
CONTACTS: list[dict[str, Any]] = [
    {"Id": "0038d0000Zora01AAA", "FirstName": "Zora", "LastName": "Quinn",
     "Email": "zora.quinn@example.com", "Age__c": 41, "HasOptedOutOfEmail": False,
     "Birthdate": "1985-03-02", "CreatedDate": "2026-11-19T08:00:00Z",
     "OwnerId": "0058d000001AdmnAAA", "AccountId": "0018d00000Acct1AAA"},
    {"Id": "0038d00000Abe002AAA", "FirstName": "Abe", "LastName": "O'Neil",
     "Email": None, "Age__c": 29.5, "HasOptedOutOfEmail": True,
     "Birthdate": "1997-07-14", "CreatedDate": "2026-10-01T00:00:00Z",
     "OwnerId": "0058d000001AdmnAAA", "AccountId": None},
    {"Id": "0038d00000Cy0003AAA", "FirstName": None, "LastName": "cyan_100%",
     "Email": "cy@example.com", "Age__c": None, "HasOptedOutOfEmail": False,
     "Birthdate": None, "CreatedDate": "2026-11-20T09:30:00Z",
     "OwnerId": None, "AccountId": None},
]
TABLES: dict[str, list[dict[str, Any]]] = {"Contact": CONTACTS, "Account": ACCOUNTS, "User": USERS}


def describe(name: str) -> dict[str, Any] | None:
    """Object names match case-insensitively, as the org's describe does."""
    return next((d for key, d in DESCRIBES.items() if key.lower() == name.lower()), None)


def run(text: str, tables: dict[str, list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    source = tables or TABLES
    return list(soql.execute(soql.parse(text), lambda name: source[name],
                             describe=describe, now=NOW))


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["LastName"] for row in rows]


def error_of(text: str) -> soql.SoqlError:
    with pytest.raises(soql.SoqlError) as caught:
        run(text)
    return caught.value


# --- parsing and errors -----------------------------------------------------------------


def test_select_rows_are_shaped_with_attributes_and_canonical_field_case():
    rows = run("select id, firstname FROM contact WHERE lastname = 'Quinn'")
    assert rows == [{
        "attributes": {"type": "Contact",
                       "url": "/services/data/v62.0/sobjects/Contact/0038d0000Zora01AAA"},
        "Id": "0038d0000Zora01AAA",
        "FirstName": "Zora",
    }]


def test_unknown_column_is_invalid_field_worded_as_salesforce_words_it():
    error = error_of("SELECT Id, Nickname FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert "No such column 'Nickname' on entity 'Contact'" in error.message
    assert "ERROR at Row:1:Column:12" in error.message


def test_unknown_object_is_invalid_type():
    error = error_of("SELECT Id FROM Customer__c")
    assert error.error_code == "INVALID_TYPE"
    assert "sObject type 'Customer__c' is not supported." in error.message


def test_dangling_where_is_malformed_with_unexpected_eof():
    error = error_of("SELECT Id FROM Contact WHERE")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith("unexpected token: <EOF>")


def test_stray_token_is_malformed_and_named():
    error = error_of("SELECT Id FROM Contact LIMIT ten")
    assert error.error_code == "MALFORMED_QUERY"
    assert "unexpected token: 'ten'" in error.message


def test_duplicate_selected_field_is_malformed():
    assert "duplicate field selected: id" in error_of("SELECT Id, id FROM Contact").message


def test_unknown_relationship_is_reported_as_not_understood():
    error = error_of("SELECT Manager.Name FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Manager'" in error.message


def test_string_escapes_are_decoded():
    assert names(run(r"SELECT LastName FROM Contact WHERE LastName = 'O\'Neil'")) == ["O'Neil"]


def test_unterminated_string_is_malformed():
    assert error_of("SELECT Id FROM Contact WHERE LastName = 'Quinn").error_code == "MALFORMED_QUERY"


# --- filtering --------------------------------------------------------------------------


def test_equality_on_text_is_case_insensitive():
    assert names(run("SELECT LastName FROM Contact WHERE LastName = 'QUINN'")) == ["Quinn"]


@pytest.mark.parametrize(("where", "expected"), [
    ("Age__c > 30", ["Quinn"]),
    ("Age__c <= 29.5", ["O'Neil"]),
    ("Age__c != 41", ["O'Neil", "cyan_100%"]),
    ("Age__c <> 41", ["O'Neil", "cyan_100%"]),
    ("Email = null", ["O'Neil"]),
    ("Email != null", ["Quinn", "cyan_100%"]),
    ("HasOptedOutOfEmail = true", ["O'Neil"]),
    ("LastName IN ('Quinn', 'nobody')", ["Quinn"]),
    ("LastName NOT IN ('Quinn')", ["O'Neil", "cyan_100%"]),
    ("LastName LIKE 'q%'", ["Quinn"]),
    ("LastName LIKE '_uinn'", ["Quinn"]),
    (r"LastName LIKE '%\_100\%'", ["cyan_100%"]),
    ("NOT LastName = 'Quinn'", ["O'Neil", "cyan_100%"]),
    ("(LastName = 'Quinn' OR Age__c < 30) AND HasOptedOutOfEmail = false", ["Quinn"]),
    ("LastName = 'Quinn' OR LastName = 'O\\'Neil' AND Age__c > 100", ["Quinn"]),
    ("Birthdate < 1990-01-01", ["Quinn"]),
    ("CreatedDate >= 2026-11-01T00:00:00Z", ["Quinn", "cyan_100%"]),
    ("CreatedDate = TODAY", ["cyan_100%"]),
    ("CreatedDate = YESTERDAY", ["Quinn"]),
    ("CreatedDate = LAST_N_DAYS:7", ["Quinn", "cyan_100%"]),
    ("CreatedDate < LAST_N_DAYS:30", ["O'Neil"]),
    ("CreatedDate = LAST_MONTH", ["O'Neil"]),
    ("Owner.Name = 'Ada Admin'", ["Quinn", "O'Neil"]),
    ("Account.PersonEmail LIKE 'zora%'", ["Quinn"]),
])
def test_where_clause_filters_as_salesforce_does(where, expected):
    assert names(run(" ".join(("SELECT LastName FROM Contact WHERE", where)))) == expected


def test_fifteen_character_id_matches_its_eighteen_character_form():
    rows = run("SELECT LastName FROM Contact WHERE Id = '0038d0000Zora01'")
    assert names(rows) == ["Quinn"]


# --- relationships, ordering, limits ------------------------------------------------------


def test_relationship_fields_nest_as_sub_records():
    row = run("SELECT Id, Owner.Name, Account.Name FROM Contact WHERE LastName = 'Quinn'")[0]
    assert row["Owner"] == {
        "attributes": {"type": "User",
                       "url": "/services/data/v62.0/sobjects/User/0058d000001AdmnAAA"},
        "Name": "Ada Admin",
    }
    assert row["Account"]["Name"] == "Quinn Household"


def test_null_relationship_is_null_not_a_sub_record():
    row = run("SELECT Owner.Name FROM Contact WHERE LastName = 'cyan_100%'")[0]
    assert row["Owner"] is None


def test_datetimes_are_rendered_in_salesforce_format():
    row = run("SELECT CreatedDate, Birthdate FROM Contact WHERE LastName = 'Quinn'")[0]
    assert row["CreatedDate"] == "2026-11-19T08:00:00.000+0000"
    assert row["Birthdate"] == "1985-03-02"


def test_order_by_puts_nulls_first_ascending_and_last_descending():
    assert names(run("SELECT LastName FROM Contact ORDER BY Age__c")) == ["cyan_100%", "O'Neil", "Quinn"]
    assert names(run("SELECT LastName FROM Contact ORDER BY Age__c DESC")) == [
        "Quinn", "O'Neil", "cyan_100%"]
    assert names(run("SELECT LastName FROM Contact ORDER BY Age__c ASC NULLS LAST")) == [
        "O'Neil", "Quinn", "cyan_100%"]


def test_order_by_several_keys():
    rows = run("SELECT LastName FROM Contact ORDER BY HasOptedOutOfEmail DESC, LastName DESC")
    assert names(rows) == ["O'Neil", "Quinn", "cyan_100%"]


def test_limit_and_offset_page_the_ordered_rows():
    rows = run("SELECT LastName FROM Contact ORDER BY LastName LIMIT 1 OFFSET 1")
    assert names(rows) == ["O'Neil"]


def test_count_counts_matching_rows():
    query = soql.parse("SELECT COUNT() FROM Contact WHERE Email != null")
    assert soql.count(query, lambda name: TABLES[name], describe=describe, now=NOW) == 2


def test_count_of_a_field_answers_an_aggregate_row():
    assert run("SELECT COUNT(Email) FROM Contact") == [
        {"attributes": {"type": "AggregateResult"}, "expr0": 2}]


# --- streaming ------------------------------------------------------------------------------


def _million() -> Iterator[dict[str, Any]]:
    for index in itertools.count():
        if index >= 1_000_000:
            return
        yield {"Id": f"003{index:015d}", "LastName": f"Consumer {index}", "Age__c": index % 90}


def test_without_order_by_rows_stream_from_a_million_record_source():
    pulled = 0

    def source(name: str) -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for row in _million():
            pulled += 1
            yield row

    rows = soql.execute(soql.parse("SELECT Id, LastName FROM Contact WHERE Age__c = 5"),
                        source, describe=describe, now=NOW)
    first_three = list(itertools.islice(rows, 3))
    assert [row["LastName"] for row in first_three] == ["Consumer 5", "Consumer 95", "Consumer 185"]
    assert pulled == 186  # only what the three rows needed


def test_order_by_with_limit_keeps_only_the_best_rows():
    query = soql.parse("SELECT LastName FROM Contact ORDER BY Age__c DESC, LastName LIMIT 2")
    rows = list(soql.execute(query, lambda name: itertools.islice(_million(), 10_000),
                             describe=describe, now=NOW))
    assert [row["LastName"] for row in rows] == ["Consumer 1079", "Consumer 1169"]


def test_query_reports_its_filters_for_callers_that_check_them():
    query = soql.parse("SELECT Id FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Account'")
    assert [c.field.text for c in query.conditions()] == ["EntityDefinition.QualifiedApiName"]
    assert not query.uses("OR")
    assert soql.parse("SELECT Id FROM X WHERE A = 1 OR B = 2").uses("OR")


# --- subqueries, FIELDS(), ignored clauses ---------------------------------------------------

def test_parent_to_child_subquery_nests_a_query_result_per_parent():
    rows = run("SELECT Name, (SELECT LastName, Email FROM Contacts ORDER BY LastName) FROM Account")
    contacts = rows[0]["Contacts"]
    assert contacts["totalSize"] == 1
    assert contacts["done"] is True
    assert contacts["records"][0]["LastName"] == "Quinn"
    assert contacts["records"][0]["attributes"]["type"] == "Contact"


def test_subquery_without_children_answers_null():
    accounts = [{**ACCOUNTS[0], "Id": "0018d00000Empty1AAA"}]
    rows = run("SELECT Name, (SELECT Id FROM Contacts) FROM Account",
               {"Account": accounts, "Contact": CONTACTS, "User": USERS})
    assert rows[0]["Contacts"] is None


def test_unknown_child_relationship_is_not_understood():
    error = error_of("SELECT Name, (SELECT Id FROM Opportunities) FROM Account")
    assert error.error_code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Opportunities'" in error.message


def test_fields_all_expands_to_every_field_and_needs_a_limit():
    row = run("SELECT FIELDS(ALL) FROM Contact WHERE LastName = 'Quinn' LIMIT 1")[0]
    assert set(row) - {"attributes"} == {f["name"] for f in DESCRIBES["Contact"]["fields"]}
    error = error_of("SELECT FIELDS(ALL) FROM Contact")
    assert "The SOQL FIELDS function must have a LIMIT of at most 200" in error.message


def test_fields_standard_needs_no_limit_and_leaves_custom_fields_out():
    row = run("SELECT FIELDS(STANDARD) FROM Contact WHERE LastName = 'Quinn'")[0]
    assert "Age__c" not in row
    assert "LastName" in row


def test_security_and_view_clauses_are_accepted():
    rows = run("SELECT LastName FROM Contact WHERE LastName = 'Quinn' WITH SECURITY_ENFORCED LIMIT 1 FOR VIEW")
    assert names(rows) == ["Quinn"]


def test_objects_named_like_keywords_parse():
    query = soql.parse("SELECT Id FROM Order ORDER BY Id DESC")
    assert query.sobject == "Order"
    assert query.order_by[0].descending


def test_semi_join_selects_by_the_ids_another_query_answers():
    rows = run("SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name LIKE 'Quinn%')")
    assert names(rows) == ["Quinn"]
    rows = run("SELECT LastName FROM Contact WHERE OwnerId NOT IN (SELECT Id FROM User WHERE Name = 'Ada Admin')")
    assert names(rows) == ["cyan_100%"]


def test_semi_join_must_select_one_field():
    error = error_of("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id, Name FROM Account)")
    assert "Semi join sub-selects can only select one Id or reference field" in error.message

"""Indexed id and lookup columns: a condition read from an index (or from narrow rows made of the fields a
query reads) selects exactly the rows a scan selects, in the scan's order, whatever the condition, the
literal's length and case, deleted and missing rows."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from salesforce_simulator import indexes, rest, soql
from salesforce_simulator.definition import build_org
from salesforce_simulator.org import IndexedRecordSource, Org

API_VERSION = "62.0"
# Each object's indexed columns, and a column no index serves (to mix into conditions).
COLUMNS = {
    "Contact": (("Id", "IndividualId", "AccountId"), "HasOptedOutOfEmail = false"),
    "Account": (("Id", "PersonIndividualId", "PersonContactId"), "IsPersonAccount = true"),
    "Individual": (("Id",), "HasOptedOutProcessing = false"),
    "ContactPointPhone": (("Id", "ParentId"), "IsPrimary = true"),
    "ContactPointTypeConsent": (("Id", "PartyId"), "PrivacyConsentStatus = 'OptIn'"),
}


def indexed_org(tmp_path: Path, seed: int) -> Org:
    """A population (some consumers deleted, half without a phone) behind literal rows whose links are
    null, 15 characters long or upper-cased: every shape of value a scan compares."""
    data = {
        "org": {"id": "00D8d000001TestEAQ", "name": "Indexed", "now": "2026-11-20T12:00:00Z"},
        "records": {"DataUsePurpose": [
            {"Id": "0oN8d0MarketingECA", "Name": "Marketing"}, {"Id": "0oN8d0FraudPrevECC", "Name": "Fraud"}]},
        "population": {"consumers": 240, "seed": seed, "deleted_rate": 0.1,
                       "contact_points": {"email": 1.0, "phone": 0.5}},
    }  # fmt: skip
    org = build_org(data, tmp_path)
    ids = [str(row["Id"]) for row in org.records("Individual")]
    individual = ids[len(ids) // 2]
    org.add_records("Contact", [
        {"Id": "0038d00000Lit01AAA", "LastName": "Null", "IndividualId": None, "IsDeleted": False},
        {"Id": "0038d00000Lit02AAA", "LastName": "Short", "IndividualId": individual[:15], "IsDeleted": False},
        {"Id": "0038d00000Lit03AAA", "LastName": "Upper", "IndividualId": individual.upper(), "IsDeleted": False},
        {"Id": "0038d00000Lit04AAA", "LastName": "Gone", "IndividualId": ids[3], "IsDeleted": True},
    ])
    return org


def literal_for(rng: random.Random, values: list[str]) -> str:
    """A literal as queries write them: a real value, recased, cut to 15, a prefix, or none of the org's."""
    value = rng.choice(values)
    shapes = [value, value.upper(), value.lower(), value[:15], value[:15].lower(), value[: rng.randint(1, 17)],
              "zzzzzzzzzzzzzzzzzz", "000000000000000000", ""]
    return rng.choice(shapes).replace("'", "")


def leaf(rng: random.Random, columns: tuple[str, ...], values: list[str]) -> str:
    column = rng.choice(columns)
    kind = rng.random()
    if kind < 0.1:
        return f"{column} {rng.choice(['=', '!='])} null"
    if kind < 0.25:
        listed = ", ".join(rng.choice([f"'{literal_for(rng, values)}'", "null"]) for _ in range(rng.randint(1, 4)))
        return f"{column} {rng.choice(['IN', 'NOT IN'])} ({listed})"
    operator = rng.choice(["=", "!=", "<", "<=", ">", ">="])
    return f"{column} {operator} '{literal_for(rng, values)}'"


def condition(rng: random.Random, columns: tuple[str, ...], other: str, values: list[str], depth: int = 0) -> str:
    kind = rng.random()
    if depth >= 2 or kind < 0.3:
        return leaf(rng, columns, values)
    if kind < 0.4:
        return f"NOT ({condition(rng, columns, other, values, depth + 1)})"
    if kind < 0.5:
        return other
    parts = [condition(rng, columns, other, values, depth + 1) for _ in range(rng.randint(2, 3))]
    return "(" + f" {rng.choice(['AND', 'OR'])} ".join(parts) + ")"


def range_condition(rng: random.Random, column: str, values: list[str]) -> str:
    """The consents harvest's own shapes: a range of ids, the first range with the unlinked rows."""
    low, high = sorted(rng.sample(values, 2), key=str.lower)
    return rng.choice([f"{column} >= '{low}' AND {column} < '{high}'", f"({column} = null OR {column} < '{high}')",
                       f"{column} >= '{low}'"])


def run(org: Org, text: str, *, include_deleted: bool, indexed: bool) -> list[str]:
    query = soql.parse(text)
    index = indexes.index_finder(org, include_deleted) if indexed else None
    rows = soql.execute(query, rest.org_records(org, include_deleted), describe=rest.org_describe(org, API_VERSION),
                        lookup=org.get_record, now=org.now, index=index)
    return [str(row["Id"]) for row in rows]


def count(org: Org, text: str, *, include_deleted: bool, indexed: bool) -> int:
    index = indexes.index_finder(org, include_deleted) if indexed else None
    return soql.count(soql.parse(text), rest.org_records(org, include_deleted),
                      describe=rest.org_describe(org, API_VERSION), lookup=org.get_record, now=org.now, index=index)


@pytest.mark.parametrize("seed", range(6))
def test_indexed_conditions_select_the_rows_a_scan_selects_in_its_order(tmp_path: Path, seed: int) -> None:
    org = indexed_org(tmp_path, seed)
    rng = random.Random(seed)
    served = 0
    for _ in range(60):
        name = rng.choice(sorted(COLUMNS))
        columns, other = COLUMNS[name]
        values = [str(row[c]) for row in org.records(name) for c in columns if row.get(c)]
        where = (range_condition(rng, rng.choice(columns[1:] or columns), values) if rng.random() < 0.3
                 else condition(rng, columns, other, values))
        tail = rng.choice(["", " ORDER BY Id DESC", " LIMIT 7", " ORDER BY Id LIMIT 5 OFFSET 3"])
        text = f"SELECT Id FROM {name} WHERE {where}{tail}"  # noqa: S608 - generated conditions
        include_deleted = rng.random() < 0.3
        scanned = run(org, text, include_deleted=include_deleted, indexed=False)
        assert run(org, text, include_deleted=include_deleted, indexed=True) == scanned, text
        counted = f"SELECT COUNT() FROM {name} WHERE {where}"  # noqa: S608
        assert count(org, counted, include_deleted=include_deleted, indexed=True) == count(
            org, counted, include_deleted=include_deleted, indexed=False), counted
        served += soql._indexed_rows(*_context(org, text, include_deleted)) is not None
    assert served >= 20  # the index answered a good share of them, not the scan every time


def _context(org: Org, text: str, include_deleted: bool) -> tuple[Any, soql.Query]:
    query = soql.parse(text)
    return soql._context(query, rest.org_records(org, include_deleted), rest.org_describe(org, API_VERSION),
                         org.get_record, org.now, indexes.index_finder(org, include_deleted))


def test_a_range_of_ids_reads_only_the_rows_in_it(tmp_path: Path) -> None:
    org = indexed_org(tmp_path, 1)
    ids = sorted((str(row["Id"]) for row in org.records("Individual")), key=str.lower)
    low, high = ids[40], ids[90]
    finder = indexes.index_finder(org, False)
    found = finder.find("ContactPointTypeConsent", "PartyId", (soql.KeyRange(low.lower(), False, high.lower(), True),))
    assert found is not None
    # two purposes a consumer, 50 consumers; rows of deleted consumers are read and then left out
    assert found.size == 100
    text = f"SELECT Id, PartyId FROM ContactPointTypeConsent WHERE PartyId >= '{low}' AND PartyId < '{high}'"  # noqa: S608
    assert run(org, text, include_deleted=False, indexed=True) == run(org, text, include_deleted=False, indexed=False)


def test_a_column_holding_a_15_character_id_is_scanned_not_indexed() -> None:
    rows = ["0038d00000Lit01AAA", "0038d00000Lit02", None]
    assert indexes.build_index(len(rows), rows.__getitem__) is None
    linked = [rows[0], rows[2]]
    assert indexes.build_index(len(linked), linked.__getitem__) is not None


def test_population_columns_hold_their_rows_values(tmp_path: Path) -> None:
    org = indexed_org(tmp_path, 2)
    checked = 0
    for name, source in org.record_sources.items():
        parts = source.sources if hasattr(source, "sources") else [source]
        for part in (p for p in parts if isinstance(p, IndexedRecordSource)):
            for number in range(part.count):
                row = part.make(number)
                for field, column in part.columns.items():
                    if row is not None:
                        assert column(number) == row.get(field), (name, field, number)
                        checked += 1
    assert checked > 3000  # every column of every generated row

"""A consumer's current field values, read live from Salesforce for a right-to-know answer (CCPA §1798.110's
"specific pieces"): by record id, through the org's client, within the API budget, handed back and never stored,
cached or logged.

One SOQL query per object and up to `IDS_PER_QUERY` ids (`SELECT Id, <fields> FROM <Object> WHERE Id IN (…)`), five
to a Composite call (one API call). The ids travel in the Composite call's body, never in a URL: HTTP libraries log
URLs at debug level. A look-up spends at most `max_calls` Composite calls and leaves the org's reserve of daily API
requests (`reserve_percent`) untouched; what it cannot read says why. Salesforce's error messages may quote what
was asked, so only their error code is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables
from simple_salesforce.exceptions import SalesforceError

from harvesters.client import OrgAuthError, OrgClient, RetryPolicy, SalesforceUnavailableError
from harvesters.composite import SubRequest, answer_records, api_name, composite_get, query_request
from harvesters.connections import credentials_for
from harvesters.models import OrgConnection
from harvesters.retention import API_BUDGET, ApiBudget, ApiUsage

IDS_PER_QUERY = 200
QUERIES_PER_CALL = 5  # the Composite resource's limit of queries in one call
RECORD_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
# A live read answers a person waiting: a short timeout, one retry.
LIVE_RETRY = RetryPolicy(attempts=2, base_delay_s=0.2, max_delay_s=1.0)


@dataclass(frozen=True)
class WantedRecords:
    """The records of one object to read, and which of its fields."""

    sobject: str
    record_ids: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FieldValue:
    field: str
    value: str | None  # as text; None: empty in Salesforce


@dataclass(frozen=True)
class RecordValues:
    sobject: str
    record_id: str
    values: tuple[FieldValue, ...]


@dataclass(frozen=True)
class NotRead:
    """Records whose values were not read, and why in words (never Salesforce's message, which may quote them)."""

    sobject: str
    record_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class LiveValues:
    read_at: datetime
    records: tuple[RecordValues, ...]
    not_read: tuple[NotRead, ...]
    api_calls: int  # Composite calls spent


@dataclass(frozen=True)
class _Query:
    reference: str
    sobject: str
    record_ids: tuple[str, ...]
    fields: tuple[str, ...]

    def request(self) -> SubRequest:
        ids = ", ".join(f"'{each}'" for each in self.record_ids)
        # Every name and id was checked (planned_queries): nothing else goes into the statement.
        statement = f"SELECT Id, {', '.join(self.fields)} FROM {self.sobject} WHERE Id IN ({ids})"  # noqa: S608
        return query_request(self.reference, statement)


class WantedRecordsError(ValueError):
    """An object, field or record id that is not a Salesforce name or id: nothing is asked."""


def read_live_values(connection: OrgConnection, wanted: Sequence[WantedRecords], *, max_calls: int,
                     reserve_percent: int, timeout_s: float) -> LiveValues:
    """The current values of `wanted` in the org of `connection`; what the budget, the org or Salesforce did not
    allow is in `not_read`."""
    queries = planned_queries(wanted)
    try:
        client = OrgClient(credentials_for(connection), timeout=timeout_s, retry=LIVE_RETRY)
    except OSError:  # the connection's CA bundle cannot be read
        why = "the org's connection cannot be used (its CA bundle is not readable)"
        return LiveValues(datetime.now(UTC), (), tuple(NotRead(each.sobject, each.record_ids, why)
                                                        for each in queries), 0)
    budget = ApiBudget(client, reserve_percent, ApiUsage(None, None))
    records: list[RecordValues] = []
    not_read: list[NotRead] = []
    calls = 0
    for start in range(0, len(queries), QUERIES_PER_CALL):
        batch = queries[start:start + QUERIES_PER_CALL]
        why_not = _why_not_asked(calls, max_calls, budget)
        if why_not:
            not_read += [NotRead(each.sobject, each.record_ids, why_not) for each in batch]
            continue
        calls += 1
        read, failed = _read_batch(client, batch)
        records += read
        not_read += failed
    return LiveValues(datetime.now(UTC), tuple(records), tuple(not_read), calls)


def planned_queries(wanted: Sequence[WantedRecords]) -> list[_Query]:
    """A query per object and `IDS_PER_QUERY` ids, every name and id checked before it goes into SOQL."""
    queries: list[_Query] = []
    for each in wanted:
        fields = _checked_fields(each)
        ids = _checked_ids(each)
        for start in range(0, len(ids), IDS_PER_QUERY):
            queries.append(_Query(f"{each.sobject}-{len(queries)}", each.sobject, ids[start:start + IDS_PER_QUERY],
                                  fields))
    return queries


def _checked_fields(wanted: WantedRecords) -> tuple[str, ...]:
    try:
        api_name(wanted.sobject)
        return tuple(dict.fromkeys(api_name(field) for field in wanted.fields if field != "Id"))
    except ValueError as error:
        raise WantedRecordsError(str(error)) from None


def _checked_ids(wanted: WantedRecords) -> tuple[str, ...]:
    if not all(RECORD_ID.fullmatch(each) for each in wanted.record_ids):
        raise WantedRecordsError(f"a record id of {wanted.sobject} is not a Salesforce id")
    return tuple(dict.fromkeys(wanted.record_ids))


def _why_not_asked(calls: int, max_calls: int, budget: ApiBudget) -> str:
    if calls >= max_calls:
        return f"{API_BUDGET}: a look-up reads at most {max_calls} Composite calls of values"
    if not budget.allows_one_more():
        return budget.exhausted
    return ""


@sensitive_variables()  # an error report of this frame would show the values read
def _read_batch(client: OrgClient, batch: list[_Query]) -> tuple[list[RecordValues], list[NotRead]]:
    """One Composite call's queries; a failure of the whole call leaves every one of them not read."""
    try:
        answers = list(composite_get(client, [each.request() for each in batch]))
    except SalesforceError as error:
        return [], [NotRead(each.sobject, each.record_ids, f"Salesforce refused the read ({_code(error.content)})")
                    for each in batch]
    except (SalesforceUnavailableError, OrgAuthError, requests.RequestException) as error:
        return [], [NotRead(each.sobject, each.record_ids, _unreachable(error)) for each in batch]
    read: list[RecordValues] = []
    failed: list[NotRead] = []
    for query, answer in zip(batch, answers, strict=True):
        if not answer.ok:
            why = f"Salesforce refused the read ({_code(answer.body)})"
            failed.append(NotRead(query.sobject, query.record_ids, why))
            continue
        read += [_record_values(query, row) for row in answer_records(client, answer)]
    return read, failed


def _unreachable(error: Exception) -> str:
    if isinstance(error, SalesforceUnavailableError):
        return "Salesforce did not answer"
    if isinstance(error, OrgAuthError):
        return "the org refused the login"
    if isinstance(error, requests.exceptions.SSLError):
        return "the org's certificate is not trusted (its connection's CA bundle)"
    return f"the org could not be reached ({type(error).__name__})"


def _record_values(query: _Query, row: dict[str, Any]) -> RecordValues:
    return RecordValues(query.sobject, str(row.get("Id", "")),
                        tuple(FieldValue(field, _as_text(row.get(field))) for field in query.fields))


def _as_text(value: Any) -> str | None:
    """A field's value as a person reads it: a compound field (an address) as its parts, joined."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        parts = [str(part) for name, part in value.items() if name != "attributes" and part not in (None, "")]
        return ", ".join(parts) or None
    return str(value)


def _code(content: Any) -> str:
    """Salesforce's error code alone."""
    first = content[0] if isinstance(content, list) and content else content
    code = first.get("errorCode") if isinstance(first, dict) else None
    return str(code) if code else "no error code"


"""The one way in to per-consumer data maps, for the API, the pages and the exports: a look-up checks the stated
reason, finds the consumer by the identifiers given with the graph's facts about them in one round trip
(`lookup.find_subjects`), writes the audit event (who, when, the subject's key, the reason), and only then makes their
data map (`maps.data_map_from`) and, when asked, reads their current values live from Salesforce
(`harvesters.live_values`). Nothing of the map leaves without its audit event: an audit write that fails fails the
look-up.

Raw identifiers and live values live only in the request and its answer: they are never stored, cached or logged, and
the frames holding them are `sensitive_variables`, so an error report shows neither. A look-up that finds nobody, or
several people, is audited too (without a subject), and its error says nothing about anyone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.views.decorators.debug import sensitive_variables

from catalog.accounts import audit
from catalog.accounts.models import ApiToken, AuditAction
from catalog.accounts.reasons import ReasonError, checked_reason
from catalog.datamaps.lookup import GivenIdentifier, Lookup, NoIdentifiersError, SubjectMatch, find_subjects
from catalog.datamaps.maps import DataMap, RecordsHeld, data_map_from, overrides_for
from harvesters.live_values import LiveValues, NotRead, WantedRecords, WantedRecordsError, read_live_values
from harvesters.models import OrgConnection
from lineage.identifiers import InvalidIdentifier

API: Final = "API"
WEB_PAGE: Final = "web page"
SUBJECT: Final = "subject"  # the audit event's object type
SUBJECT_PREFIX: Final = "subject:"
MAX_REASON_LENGTH: Final = 500
REASON_MISSING: Final = "Say why you are looking this consumer up: the audit log records the reason."
NOT_FOUND: Final = "No consumer matches these identifiers."


@dataclass(frozen=True)
class Asker:
    """Who looks a consumer up, through what (API or web page), with which token, and why."""

    actor: AbstractBaseUser | AnonymousUser
    reason: str
    origin: str = API
    token: ApiToken | None = None


@dataclass(frozen=True)
class DataMapResult:
    """A consumer found and their data map; `values` (include_values) were read live and are held nowhere else."""

    subject_key: str
    matched_by: tuple[str, ...]
    data_map: DataMap
    looked_up_at: datetime
    values: LiveValues | None = field(default=None, repr=False)


class LookupInputError(ValueError):
    """A look-up's input that is not valid; `field` names where in the request (never the value)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ConsumerNotFoundError(LookupError):
    """No consumer matches the identifiers given (the message says nothing of anyone else)."""

    def __init__(self) -> None:
        super().__init__(NOT_FOUND)


class AmbiguousConsumerError(LookupError):
    """Several consumers match the identifiers given: never merged, each listed with what matched it."""

    def __init__(self, matches: tuple[SubjectMatch, ...]) -> None:
        super().__init__(f"{len(matches)} consumers match these identifiers; give one that tells them apart.")
        self.matches = matches


@sensitive_variables()  # an error report shows none of its variables: identifiers, values
def look_up(asker: Asker, identifiers: Sequence[GivenIdentifier], *, include_values: bool = False,
            as_of: datetime | None = None, details: dict[str, object] | None = None) -> DataMapResult:
    """The data map of the one consumer `identifiers` name as it stood at `as_of` (None: now), audited before it is
    made; `details` add to the audit event what the look-up is for (an export's format). Raises LookupInputError
    (400), ConsumerNotFoundError (404), AmbiguousConsumerError (409)."""
    reason = stated_reason(asker.reason)
    moment = as_of or datetime.now(UTC)
    lookup = _find(identifiers, moment, overrides_for(as_of))
    found = _one_subject(asker, reason, lookup, include_values, details or {})
    event = audit.record_consumer_lookup(found.subject_key.removeprefix(SUBJECT_PREFIX), actor=_user(asker),
                                         reason=reason, token=asker.token,
                                         details={"origin": asker.origin, "matched_by": list(found.matched_by),
                                                  "include_values": include_values, **(details or {})})
    if lookup.facts is None:  # found now, but not standing at `as_of`
        raise ConsumerNotFoundError
    data_map = data_map_from(lookup.facts, moment)
    values = live_values_of(data_map) if include_values else None
    return DataMapResult(found.subject_key, found.matched_by, data_map, event.at, values)


def stated_reason(reason: object) -> str:
    try:
        return checked_reason(reason, max_length=MAX_REASON_LENGTH, missing=REASON_MISSING)
    except ReasonError as error:
        raise LookupInputError("reason", str(error)) from None


@sensitive_variables()  # an error report shows none of its variables: identifiers, values
def _find(identifiers: Sequence[GivenIdentifier], as_of: datetime,
          overrides: dict[str, dict[str, Any]] | None) -> Lookup:
    try:
        return find_subjects(identifiers, as_of=as_of, overrides=overrides)
    except InvalidIdentifier as error:
        raise LookupInputError(error.field or error.kind.value, error.message) from None
    except NoIdentifiersError:
        raise LookupInputError("identifiers", "Give at least one identifier: an email, a phone, a Salesforce "
                                              "record id or an external id.") from None


def _one_subject(asker: Asker, reason: str, lookup: Lookup, include_values: bool,
                 details: dict[str, object]) -> SubjectMatch:
    """The one subject found; none or several are audited as such and raised."""
    if lookup.found is not None:
        return lookup.found
    outcome = "ambiguous" if lookup.ambiguous else "not found"
    audit.record(AuditAction.CONSUMER_LOOKED_UP, actor=_user(asker), token=asker.token, object_type=SUBJECT,
                 reason=reason, details={"origin": asker.origin, "outcome": outcome, "include_values": include_values,
                                         "subjects": [each.subject_key for each in lookup.matches], **details})
    if lookup.ambiguous:
        raise AmbiguousConsumerError(lookup.matches)
    raise ConsumerNotFoundError


def _user(asker: Asker) -> AbstractBaseUser:
    user = audit.acting_user(asker.actor)
    if user is None:
        raise PermissionError("a consumer look-up needs a signed-in user")
    return user


# --- live values -------------------------------------------------------------------------------------------------


def live_values_of(data_map: DataMap) -> LiveValues:
    """The consumer's current values of every personal field of their records, read from each org they are in."""
    read: list[LiveValues] = []
    for org_key, held in _records_by_org(data_map.records).items():
        connection = OrgConnection.objects.filter(org_id=org_key.removeprefix("org:")).first()
        wanted = [_wanted(each) for each in held if _personal_fields(each)]
        read.append(_read_org(connection, wanted))
    return LiveValues(read_at=max((each.read_at for each in read), default=datetime.now(UTC)),
                      records=tuple(record for each in read for record in each.records),
                      not_read=tuple(missing for each in read for missing in each.not_read),
                      api_calls=sum(each.api_calls for each in read))


def _records_by_org(records: Sequence[RecordsHeld]) -> dict[str, list[RecordsHeld]]:
    by_org: dict[str, list[RecordsHeld]] = {}
    for each in records:
        by_org.setdefault(each.org_key, []).append(each)
    return by_org


def _personal_fields(held: RecordsHeld) -> tuple[str, ...]:
    return tuple(sorted({name for category in held.categories for name in category.fields}))


def _wanted(held: RecordsHeld) -> WantedRecords:
    return WantedRecords(held.sobject, held.record_ids, _personal_fields(held))


@sensitive_variables()
def _read_org(connection: OrgConnection | None, wanted: list[WantedRecords]) -> LiveValues:
    if connection is None:
        return _none_read(wanted, "the org is no longer connected")
    try:
        return read_live_values(connection, wanted, max_calls=settings.DATAMAP_LIVE_VALUES_MAX_CALLS,
                                reserve_percent=settings.HARVEST_API_RESERVE_PERCENT,
                                timeout_s=settings.DATAMAP_LIVE_VALUES_TIMEOUT_S)
    except WantedRecordsError:
        return _none_read(wanted, "a name or id the graph holds is not Salesforce's")


def _none_read(wanted: list[WantedRecords], why: str) -> LiveValues:
    return LiveValues(datetime.now(UTC), (), tuple(NotRead(each.sobject, each.record_ids, why) for each in wanted), 0)

"""What changed between two records of one org (two dates, two frozen snapshots, or one of each): activities added
and removed, and within an activity present in both, the categories, recipients, sources and the regime that changed.

Both sides are first put in one comparable form, from a live record or from a snapshot's JSON body (the API's
shapes), so a snapshot compares with a date exactly as two dates do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog.records.activities import Activity, Recipient, Stated
from catalog.records.services import RecordOfProcessing


@dataclass(frozen=True)
class Change:
    """One statement kind of an activity: what the later record says that the earlier did not, and the reverse."""

    kind: str  # e.g. "personal information", "recipients"
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class ActivityChanges:
    key: str
    name: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Comparable:
    """A record as a diff reads it: each activity's name and, per statement kind, what it says in words."""

    alias: str
    as_of: datetime
    activities: dict[str, tuple[str, dict[str, frozenset[str]]]]  # key -> (name, kind -> statements)


@dataclass(frozen=True)
class RecordDiff:
    alias: str
    earlier: Comparable
    later: Comparable
    added: tuple[str, ...]  # names of the activities only the later record has
    removed: tuple[str, ...]
    changed: tuple[ActivityChanges, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def recipient_words(host: str, name: str | None, role: str | None, country: str | None) -> str:
    return f"{name or host} ({role or 'role not declared'}, {country or '?'})"


def _texts(statements: Iterable[Stated[Any]]) -> frozenset[str]:
    return frozenset(str(each.value) for each in statements)


def _recipients(statements: Iterable[Stated[Recipient]]) -> frozenset[str]:
    return frozenset(recipient_words(each.value.host, each.value.name, each.value.role, each.value.country)
                     for each in statements)


# Each statement kind compared, in the order a reader scans an activity: read from an Activity, and from the
# member of a snapshot body's activity that holds it.
COMPARED: tuple[tuple[str, Callable[[Activity], frozenset[str]], str], ...] = (
    ("regime", lambda activity: frozenset({activity.regime.value}), "regime"),
    ("consumers", lambda activity: _texts(activity.consumer_categories), "consumer_categories"),
    ("personal information", lambda activity: _texts(activity.personal_categories), "personal_information"),
    ("sensitive personal information", lambda activity: _texts(activity.sensitive_categories),
     "sensitive_information"),
    ("sources", lambda activity: _texts(activity.sources), "sources"),
    ("recipients", lambda activity: _recipients(activity.recipients), "recipients"),
    ("sold or shared", lambda activity: _recipients(activity.sold_or_shared), "sold_or_shared"),
    ("transfers", lambda activity: _recipients(activity.transfers), "transfers"),
    ("profiling", lambda activity: _texts(activity.profiling), "profiling"),
)
_RECIPIENT_MEMBERS = frozenset({"recipients", "sold_or_shared", "transfers"})


def comparable_record(record: RecordOfProcessing) -> Comparable:
    return Comparable(record.alias, record.as_of, {
        each.activity.key: (each.activity.name, {kind: said(each.activity) for kind, said, _ in COMPARED})
        for each in record.activities})


def comparable_body(body: Mapping[str, Any]) -> Comparable:
    """A snapshot's body (`catalog.records.exports.record_body`: the API's record and activities) as a diff reads
    it."""
    record = body["record"]
    return Comparable(record["org"], datetime.fromisoformat(record["as_of"]), {
        activity["key"]: (activity["name"], {kind: _said_in(activity, member) for kind, _, member in COMPARED})
        for activity in body["activities"]})


def _said_in(activity: Mapping[str, Any], member: str) -> frozenset[str]:
    if member == "regime":
        return frozenset({activity["regime"]})
    if member in _RECIPIENT_MEMBERS:
        return frozenset(recipient_words(each["value"]["host"], each["value"]["name"], each["value"]["role"],
                                         each["value"]["country"]) for each in activity[member])
    return frozenset(str(each["value"]) for each in activity[member])


def diff_records(earlier: RecordOfProcessing | Comparable, later: RecordOfProcessing | Comparable) -> RecordDiff:
    """What `later` says differently from `earlier` (both of one org)."""
    first, second = (each if isinstance(each, Comparable) else comparable_record(each) for each in (earlier, later))
    before, after = first.activities, second.activities
    changed = [_activity_changes(key, before[key], after[key]) for key in sorted(before.keys() & after.keys())]
    return RecordDiff(
        alias=second.alias, earlier=first, later=second,
        added=tuple(after[key][0] for key in sorted(after.keys() - before.keys())),
        removed=tuple(before[key][0] for key in sorted(before.keys() - after.keys())),
        changed=tuple(each for each in changed if each.changes))


def _activity_changes(key: str, before: tuple[str, dict[str, frozenset[str]]],
                      after: tuple[str, dict[str, frozenset[str]]]) -> ActivityChanges:
    changes = [Change(kind, tuple(sorted(after[1][kind] - before[1][kind])),
                      tuple(sorted(before[1][kind] - after[1][kind])))
               for kind, _, _ in COMPARED if before[1][kind] != after[1][kind]]
    return ActivityChanges(key, after[0], tuple(changes))


__all__ = ["ActivityChanges", "Change", "Comparable", "RecordDiff", "comparable_body", "comparable_record",
           "diff_records"]

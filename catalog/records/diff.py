"""What changed between two records of one org (two dates, or later two snapshots): activities added and removed,
and within an activity present in both, the categories, recipients, sources and the regime that changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
class RecordDiff:
    alias: str
    earlier: RecordOfProcessing
    later: RecordOfProcessing
    added: tuple[str, ...]  # names of the activities only the later record has
    removed: tuple[str, ...]
    changed: tuple[ActivityChanges, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def recipient_words(recipient: Recipient) -> str:
    return f"{recipient.name or recipient.host} ({recipient.role or 'role not declared'}, {recipient.country or '?'})"


def _texts(statements: Iterable[Stated[Any]]) -> set[str]:
    return {str(each.value) for each in statements}


def _recipients(statements: Iterable[Stated[Recipient]]) -> set[str]:
    return {recipient_words(each.value) for each in statements}


# Each statement kind compared, in the order a reader scans an activity.
COMPARED: tuple[tuple[str, Callable[[Activity], set[str]]], ...] = (
    ("regime", lambda activity: {activity.regime.value}),
    ("consumers", lambda activity: _texts(activity.consumer_categories)),
    ("personal information", lambda activity: _texts(activity.personal_categories)),
    ("sensitive personal information", lambda activity: _texts(activity.sensitive_categories)),
    ("sources", lambda activity: _texts(activity.sources)),
    ("recipients", lambda activity: _recipients(activity.recipients)),
    ("sold or shared", lambda activity: _recipients(activity.sold_or_shared)),
    ("transfers", lambda activity: _recipients(activity.transfers)),
    ("profiling", lambda activity: _texts(activity.profiling)),
)


def diff_records(earlier: RecordOfProcessing, later: RecordOfProcessing) -> RecordDiff:
    """What `later` says differently from `earlier` (both of one org)."""
    before = {each.activity.key: each.activity for each in earlier.activities}
    after = {each.activity.key: each.activity for each in later.activities}
    changed = [_activity_changes(before[key], after[key]) for key in sorted(before.keys() & after.keys())]
    return RecordDiff(
        alias=later.alias, earlier=earlier, later=later,
        added=tuple(after[key].name for key in sorted(after.keys() - before.keys())),
        removed=tuple(before[key].name for key in sorted(before.keys() - after.keys())),
        changed=tuple(each for each in changed if each.changes))


def _activity_changes(before: Activity, after: Activity) -> ActivityChanges:
    changes = []
    for kind, said in COMPARED:
        was, now = said(before), said(after)
        if was != now:
            changes.append(Change(kind, tuple(sorted(now - was)), tuple(sorted(was - now))))
    return ActivityChanges(after.key, after.name, tuple(changes))


__all__ = ["ActivityChanges", "Change", "RecordDiff", "diff_records"]

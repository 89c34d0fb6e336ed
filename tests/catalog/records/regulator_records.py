"""Records of processing made by hand for the regulators' shapes: an activity generated from facts, its human-owned
fields as a privacy officer, the graph or nobody fills them."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.records.activities import Activity
from catalog.records.models import ACTIVITY_FIELDS, ORG_FIELDS
from catalog.records.services import GRAPH, NEEDS_INPUT, PRIVACY_OFFICER, ActivityRecord, RecordOfProcessing, Shown

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def shown(fields: dict[str, str], filled: dict[str, str], from_graph: dict[str, str]) -> tuple[Shown, ...]:
    """Each field as a privacy officer filled it, else as the graph says it, else needing input."""
    return tuple(Shown(name, label, filled[name], PRIVACY_OFFICER) if name in filled
                 else Shown(name, label, from_graph[name], GRAPH) if name in from_graph
                 else Shown(name, label, None, NEEDS_INPUT) for name, label in fields.items())


def activity_record(activity: Activity, filled: dict[str, str] | None = None,
                    from_graph: dict[str, str] | None = None, *, as_of: datetime = AS_OF) -> ActivityRecord:
    changed = datetime(2026, 10, 1, tzinfo=UTC) if filled else None
    return ActivityRecord("acme", as_of, activity, shown(ACTIVITY_FIELDS, filled or {}, from_graph or {}),
                          "olivia-officer" if filled else None, changed)


def record(*rows: ActivityRecord, org: dict[str, str] | None = None, as_of: datetime = AS_OF) -> RecordOfProcessing:
    return RecordOfProcessing("acme", as_of, False, True, shown(ORG_FIELDS, org or {}, {}), rows)

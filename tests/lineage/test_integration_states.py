"""An integration's attributes over time: each distinct set it had is a state with first_seen and retired_at, so a
record of processing as of a past date reads the attributes of then (real Neo4j)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lineage import (
    Graph,
    GraphWriter,
    IntegrationKind,
    IntegrationRecord,
    PurposeRecord,
    ServesEdge,
    bootstrap_schema,
    org_key,
    purge_org,
)
from lineage.queries.processing import processing_facts

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)


@pytest.fixture
def org_id(graph: Graph) -> Iterator[str]:
    bootstrap_schema(graph)
    made = f"00DSTATE{uuid.uuid4().hex[:8].upper()}"
    yield made
    purge_org(graph, org_key(made))


def sync(org_id: str, **attributes: Any) -> IntegrationRecord:
    return IntegrationRecord(org_id=org_id, kind=IntegrationKind.MANIFEST, name="partner.sync",
                             attributes=attributes, evidence="manifest:partners.yaml#partner.sync")


def write(graph: Graph, org_id: str, now: datetime, integration: IntegrationRecord) -> None:
    purpose = PurposeRecord(org_id=org_id, name="Marketing", declared=True, evidence="manifest:partners.yaml")
    writer = GraphWriter(graph, f"run-{uuid.uuid4().hex[:8]}", org_key(org_id), now)
    writer.write_chunk([purpose, integration], [ServesEdge(source=integration.ref, target=purpose.ref,
                                                           evidence="manifest:partners.yaml#partner.sync")])


def attributes_at(graph: Graph, org_id: str, moment: datetime) -> dict[str, Any]:
    (activity,) = processing_facts(graph, org_key(org_id), moment)
    (integration,) = activity.integrations
    return dict(integration.attributes)


def states(graph: Graph, org_id: str) -> list[dict[str, Any]]:
    rows = graph.read("MATCH (s:IntegrationState) WHERE s.org_key = $org_key "
                      "RETURN s.consent_checked AS consent_checked, s.first_seen AS first_seen, "
                      "s.retired_at AS retired_at ORDER BY s.first_seen", org_key=org_key(org_id))
    return [row.data() for row in rows]


def test_a_record_as_of_before_an_attribute_changed_reads_the_attribute_then(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, consent_checked=False, retention="P2Y"))
    write(graph, org_id, T1, sync(org_id, consent_checked=True, retention="P2Y"))

    assert attributes_at(graph, org_id, T0 + timedelta(hours=1))["consent_checked"] is False
    assert attributes_at(graph, org_id, T1 + timedelta(hours=1))["consent_checked"] is True


def test_an_attribute_dropped_later_is_still_read_as_of_before_it_was_dropped(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, retention="P2Y", dpa_signed=True))
    write(graph, org_id, T1, sync(org_id, retention="P2Y", dpa_signed=None))

    assert attributes_at(graph, org_id, T0)["dpa_signed"] is True
    assert "dpa_signed" not in attributes_at(graph, org_id, T2)


def test_writing_the_same_attributes_again_renews_the_state_and_starts_no_other(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, consent_checked=False))
    write(graph, org_id, T1, sync(org_id, consent_checked=False))

    assert states(graph, org_id) == [{"consent_checked": False, "first_seen": T0, "retired_at": None}]


def test_a_change_retires_the_state_it_ends_and_a_return_to_old_values_is_a_new_span(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, consent_checked=False))
    write(graph, org_id, T1, sync(org_id, consent_checked=True))
    write(graph, org_id, T2, sync(org_id, consent_checked=False))

    assert states(graph, org_id) == [{"consent_checked": False, "first_seen": T0, "retired_at": T1},
                                     {"consent_checked": True, "first_seen": T1, "retired_at": T2},
                                     {"consent_checked": False, "first_seen": T2, "retired_at": None}]
    assert attributes_at(graph, org_id, T1 + timedelta(hours=1))["consent_checked"] is True


def test_two_writes_at_one_moment_leave_one_state_with_the_later_attributes(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, consent_checked=False))
    write(graph, org_id, T0, sync(org_id, consent_checked=True))

    assert states(graph, org_id) == [{"consent_checked": True, "first_seen": T0, "retired_at": None}]


def test_purging_the_org_deletes_its_integrations_states(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, consent_checked=False))

    purge_org(graph, org_key(org_id))

    assert states(graph, org_id) == []


def test_an_openlineage_jobs_last_event_is_not_history_of_its_attributes(graph: Graph, org_id: str):
    write(graph, org_id, T0, sync(org_id, consent_checked=False, last_event_type="START", openlineage_run_id="r1"))
    write(graph, org_id, T1, sync(org_id, consent_checked=False, last_event_type="COMPLETE", openlineage_run_id="r2"))

    assert states(graph, org_id) == [{"consent_checked": False, "first_seen": T0, "retired_at": None}]
    assert "last_event_type" not in attributes_at(graph, org_id, T1)

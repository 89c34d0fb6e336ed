"""`manage.py rekey_subjects`: how far a re-key of the identifier index has gone, per configured key, read from the
real Neo4j engine."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from harvesters.consents import ConsumerGroup, SubjectKeys, group_records
from lineage import Graph, GraphWriter, org_key, purge_org
from lineage.identifiers import key_id

pytestmark = pytest.mark.django_db

OLD, NEW = b"a-subject-key-a-rotation-replaces-000000", b"the-subject-key-that-replaces-it-1111111"
ORG_ID = "00D8d0RekeyCmdAAAA"
NOW = datetime(2026, 11, 29, 4, tzinfo=UTC)


@pytest.fixture
def half_rekeyed(graph: Graph) -> Iterator[None]:
    """Two consumers indexed under the old key; the first of them indexed again under the new one."""
    scope = org_key(ORG_ID)
    purge_org(graph, scope)
    groups = [ConsumerGroup(individual, {"Individual": [{"Id": individual}]})
              for individual in ("0PK8d0RekeyCmdAAAA", "0PK8d0RekeyCmdBAAA")]
    for run, keys, rewritten in (("before", SubjectKeys(OLD, index=None), groups),
                                 ("re-key", SubjectKeys(NEW, (OLD,)), groups[:1])):
        writer = GraphWriter(graph, run, scope, NOW)
        for group in rewritten:
            writer.write_chunk(*group_records(ORG_ID, group, keys, {}, []))
    yield
    purge_org(graph, scope)


def rekey_status(settings: Any) -> str:
    settings.SUBJECT_HMAC_KEY, settings.SUBJECT_HMAC_PREVIOUS_KEYS = NEW.decode(), [OLD.decode()]
    out = io.StringIO()
    call_command("rekey_subjects", "--status", stdout=out)
    return out.getvalue()


def test_the_status_counts_the_live_hashes_each_key_made_and_says_the_old_key_is_still_needed(
    half_rekeyed: None, settings: Any
):
    said = rekey_status(settings)

    assert f"current key {key_id(NEW)}: 1 live identifier hashes" in said
    assert f"previous key {key_id(OLD)}: 2 live identifier hashes; re-key not done" in said


def test_an_unknown_org_is_refused_by_name_before_anything_is_queued(settings: Any):
    with pytest.raises(CommandError, match="no org connection named nowhere"):
        call_command("rekey_subjects", "nowhere", stdout=io.StringIO())

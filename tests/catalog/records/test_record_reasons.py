"""The reasons a record's changes state, checked as the audit log keeps them before anything is read or written: an
edit's is optional, a snapshot's required; one too long or holding a null character is refused naming the reason."""

from __future__ import annotations

import pytest

from catalog.records import services, snapshots
from tests.catalog.accounts.people import privacy_officer

pytestmark = pytest.mark.django_db

CANNOT_KEEP = ["x" * 2001, "because\x00"]


@pytest.mark.parametrize("reason", CANNOT_KEEP)
def test_an_activitys_edit_with_a_reason_the_audit_log_cannot_keep_is_refused_naming_the_reason(reason: str):
    with pytest.raises(services.RecordInputError) as refused:
        services.edit_activity("nowhere", "analytics", {"description": "d"}, reason=reason, actor=privacy_officer())

    assert refused.value.field == "reason"


@pytest.mark.parametrize("reason", CANNOT_KEEP)
def test_a_records_own_edit_with_a_reason_the_audit_log_cannot_keep_is_refused_naming_the_reason(reason: str):
    with pytest.raises(services.RecordInputError) as refused:
        services.edit_org_record("nowhere", {"dpo": "d"}, reason=reason, actor=privacy_officer())

    assert refused.value.field == "reason"


@pytest.mark.parametrize("reason", ["", "  \n", *CANNOT_KEEP])
def test_a_snapshot_without_a_reason_the_audit_log_can_keep_is_refused_naming_the_reason(reason: str):
    with pytest.raises(services.RecordInputError, match=r"frozen|characters|null") as refused:
        snapshots.take_snapshot("nowhere", reason=reason, actor=privacy_officer())

    assert refused.value.field == "reason"

"""The audit log: appended to on logins, tokens and harvest starts; never changed or deleted; browsed by privacy
officers through the API with filters."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from rest_framework.test import APIClient

from catalog.accounts import audit, services
from catalog.accounts.models import AppendOnlyError, AuditAction, AuditEvent
from catalog.accounts.tokens import CATALOG_READ
from harvesters import runs
from harvesters.models import OrgConnection
from lineage import subject_hmac_for
from tests.catalog.accounts.people import PASSWORD, admin, auditor, privacy_officer, token_client
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/audit-events/"


@pytest.fixture
def acme() -> OrgConnection:
    return register_offline_org("acme", "https://acme.my.salesforce.com")


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_an_event_cannot_be_changed_or_deleted():
    event = audit.record(AuditAction.EXPORTED, actor_name="tests", object_type="ropa", object_key="2026-q4")
    event.reason = "rewritten history"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten history")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_a_consumer_look_up_is_recorded_by_the_subjects_keyed_hash_with_its_reason():
    subject = subject_hmac_for(b"test-subject-key", email="maria.lopez@example.com")

    event = audit.record_consumer_lookup(subject, actor=privacy_officer(), reason="DSAR 2026-118: right to know")

    assert (event.object_type, event.object_key) == ("subject", f"subject:{subject}")
    assert "maria" not in str(list(AuditEvent.objects.values()))


@pytest.mark.parametrize("raw", ["maria.lopez@example.com", "+14155550123", "003Dn00000Xy1ZzIAJ", ""])
def test_a_consumer_look_up_by_a_raw_identifier_is_refused_and_nothing_is_written(raw: str):
    with pytest.raises(ValueError, match="never a raw identifier"):
        audit.record_consumer_lookup(raw, actor=privacy_officer(), reason="DSAR 2026-118")
    assert not AuditEvent.objects.exists()


def test_a_consumer_look_up_without_a_reason_is_refused():
    subject = subject_hmac_for(b"test-subject-key", email="maria.lopez@example.com")

    with pytest.raises(audit.MissingReasonError):
        audit.record_consumer_lookup(subject, actor=privacy_officer(), reason="  ")
    assert not AuditEvent.objects.exists()


def test_deleting_a_user_leaves_their_events_as_they_were():
    officer = privacy_officer("olivia")
    audit.record(AuditAction.EXPORTED, actor=officer, object_type="ropa", object_key="2026-q4")

    officer.delete()

    assert AuditEvent.objects.get().actor_name == "olivia"


def test_the_admin_shows_the_log_read_only():
    admin_page = site._registry[AuditEvent]

    assert not admin_page.has_add_permission(None)  # type: ignore[arg-type]
    assert not admin_page.has_change_permission(None)  # type: ignore[arg-type]
    assert not admin_page.has_delete_permission(None)  # type: ignore[arg-type]


def test_a_login_and_a_failed_login_are_recorded_without_the_password():
    privacy_officer("olivia")
    browser = Client()

    assert not browser.login(username="olivia", password="wrong-password-1")
    assert browser.login(username="olivia", password=PASSWORD)
    browser.logout()

    failed, logged_in, logged_out = AuditEvent.objects.order_by("id")
    assert (failed.action, failed.actor_name, failed.actor_id) == (AuditAction.LOGIN_FAILED, "olivia", None)
    assert (logged_in.action, logged_in.actor_name) == (AuditAction.LOGIN, "olivia")
    assert logged_out.action == AuditAction.LOGOUT
    assert "wrong-password-1" not in str(failed.details) + failed.object_key + failed.reason


def test_issuing_and_revoking_a_token_are_recorded_with_who_and_why_but_never_the_secret():
    officer = privacy_officer("olivia")
    issued = services.issue_token(auditor("aaron"), [CATALOG_READ], issued_by=officer)
    services.revoke_token(issued.token, revoked_by=officer, reason="aaron left the audit firm")

    issued_event, revoked_event = AuditEvent.objects.order_by("id")
    assert (issued_event.action, issued_event.actor_name, issued_event.object_key) == (
        AuditAction.TOKEN_ISSUED, "olivia", issued.token.token_key)
    assert issued_event.details["owner"] == "aaron"
    assert issued_event.details["scopes"] == [CATALOG_READ]
    assert (revoked_event.action, revoked_event.reason) == (AuditAction.TOKEN_REVOKED, "aaron left the audit firm")
    assert issued.secret not in str(list(AuditEvent.objects.values()))


def test_a_harvest_started_by_any_entry_point_is_recorded(acme: OrgConnection):
    run = runs.request_harvest(acme, full=True, origin="schedule")

    event = AuditEvent.objects.get()
    assert (event.action, event.actor_name, event.object_type, event.object_key) == (
        AuditAction.HARVEST_STARTED, "schedule", "harvest_run", str(run.uid))
    assert event.details["org"] == "acme"


def test_a_harvest_started_over_the_api_is_recorded_with_its_user_and_token(acme: OrgConnection):
    client = token_client(admin("ada"))

    assert client.post("/api/v1/harvest-runs/", {"org": "acme"}, format="json").status_code == 202

    event = AuditEvent.objects.get(action=AuditAction.HARVEST_STARTED)
    assert event.actor_name == "ada"
    assert event.details["origin"].startswith("api (token rk_")


def test_a_privacy_officer_lists_the_audit_log_newest_first():
    audit.record(AuditAction.EXPORTED, actor_name="tests", object_type="ropa", object_key="first")
    audit.record(AuditAction.EXPORTED, actor_name="tests", object_type="ropa", object_key="second")

    client = token_client(privacy_officer("olivia"))  # issuing it is an event too, the newest

    response = client.get(EVENTS)

    assert response.status_code == 200
    keys = [event["object_key"] for event in response.json()["results"]]
    assert keys[1:] == ["second", "first"]
    assert response.json()["results"][0]["action"] == "token_issued"


def test_the_audit_log_filters_by_action_actor_object_and_date_range():
    audit.record(AuditAction.EXPORTED, actor_name="olivia", object_type="ropa", object_key="2026-q4")
    audit.record(AuditAction.CLASSIFICATION_OVERRIDDEN, actor_name="olivia", object_type="field",
                 object_key="field:00D.Contact.TaxId__c", reason="a tax id is sensitive")
    audit.record(AuditAction.EXPORTED, actor_name="omar", object_type="ropa", object_key="2026-q3")
    client = token_client(privacy_officer("reader"))

    def keys(query: str) -> set[str]:
        response = client.get(f"{EVENTS}?{query}")
        assert response.status_code == 200, response.json()
        return {event["object_key"] for event in response.json()["results"]}

    assert keys("action=exported&actor=olivia") == {"2026-q4"}
    assert keys("object_type=field&object_key=field:00D.Contact.TaxId__c") == {"field:00D.Contact.TaxId__c"}
    assert keys("action=exported&since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z") == {"2026-q4", "2026-q3"}
    assert keys("action=exported&until=2000-01-01T00:00:00Z") == set()


def test_the_audit_log_filters_by_the_token_used():
    issued = services.issue_token(admin("ada"), [CATALOG_READ])
    audit.record(AuditAction.EXPORTED, actor=issued.token.user, token=issued.token, object_type="ropa",
                 object_key="2026-q4")

    response = token_client(privacy_officer()).get(f"{EVENTS}?token={issued.token.token_key}")

    assert [event["object_key"] for event in response.json()["results"]] == ["2026-q4"]


def test_bad_audit_log_filters_are_a_400_naming_each_parameter():
    response = token_client(privacy_officer()).get(f"{EVENTS}?action=shredded&since=yesterday&until=")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"action", "since", "until"}


def test_an_auditor_or_an_admin_gets_a_403_from_the_audit_log():
    for user in (auditor(), admin()):
        response = token_client(user).get(EVENTS)
        assert response.status_code == 403
        assert response.json()["detail"] == "Your role does not allow this (view audit log)."


def test_nobody_changes_the_audit_log_through_the_api():
    event = audit.record(AuditAction.EXPORTED, actor_name="tests", object_type="ropa", object_key="2026-q4")
    client = token_client(privacy_officer())

    assert client.delete(f"{EVENTS}{event.pk}/").status_code == 405
    assert client.post(EVENTS, {"action": "exported"}, format="json").status_code == 405
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED).count() == 1


def test_an_anonymous_request_for_the_audit_log_is_a_401():
    assert APIClient().get(EVENTS).status_code == 401


@pytest.mark.parametrize(("stated", "kept"), [
    ("Asked by jane.doe@example.com", "Asked by [email removed]"),
    ("Call +1 415 555 0100 back", "Call [phone removed] back"),
    ("Call (415) 555-0100 back", "Call [phone removed] back"),
    ("DSAR 2026-118, ticket 4471: right to know", "DSAR 2026-118, ticket 4471: right to know"),
])
def test_an_email_or_phone_number_typed_into_a_reason_is_not_kept(stated: str, kept: str):
    event = audit.record(AuditAction.EXPORTED, actor=auditor(), object_type="fields", object_key="acme",
                         reason=stated)

    assert AuditEvent.objects.get(pk=event.pk).reason == kept

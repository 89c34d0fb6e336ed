"""API tokens: issued once by a command, stored as hashes, scoped, expiring, revocable; Bearer only, no Basic."""

from __future__ import annotations

import base64
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.sites import site
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.accounts import services
from catalog.accounts.models import ApiToken
from catalog.accounts.tokens import CATALOG_READ, DSAR_READ, UnknownScopeError, parse_scopes
from tests.catalog.accounts.people import PASSWORD, auditor, bearer_client, privacy_officer, token_client

pytestmark = pytest.mark.django_db
ORGS = "/api/v1/orgs/"


def issue(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_issue_token_prints_the_token_once_and_keeps_only_its_hash():
    privacy_officer("dsar-bot")

    secret, note = issue("dsar-bot", "--scopes", "catalog:read,dsar:read", "--expires-days", "30")

    token = ApiToken.objects.get()
    assert secret.startswith("rk_")
    assert len(secret) > 60
    assert token.scopes == [CATALOG_READ, DSAR_READ]
    assert secret not in {token.digest, token.token_key}
    assert token.token_key == secret[:15]
    assert timedelta(days=29) < token.expiry - timezone.now() <= timedelta(days=30)
    assert "Shown once" in note
    assert secret not in note


def test_a_token_without_expires_days_lasts_until_revoked():
    privacy_officer("dsar-bot")

    issue("dsar-bot", "--scopes", "dsar:read")

    assert ApiToken.objects.get().expiry is None


@pytest.mark.parametrize(("args", "message"), [
    (["nobody", "--scopes", "catalog:read"], "no user named 'nobody'"),
    (["dsar-bot", "--scopes", "catalog:read,dsar:delete"], "--scopes: unknown scope dsar:delete"),
    (["dsar-bot", "--scopes", " , "], "--scopes: no scope given"),
    (["dsar-bot", "--scopes", "catalog:read", "--expires-days", "soon"], "--expires-days: a whole number"),
    (["dsar-bot", "--scopes", "catalog:read", "--expires-days", "0"], "--expires-days: expires-days must be"),
    (["dsar-bot", "--scopes", "catalog:read", "--expires-days", "-3"], "--expires-days: a whole number"),
])
def test_issue_token_refuses_bad_input_with_a_clear_error_and_issues_nothing(args: list[str], message: str):
    privacy_officer("dsar-bot")

    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        issue(*args)
    assert not ApiToken.objects.exists()


def test_scopes_are_parsed_into_their_canonical_order_without_repeats():
    assert parse_scopes("dsar:read, catalog:read,dsar:read") == [CATALOG_READ, DSAR_READ]
    with pytest.raises(UnknownScopeError, match="known scopes: catalog:read, catalog:write, dsar:read, dsar:write"):
        parse_scopes("catalog:admin")


def test_a_bearer_token_authenticates_and_its_last_use_is_stamped():
    client = token_client(privacy_officer(), (CATALOG_READ,))

    assert client.get(ORGS).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_a_401_saying_so():
    issued = services.issue_token(privacy_officer(), [CATALOG_READ])
    services.revoke_token(issued.token, reason="leaked in a ticket")

    response = bearer_client(issued.secret).get(ORGS)

    assert response.status_code == 401
    assert response.json()["detail"] == "The token was revoked."


def test_an_expired_token_is_a_401_saying_so_and_is_kept_for_the_record():
    issued = services.issue_token(privacy_officer(), [CATALOG_READ], expires_days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(expiry=timezone.now() - timedelta(seconds=1))

    response = bearer_client(issued.secret).get(ORGS)

    assert response.status_code == 401
    assert response.json()["detail"] == "The token has expired."
    assert ApiToken.objects.filter(pk=issued.token.pk).exists()


def test_an_unknown_or_malformed_token_is_a_401():
    for secret in ("rk_" + "0" * 61, "not-a-token", "rk_\u00e9\u00e9"):
        response = bearer_client(secret).get(ORGS)
        assert response.status_code == 401, secret
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_of_an_inactive_user_is_a_401():
    officer = privacy_officer()
    client = token_client(officer)
    officer.is_active = False
    officer.save()

    assert client.get(ORGS).status_code == 401


def test_revoking_twice_changes_nothing_the_second_time():
    issued = services.issue_token(privacy_officer(), [CATALOG_READ])

    assert services.revoke_token(issued.token) is True
    assert services.revoke_token(issued.token) is False


def test_revoke_token_command_revokes_by_the_public_key():
    issued = services.issue_token(privacy_officer(), [CATALOG_READ])

    call_command("revoke_token", issued.token.token_key, "--reason", "rotated", stdout=StringIO())

    assert ApiToken.objects.get().is_revoked
    with pytest.raises(CommandError, match="no API token with key 'rk_unknown'"):
        call_command("revoke_token", "rk_unknown")


def test_http_basic_is_not_accepted():
    privacy_officer("olivia")
    basic = base64.b64encode(f"olivia:{PASSWORD}".encode()).decode()

    response = APIClient().get(ORGS, HTTP_AUTHORIZATION=f"Basic {basic}")

    assert response.status_code == 401


def test_the_pages_session_still_works_for_reading_and_needs_csrf_for_writing():
    privacy_officer("olivia")
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="olivia", password=PASSWORD)

    assert browser.get(ORGS).status_code == 200
    refused = browser.post("/api/v1/harvest-runs/", {"org": "acme"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_the_admin_lists_tokens_without_their_hash_and_cannot_add_or_delete_them():
    admin_page = site._registry[ApiToken]

    assert "digest" not in admin_page.list_display
    assert "digest" not in (admin_page.fields or ())
    assert not admin_page.has_add_permission(None)  # type: ignore[arg-type]
    assert not admin_page.has_delete_permission(None)  # type: ignore[arg-type]


def test_the_admin_revokes_the_selected_tokens():
    officer = privacy_officer()
    officer.is_staff = True
    officer.save()
    issued = services.issue_token(auditor(), [CATALOG_READ])
    browser = Client()
    browser.force_login(officer)

    response = browser.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]})

    assert response.status_code == 302
    assert ApiToken.objects.get().is_revoked

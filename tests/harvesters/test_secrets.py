"""Org secrets at rest: Fernet tokens, several keys at once (MultiFernet), and rotation to a new key."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test import override_settings

from harvesters.connections import register_org
from harvesters.models import OrgConnection
from harvesters.secrets import SecretUnreadableError

pytestmark = pytest.mark.django_db
OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))


def stored_secret(alias: str) -> str:
    """The client secret as the database holds it."""
    raw = Cast("client_secret", TextField())  # a plain text column: no decryption on the way out
    token: str = OrgConnection.objects.filter(alias=alias).annotate(raw=raw).values_list("raw", flat=True).get()
    return token


def connect(alias: str, secret: str) -> OrgConnection:
    return register_org(alias, login_url="https://login.salesforce.com", auth_flow="client_credentials",
                        client_id="3MVG9-consumer-key", client_secret=secret)


def test_a_secret_is_stored_as_a_fernet_token_only():
    with override_settings(SECRETS_KEY=OLD):
        connect("bank", "s3cret-value")

        assert "s3cret-value" not in stored_secret("bank")
        assert Fernet(OLD.encode()).decrypt(stored_secret("bank").encode()) == b"s3cret-value"


def test_secrets_under_an_old_key_still_read_when_a_new_key_is_put_first():
    with override_settings(SECRETS_KEY=OLD):
        connect("bank", "s3cret-value")

    with override_settings(SECRETS_KEY=f"{NEW},{OLD}"):
        assert OrgConnection.objects.get(alias="bank").client_secret == "s3cret-value"
        connect("card", "another-secret")
        assert Fernet(NEW.encode()).decrypt(stored_secret("card").encode()) == b"another-secret"


def test_rotate_secrets_re_encrypts_every_secret_so_the_old_key_can_be_dropped():
    with override_settings(SECRETS_KEY=OLD):
        connect("bank", "s3cret-value")
        connect("card", "another-secret")

    with override_settings(SECRETS_KEY=f"{NEW},{OLD}"):
        call_command("rotate_secrets", stdout=io.StringIO())

    with override_settings(SECRETS_KEY=NEW):
        assert OrgConnection.objects.get(alias="bank").client_secret == "s3cret-value"
        assert OrgConnection.objects.get(alias="card").client_secret == "another-secret"


def test_a_secret_no_key_decrypts_stops_the_rotation_naming_the_connection_and_changes_nothing():
    with override_settings(SECRETS_KEY=OLD):
        connect("bank", "s3cret-value")
    with override_settings(SECRETS_KEY=OTHER):
        connect("card", "another-secret")
    before = stored_secret("bank"), stored_secret("card")

    with override_settings(SECRETS_KEY=f"{NEW},{OLD}"), pytest.raises(CommandError, match="card: client_secret"):
        call_command("rotate_secrets")

    assert (stored_secret("bank"), stored_secret("card")) == before


def test_a_secret_under_a_key_no_longer_configured_is_unreadable():
    with override_settings(SECRETS_KEY=OLD):
        connect("bank", "s3cret-value")

    with override_settings(SECRETS_KEY=NEW), pytest.raises(SecretUnreadableError):
        _ = OrgConnection.objects.get(alias="bank").client_secret

"""The signing key comes from ROPA_SIGNING_KEY: development derives a stable one from SECRET_KEY; a deployment
without a key of its own, or with one that is not Ed25519, is named by `manage.py check`."""

from __future__ import annotations

from tests.catalog.records.signed_exports import private_key_pem, public_key_pem, public_key_text
from tests.catalog.test_settings import DEPLOY_CHECK, PRODUCTION, run_with

PRINT_SIGNING_KEY = ("import django; from django.conf import settings; django.setup(); "
                     "from catalog.records.signing import signing_key, trusted_keys; signing_key(); "
                     "print(settings.ROPA_SIGNING_KEY); print(len(trusted_keys().keys))")
PLAIN_CHECK = ("from django.core.management import execute_from_command_line; "
               "execute_from_command_line(['manage.py', 'check'])")


def test_development_derives_the_same_signing_key_in_every_process():
    development = {"DEBUG": "true", "SECRET_KEY": "a-developers-secret"}
    first, second = run_with(development, PRINT_SIGNING_KEY), run_with(development, PRINT_SIGNING_KEY)
    other = run_with({"DEBUG": "true", "SECRET_KEY": "another-developers-secret"}, PRINT_SIGNING_KEY)

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.split()[0] != other.stdout.split()[0]


def test_the_deploy_check_names_a_missing_signing_key():
    without_key = {name: value for name, value in PRODUCTION.items() if name != "ROPA_SIGNING_KEY"}

    result = run_with(without_key, DEPLOY_CHECK)

    assert result.returncode != 0
    assert "catalog.E006" in result.stderr
    assert "ROPA_SIGNING_KEY is not set: RoPA exports cannot be signed." in result.stderr


def test_the_deploy_check_refuses_the_development_signing_key():
    development = {"DEBUG": "true", "SECRET_KEY": PRODUCTION["SECRET_KEY"], "ALLOWED_HOSTS": "recordkeeper.example.com"}

    result = run_with(development, DEPLOY_CHECK)

    assert result.returncode != 0
    assert "catalog.E008" in result.stderr
    assert "ROPA_SIGNING_KEY is the development key derived from SECRET_KEY." in result.stderr


def test_a_signing_key_that_is_not_ed25519_fails_every_check_not_only_the_deploy_check():
    result = run_with({"DEBUG": "true", "ROPA_SIGNING_KEY": "c2hvcnQ="}, PLAIN_CHECK)

    assert result.returncode != 0
    assert "catalog.E007" in result.stderr
    assert "ROPA_SIGNING_KEY holds 5 bytes; an Ed25519 private key in base64 holds 32." in result.stderr


def test_a_verify_key_that_is_not_ed25519_is_named_by_its_place():
    result = run_with({"DEBUG": "true", "ROPA_VERIFY_KEYS": f"{public_key_text(2)},not a key!"}, PLAIN_CHECK)

    assert result.returncode != 0
    assert "catalog.E009" in result.stderr
    assert "ROPA_VERIFY_KEYS's key 2 of 2 is neither PEM nor base64" in result.stderr


def test_pem_keys_are_read_as_well_as_base64_ones():
    pem = {"DEBUG": "true", "ROPA_SIGNING_KEY": private_key_pem(3), "ROPA_VERIFY_KEYS": public_key_pem(4)}

    result = run_with(pem, PRINT_SIGNING_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "2"  # the signing key's public half and the earlier key

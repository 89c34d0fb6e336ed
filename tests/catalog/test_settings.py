"""Settings come from the environment; DEBUG is off unless set, and development (DEBUG=true) has local defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'debug': settings.DEBUG, 'engine': db['ENGINE'], 'db_name': str(db['NAME']), "
    "'db_host': db.get('HOST', ''), 'neo4j': settings.NEO4J, 'broker': settings.CELERY_BROKER_URL, "
    "'backend': settings.CELERY_RESULT_BACKEND, 'serializer': settings.CELERY_TASK_SERIALIZER, "
    "'accept': settings.CELERY_ACCEPT_CONTENT, 'acks_late': settings.CELERY_TASK_ACKS_LATE, "
    "'time_limit': settings.CELERY_TASK_TIME_LIMIT}))"
)
CONFIG_VARIABLES = ("DEBUG", "SECRET_KEY", "SECRETS_KEY", "SUBJECT_HMAC_KEY", "DATABASE_URL", "NEO4J_URI",
                    "NEO4J_USER", "NEO4J_PASSWORD", "ROPA_SIGNING_KEY", "ROPA_VERIFY_KEYS",
                    "NEO4J_DATABASE", "NEO4J_RETRY_SECONDS", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
                    "ALLOWED_HOSTS")


def run_with(env: dict[str, str], code: str = PRINT_SETTINGS) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean["DJANGO_SETTINGS_MODULE"] = "catalog.settings"
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)


def settings_with(env: dict[str, str]) -> dict[str, object]:
    """The settings loaded with `env`, in development mode unless `env` sets DEBUG."""
    result = run_with({"DEBUG": "true", **env})
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
              "SECRETS_KEY": "0H0aJ0vX3gqZ1w7b4n4oB2zq8xTQ7m6bqf0mWcKQy2E=",
              "SUBJECT_HMAC_KEY": "a-subject-hmac-key-of-forty-random-chars-x1",
              "ROPA_SIGNING_KEY": "W9V6gqJ3m0kq7x1rT8yZ2bN5cD4eF6hJ8kL0mP2qR4s=",
              "ALLOWED_HOSTS": "recordkeeper.example.com"}
DEPLOY_CHECK = ("from django.core.management import execute_from_command_line; "
                "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])")


def test_debug_is_off_unless_set():
    assert "SECRET_KEY must be set when DEBUG is off" in run_with({}).stderr
    keys_only = {name: value for name, value in PRODUCTION.items() if name != "DEBUG"}
    result = run_with(keys_only)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_development_defaults_are_a_local_setup():
    loaded = settings_with({})
    assert loaded["debug"] is True
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["neo4j"] == {"uri": "bolt://127.0.0.1:7687", "user": "neo4j",
                               "password": "recordkeeper-dev", "database": "neo4j", "retry_seconds": 30.0}
    assert loaded["broker"] == "redis://127.0.0.1:6379/0"
    assert loaded["backend"] == loaded["broker"]


def test_database_url_selects_postgresql():
    loaded = settings_with({"DATABASE_URL": "postgres://rk:pw@db.internal:5432/recordkeeper"})
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["db_name"] == "recordkeeper"
    assert loaded["db_host"] == "db.internal"


def test_neo4j_and_broker_come_from_the_environment():
    loaded = settings_with({
        "NEO4J_URI": "neo4j://graph.internal:7687", "NEO4J_USER": "catalog", "NEO4J_PASSWORD": "s3cret-pass",
        "NEO4J_DATABASE": "lineage", "NEO4J_RETRY_SECONDS": "12.5",
        "CELERY_BROKER_URL": "redis://broker.internal:6379/2", "CELERY_RESULT_BACKEND": "redis://broker.internal:6379/3",
    })
    assert loaded["neo4j"] == {"uri": "neo4j://graph.internal:7687", "user": "catalog",
                               "password": "s3cret-pass", "database": "lineage", "retry_seconds": 12.5}
    assert loaded["broker"] == "redis://broker.internal:6379/2"
    assert loaded["backend"] == "redis://broker.internal:6379/3"


def test_celery_accepts_json_only_and_acknowledges_late_with_a_time_limit():
    loaded = settings_with({})
    assert loaded["serializer"] == "json"
    assert loaded["accept"] == ["json"]
    assert loaded["acks_late"] is True
    assert isinstance(loaded["time_limit"], int)
    assert loaded["time_limit"] > 0


def test_secret_key_is_required_when_debug_is_off():
    result = run_with({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_secrets_key_is_required_when_debug_is_off():
    result = run_with({"DEBUG": "false", "SECRET_KEY": "a-production-secret"})
    assert result.returncode != 0
    assert "SECRETS_KEY must be set when DEBUG is off" in result.stderr


def test_subject_hmac_key_is_required_when_debug_is_off():
    result = run_with({"DEBUG": "false", "SECRET_KEY": "a-production-secret",
                       "SECRETS_KEY": "0H0aJ0vX3gqZ1w7b4n4oB2zq8xTQ7m6bqf0mWcKQy2E="})
    assert result.returncode != 0
    assert "SUBJECT_HMAC_KEY must be set when DEBUG is off" in result.stderr


def test_production_settings_pass_the_deploy_checklist():
    result = run_with(PRODUCTION, DEPLOY_CHECK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_refuses_a_subject_hmac_key_shorter_than_32_characters():
    result = run_with({**PRODUCTION, "SUBJECT_HMAC_KEY": "a-long-hmac-key"}, DEPLOY_CHECK)
    assert result.returncode != 0
    assert "catalog.E004" in result.stderr
    assert "SUBJECT_HMAC_KEY has 15 characters; it needs at least 32" in result.stderr


def test_the_deploy_check_refuses_a_secrets_key_that_is_not_a_fernet_key():
    result = run_with({**PRODUCTION, "SECRETS_KEY": f"{PRODUCTION['SECRETS_KEY']},not-a-fernet-key"}, DEPLOY_CHECK)
    assert result.returncode != 0
    assert "catalog.E002" in result.stderr
    assert "SECRETS_KEY's key 2 of 2 is not a Fernet key" in result.stderr


def test_the_deploy_check_refuses_keys_derived_from_the_secret_key():
    development = {"DEBUG": "true", "SECRET_KEY": PRODUCTION["SECRET_KEY"], "ALLOWED_HOSTS": "recordkeeper.example.com"}
    result = run_with(development, DEPLOY_CHECK)
    assert result.returncode != 0
    assert "catalog.E003" in result.stderr
    assert "catalog.E005" in result.stderr


def test_several_secrets_keys_pass_the_deploy_check():
    rotating = f"{PRODUCTION['SECRETS_KEY']}, ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="
    result = run_with({**PRODUCTION, "SECRETS_KEY": rotating}, DEPLOY_CHECK)
    assert result.returncode == 0, result.stdout + result.stderr

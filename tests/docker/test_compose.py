"""The production compose file and Dockerfile, checked by reading (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker" / "compose.yaml").read_text())
    return loaded


def settings_variables() -> set[str]:
    """Every environment variable that catalog/settings.py reads."""
    source = (REPO / "catalog" / "settings.py").read_text()
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"", source))


def service_env(compose: dict[str, Any], name: str) -> dict[str, str]:
    environment: dict[str, str] = compose["services"][name]["environment"]
    return environment


def interpolated(value: str) -> str:
    """The value as compose substitutes it from an .env file holding every required secret."""
    dot_env = {"SECRET_KEY": "sk", "SECRETS_KEY": "fernet", "SUBJECT_HMAC_KEY": "hmac",
               "NEO4J_PASSWORD": "neo-pass", "POSTGRES_PASSWORD": "pg-pass", "ALLOWED_HOSTS": "rk.example.com"}
    return re.sub(r"\$\{(\w+)(?::[?-]([^}]*))?\}", lambda m: dot_env.get(m[1], m[2] or ""), value)


def test_the_stack_has_web_worker_beat_neo4j_redis_and_postgres(compose: dict[str, Any]):
    assert {"web", "worker", "beat", "neo4j", "redis", "postgres"} <= set(compose["services"])


def test_web_runs_gunicorn_and_worker_and_beat_run_celery(compose: dict[str, Any]):
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    assert "gunicorn" in dockerfile.rsplit("CMD", 1)[1]
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "catalog", "worker"]
    assert compose["services"]["beat"]["command"][:4] == ["celery", "-A", "catalog", "beat"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_read(compose: dict[str, Any], name: str):
    env = service_env(compose, name)
    assert set(env) <= settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE",
            "CELERY_BROKER_URL"} <= set(env)
    assert env["DEBUG"] == "false"


def test_the_app_reaches_neo4j_redis_and_postgres_by_service_name(compose: dict[str, Any]):
    env = {name: interpolated(value) for name, value in service_env(compose, "web").items()}
    assert urlsplit(env["NEO4J_URI"]).hostname == "neo4j"
    assert urlsplit(env["NEO4J_URI"]).port == 7687
    assert urlsplit(env["CELERY_BROKER_URL"]).hostname == "redis"
    database = urlsplit(env["DATABASE_URL"])
    postgres = service_env(compose, "postgres")
    assert (database.hostname, database.username, database.path.lstrip("/")) == (
        "postgres", postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    assert database.password == interpolated(postgres["POSTGRES_PASSWORD"]) == "pg-pass"


def test_neo4j_is_the_526_community_image_with_auth_from_the_apps_password(compose: dict[str, Any]):
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert neo4j["environment"]["NEO4J_AUTH"] == f"neo4j/{service_env(compose, 'web')['NEO4J_PASSWORD']}"
    assert any(volume.endswith(":/data") for volume in neo4j["volumes"])


def test_secrets_are_required_not_defaulted(compose: dict[str, Any]):
    env = service_env(compose, "web")
    for variable in ("SECRET_KEY", "SECRETS_KEY", "SUBJECT_HMAC_KEY", "NEO4J_PASSWORD"):
        assert re.fullmatch(r"\$\{" + variable + r":\?[^}]+\}", env[variable])


def test_the_image_runs_as_a_non_root_user_without_build_tools():
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    final_stage = dockerfile.split("\nFROM ")[-1]
    user = re.search(r"^USER (\S+)", final_stage, re.MULTILINE)
    assert user is not None
    assert user.group(1) not in {"root", "0"}
    assert not re.search(r"apt-get install|build-essential|gcc", final_stage)

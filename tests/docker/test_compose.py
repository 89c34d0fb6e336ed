"""The production compose file and Dockerfile: read, and their commands run as the container would run
them (no Docker engine runs here)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import setuptools  # type: ignore[import-untyped]  # no stubs; find_packages is what the build runs
import yaml
from cryptography.fernet import Fernet
from django.conf import settings

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
    dot_env = {"SECRET_KEY": "sk", "SECRETS_KEY": "fernet", "SUBJECT_HMAC_KEY": "hmac", "ROPA_SIGNING_KEY": "ed25519",
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
    for variable in ("SECRET_KEY", "SECRETS_KEY", "SUBJECT_HMAC_KEY", "ROPA_SIGNING_KEY", "NEO4J_PASSWORD"):
        assert re.fullmatch(r"\$\{" + variable + r":\?[^}]+\}", env[variable])


def test_the_image_runs_as_a_non_root_user_without_build_tools():
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    final_stage = dockerfile.split("\nFROM ")[-1]
    user = re.search(r"^USER (\S+)", final_stage, re.MULTILINE)
    assert user is not None
    assert user.group(1) not in {"root", "0"}
    installed = " ".join(re.findall(r"apt-get install ([^&\n]*(?:\\\n[^&\n]*)*)", final_stage))
    assert not re.search(r"build-essential|gcc|g\+\+|\bmake\b|-dev\b", installed)  # runtime libraries only
    assert "--no-install-recommends" in installed
    assert not re.search(r"build-essential|gcc", final_stage)


# --- the web container's healthcheck, run against the image's own command under production settings ---------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def image_command() -> list[str]:
    """The Dockerfile's CMD (the web container's command), as an argument list."""
    line = next(line for line in (REPO / "docker" / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    command: list[str] = json.loads(line.removeprefix("CMD "))
    return command


def production_environment(tmp_path: Path, neo4j_uri: str) -> dict[str, str]:
    """What the app containers get (DEBUG off, every key set), with this machine's services and a database file."""
    inherited = {name: value for name, value in os.environ.items()
                 if name not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    return {**inherited, "DJANGO_SETTINGS_MODULE": "catalog.settings", "DEBUG": "false",
            "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-7f3a9c1e5b2d8f4a6c0e",
            "SECRETS_KEY": Fernet.generate_key().decode(), "SUBJECT_HMAC_KEY": "s" * 48,
            "ROPA_SIGNING_KEY": "W9V6gqJ3m0kq7x1rT8yZ2bN5cD4eF6hJ8kL0mP2qR4s=",
            "ALLOWED_HOSTS": "recordkeeper.example.com", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "NEO4J_URI": neo4j_uri, "NEO4J_USER": settings.NEO4J["user"], "NEO4J_PASSWORD": settings.NEO4J["password"],
            "NEO4J_DATABASE": settings.NEO4J["database"], "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "STATIC_ROOT": str(tmp_path / "staticfiles")}


def collect_static(env: dict[str, str]) -> None:
    """What the image's build does before its command runs: the pages' files collected and compressed."""
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@contextlib.contextmanager
def web_container(tmp_path: Path, port: int, neo4j_uri: str) -> Iterator[None]:
    """The image's command (gunicorn) with production settings, listening on `port` instead of 8000."""
    command = [part.replace(":8000", f":{port}") for part in image_command()]
    assert command[0] == "gunicorn"
    env = production_environment(tmp_path, neo4j_uri)
    collect_static(env)
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), *command[1:]], cwd=REPO,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(port, server, tmp_path / "gunicorn.log")
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def wait_until_listening(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited: {log.read_text()}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not listen on {port}: {log.read_text()}")


def run_healthcheck(compose: dict[str, Any], port: int) -> subprocess.CompletedProcess[str]:
    """The web service's healthcheck command, as Docker runs it inside the container (its port moved too)."""
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert any(":8000" in part for part in test[1:])
    command = [part.replace(":8000", f":{port}") for part in test[1:]]
    if command[0] == "python":
        command[0] = sys.executable
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_the_web_healthcheck_passes_against_the_image_command_with_production_settings(
    compose: dict[str, Any], services_up: None, tmp_path: Path
):
    port = free_port()
    with web_container(tmp_path, port, settings.NEO4J["uri"]):
        healthcheck = run_healthcheck(compose, port)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)

    assert healthcheck.returncode == 0, healthcheck.stderr
    assert refused.value.code == 400  # every other page still checks the host (ALLOWED_HOSTS)


def test_the_web_healthcheck_fails_when_neo4j_is_not_answering(
    compose: dict[str, Any], services_up: None, tmp_path: Path
):
    port = free_port()
    with web_container(tmp_path, port, f"bolt://127.0.0.1:{free_port()}"):
        healthcheck = run_healthcheck(compose, port)

    assert healthcheck.returncode != 0
    assert "503" in healthcheck.stderr


# --- the production image: its build context and what the build stage packages --------------------------

DEVELOPMENT_PACKAGES = ("salesforce_simulator", "local_services")


def ignore_rule(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: relative to the context, `**` any depth, `*` one level."""
    parts = re.split(r"(\*\*/?|\*|\?)", pattern.strip().strip("/"))
    wildcards = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wildcards.get(part, re.escape(part)) for part in parts))


def build_context() -> set[str]:
    """The files Docker sends as the build context: the repository less what .dockerignore excludes (a rule
    that matches a folder excludes all of it; the last matching rule wins; `!` takes a path back)."""
    rules = [(line.startswith("!"), ignore_rule(line.lstrip("!")))
             for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")]
    context = set()
    for path in REPO.rglob("*"):
        relative = path.relative_to(REPO).as_posix()
        if path.is_dir() or relative.startswith(".git/"):
            continue
        prefixes = ["/".join(relative.split("/")[:n]) for n in range(1, relative.count("/") + 2)]
        excluded = False
        for taken_back, rule in rules:
            if any(rule.fullmatch(prefix) for prefix in prefixes):
                excluded = not taken_back
        if not excluded:
            context.add(relative)
    return context


def copied_sources() -> list[str]:
    """The context paths the Dockerfile's COPY instructions take (not those copied from another stage)."""
    sources = []
    for line in (REPO / "docker" / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources += words[1:-1]
    return sources


def test_the_build_context_holds_neither_the_simulator_nor_the_local_services():
    context = build_context()

    assert "catalog/settings.py" in context
    assert "harvesters/runs.py" in context
    assert not [path for path in context if path.split("/")[0] in DEVELOPMENT_PACKAGES]
    assert not [path for path in context if path.startswith((".git/", ".venv/", "tests/"))]


def test_the_image_packages_the_product_without_the_simulator_or_the_local_services(tmp_path: Path):
    context = build_context()
    for source in copied_sources():  # the build stage's /src, as the COPY instructions fill it
        for path in [path for path in context if path == source or path.startswith(f"{source}/")]:
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes((REPO / path).read_bytes())
    include = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]

    packaged = {name.split(".")[0] for name in setuptools.find_packages(str(tmp_path), **include)}

    assert packaged == {"catalog", "harvesters", "lineage"}


def test_the_product_runs_without_the_simulator_and_the_local_services(tmp_path: Path):
    code = (
        "import importlib, pkgutil, sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {DEVELOPMENT_PACKAGES!r}:\n"
        "            raise ImportError(f'{name} is not in the production image')\n"
        "sys.meta_path.insert(0, Absent())\n"
        "import django\n"
        "django.setup()\n"
        "for package in ('catalog', 'harvesters', 'lineage'):\n"
        "    root = importlib.import_module(package)\n"
        "    for module in pkgutil.walk_packages(root.__path__, package + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "from catalog.wsgi import application\n"
        "from django.core.management import call_command\n"
        "call_command('check', '--deploy', '--fail-level', 'WARNING')\n"
        "print('imported', len(sys.modules))\n"
    )
    env = production_environment(tmp_path, settings.NEO4J["uri"])
    collect_static(env)

    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported" in done.stdout

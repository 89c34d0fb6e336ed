from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesters.client import OrgAuthError
from harvesters.connections import ConnectionInvalidError, check_connection, register_org
from harvesters.models import AuthFlow

# Secrets come from the environment by default, so they stay out of shell history and `ps`.
SECRET_ENVIRONMENT = {
    "client_secret": "SALESFORCE_CLIENT_SECRET",
    "password": "SALESFORCE_PASSWORD",
    "security_token": "SALESFORCE_SECURITY_TOKEN",
    "session_id": "SALESFORCE_SESSION_ID",
}


# The keys of a credentials file, as `python -m salesforce_simulator --print-credentials` writes them.
JSON_KEYS = {"login_url": "login_url", "username": "username", "password": "password",
             "security_token": "security_token", "consumer_key": "client_id", "consumer_secret": "client_secret",
             "ca_bundle": "ca_bundle"}


def _from_json(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"--credentials-json: {error}") from error
    if not isinstance(loaded, dict):
        raise CommandError("--credentials-json: expected one JSON object")
    return {field: str(loaded[key]) for key, field in JSON_KEYS.items() if loaded.get(key)}


def _manifest_dir(path: Path) -> str:
    """An absolute folder (a harvest may run from another directory), or '' to harvest no manifests."""
    if str(path) in ("", "."):
        return ""
    folder = path.expanduser().resolve()
    if not folder.is_dir():
        raise CommandError(f"--manifest-dir: {folder} is not a folder")
    return str(folder)


class Command(BaseCommand):
    help = ("Register (or update) a Salesforce org connection. Secrets are read from SALESFORCE_CLIENT_SECRET, "
            "SALESFORCE_PASSWORD, SALESFORCE_SECURITY_TOKEN, SALESFORCE_SESSION_ID and --private-key-file.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("alias")
        parser.add_argument("--credentials-json", type=Path,
                            help="login details as one JSON object (login_url, username, password, security_token, "
                                 "consumer_key, consumer_secret, ca_bundle); other options override it")
        parser.add_argument("--login-url", default="")
        parser.add_argument("--auth-flow", required=True, choices=AuthFlow.values)
        parser.add_argument("--username", default="")
        parser.add_argument("--client-id", default="")
        parser.add_argument("--instance-url", default="")
        parser.add_argument("--api-version", default="61.0")
        parser.add_argument("--ca-bundle", default="", help="PEM file of CAs to trust for this org")
        parser.add_argument("--private-key-file", type=Path, help="PEM private key for the JWT bearer flow")
        parser.add_argument("--jwt-audience", default="",
                            help="the JWT bearer `aud` (default https://test.salesforce.com for a sandbox login URL, "
                                 "https://login.salesforce.com otherwise)")
        parser.add_argument("--manifest-dir", type=Path,
                            help="folder of this org's integration manifests (YAML); default HARVEST_MANIFEST_DIR "
                                 "for a new connection when that folder exists; '' for none")
        parser.add_argument("--test", action="store_true", help="log in and report the org after saving")

    def handle(self, *args: Any, **options: Any) -> None:
        given = {
            "login_url": options["login_url"], "auth_flow": options["auth_flow"], "username": options["username"],
            "client_id": options["client_id"], "instance_url": options["instance_url"],
            "api_version": options["api_version"], "ca_bundle": options["ca_bundle"],
            "jwt_audience": options["jwt_audience"],
            **{name: os.environ.get(variable, "") for name, variable in SECRET_ENVIRONMENT.items()},
        }
        values = {**_from_json(options["credentials_json"]), **{k: v for k, v in given.items() if v}}
        if not values.get("login_url"):
            raise CommandError("--login-url (or login_url in --credentials-json) is required")
        if options["manifest_dir"] is not None:
            values["manifest_dir"] = _manifest_dir(options["manifest_dir"])
        if options["private_key_file"]:
            try:
                values["private_key"] = options["private_key_file"].read_text()
            except OSError as error:
                raise CommandError(f"--private-key-file: {error}") from error
        try:
            connection = register_org(options["alias"], **values)
        except ConnectionInvalidError as error:
            raise CommandError(f"{error} (--{error.field.replace('_', '-')} or its environment variable)") from error
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(problems)}"
                                         for field, problems in error.message_dict.items())) from error
        self.stdout.write(f"saved org connection {connection.alias}")
        if options["test"]:
            self._report(connection)

    def _report(self, connection: Any) -> None:
        try:
            identity = check_connection(connection)
        except (OrgAuthError, OSError) as error:
            raise CommandError(f"connection test failed: {error}") from error
        self.stdout.write(f"org {identity.org_id} ({identity.name}, {identity.edition}), API v{identity.api_version}, "
                          f"API usage {identity.api_used}/{identity.api_limit}")

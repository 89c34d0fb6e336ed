"""``python -m salesforce_simulator``: serve an org definition or a generated org over HTTPS."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence

from salesforce_simulator import Simulator, tls
from salesforce_simulator.definition import load_org
from salesforce_simulator.faults import Faults, parse_faults
from salesforce_simulator.generator import generate_org
from salesforce_simulator.org import Org

DEFAULT_PORT = 8900
GENERATE_KEYS = ("objects", "fields", "integrations", "consumers", "log_days", "seed")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m salesforce_simulator",
        description="Serve a simulated Salesforce org over HTTPS on loopback.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--org", default="demo", help="a bundled org name or an org-definition YAML path")
    source.add_argument("--generate", metavar="K=V,...",
                        help="generate an org: objects=,fields=,integrations=,consumers=,log_days=,seed=")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: any free port)")
    parser.add_argument("--state-dir", help=f"where the CA and certificates live (env {tls.STATE_ENV}, "
                                            f"default {tls.DEFAULT_STATE_DIR}/)")
    parser.add_argument("--faults", metavar="K=V,...", default="",
                        help="latency_ms=,error_rate=,error_statuses=500+503,session_expiry_calls=,"
                             "truncated_logs=,malformed_logs=,describe_timeout_objects=A+B,"
                             "describe_timeout_s=,seed=")
    parser.add_argument("--print-credentials", action="store_true",
                        help="print one JSON object with the login details and exit")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser  # fmt: skip


def parse_generate(text: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, raw = item.partition("=")
        if key not in GENERATE_KEYS:
            raise ValueError(f"unknown --generate key {key!r}; known: {', '.join(GENERATE_KEYS)}")
        values[key] = int(raw.replace("_", ""))
    return values


def choose_org(args: argparse.Namespace) -> Org:
    if args.generate:
        return generate_org(**parse_generate(args.generate))
    return load_org(args.org)


def credentials_without_serving(org: Org, args: argparse.Namespace) -> dict[str, str | None]:
    files = tls.ensure_certificates(tls.state_dir(args.state_dir))
    base_url = f"https://{args.host}:{args.port}"
    user = org.users[0] if org.users else None
    client = org.oauth_clients[0] if org.oauth_clients else None
    return {
        "org_id": org.id,  # what an integration manifest for the org names (a real org shows it in Setup)
        "login_url": base_url,
        "instance_url": base_url,
        "username": user.username if user else None,
        "password": user.password if user else None,
        "security_token": user.security_token if user else None,
        "consumer_key": client.consumer_key if client else None,
        "consumer_secret": client.consumer_secret if client else None,
        "ca_bundle": str(files.ca_cert),
    }


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")  # fmt: skip
    try:
        faults = parse_faults(args.faults, Faults())
        org = choose_org(args)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    if args.print_credentials:
        print(json.dumps(credentials_without_serving(org, args)))
        return 0
    simulator = Simulator(org, host=args.host, port=args.port, state_dir=args.state_dir, faults=faults)
    signal.signal(signal.SIGTERM, _interrupt)  # docker stop and kill: shut down as on Ctrl-C
    try:
        simulator.start()
        print(f"Salesforce simulator: {org.name} at {simulator.base_url} "
              f"(CA {simulator.ca_bundle})", file=sys.stderr, flush=True)  # fmt: skip
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0

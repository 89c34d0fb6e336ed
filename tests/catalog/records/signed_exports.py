"""Keys and exports the signing tests share: keys drawn from a seed, and an export's bytes as the lead's
formats would write them (a CSV of activities and a binary tail, like a PDF's or an XLSX's)."""

from __future__ import annotations

import base64
import random
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from catalog.records.signing import ExportSubject, TrustedKey, TrustedKeys, raw_public_key

DEMO_SUBJECT = ExportSubject(kind="pdf", org="demo", as_of=date(2026, 11, 28))
SNAPSHOT_SUBJECT = ExportSubject(kind="json", org="demo", as_of=date(2026, 10, 1), snapshot="7")
SIGNED_AT = datetime(2026, 11, 28, 21, 30, 5, tzinfo=UTC)


def key_seed(seed: int) -> bytes:
    return random.Random(f"ropa-key-{seed}").randbytes(32)


def private_key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(key_seed(seed))


def private_key_text(seed: int) -> str:
    """The key as ROPA_SIGNING_KEY holds it: base64 of its 32-byte seed."""
    return base64.b64encode(key_seed(seed)).decode()


def private_key_pem(seed: int) -> str:
    return private_key(seed).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()).decode()


def public_key_text(seed: int) -> str:
    """The public half as ROPA_VERIFY_KEYS holds it: base64 of its 32 bytes."""
    return base64.b64encode(raw_public_key(private_key(seed))).decode()


def public_key_pem(seed: int) -> str:
    return private_key(seed).public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def trusting(*seeds: int) -> TrustedKeys:
    return TrustedKeys(tuple(TrustedKey(raw_public_key(private_key(seed)), f"test key {seed}") for seed in seeds))


def export_bytes(seed: int = 0) -> bytes:
    """A few kilobytes like an export: CSV rows naming the demo's activities, then binary bytes."""
    draw = random.Random(f"export-{seed}")
    rows = [f"{name},{category},{draw.randint(1, 10_000)}\r\n"
            for name in ("Credit Decisioning", "Fraud Prevention", "Marketing", "Analytics")
            for category in ("identifiers", "financial information", "geolocation")]
    return ("activity,category,records\r\n" + "".join(rows)).encode() + draw.randbytes(1500)


def activities_body(seed: int = 0) -> dict[str, object]:
    """A JSON export's body: the record's activities with numbers, text beyond ASCII and nesting."""
    draw = random.Random(f"body-{seed}")
    return {
        "org": "demo", "as_of": "2026-11-28", "controller": {"name": "Demo Neobank Ltd", "dpo": "Zoë Müller"},
        "activities": [{"key": f"purpose:{name}", "name": name, "records_beyond_retention": draw.randint(0, 500),
                        "encryption_coverage": round(draw.random(), 3), "dpia_indicated": draw.random() < 0.5,
                        "legal_basis": None if name == "Analytics" else "Art. 6(1)(b) contract"}
                       for name in ("Credit Decisioning", "Fraud Prevention", "Marketing", "Analytics")],
    }

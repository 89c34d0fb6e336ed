"""Writes the demo org's JWT bearer test key pair: recordkeeper-jwt.key and recordkeeper-jwt.crt.

The pair belongs to no real system: it exists so tests can sign JWT bearer assertions that the
simulator verifies against the certificate named in demo.yaml. Run it again to rotate the pair.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
KEY_PATH = HERE / "recordkeeper-jwt.key"
CERT_PATH = HERE / "recordkeeper-jwt.crt"
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_FOR = timedelta(days=3650)  # long enough that tests never meet an expired certificate


def build_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A self-signed certificate naming the fictional bank's Recordkeeper connected app."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "California"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Golden Poppy Bank (fictional)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Recordkeeper JWT bearer (test only)"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_FROM + VALID_FOR)
        .sign(key, hashes.SHA256())
    )


def write_pair() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    KEY_PATH.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    CERT_PATH.write_bytes(build_certificate(key).public_bytes(serialization.Encoding.PEM))


if __name__ == "__main__":
    write_pair()

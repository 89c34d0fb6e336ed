"""A local certificate authority and a loopback server certificate, made once per state dir."""

from __future__ import annotations

import fcntl
import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

STATE_ENV = "SALESFORCE_SIMULATOR_STATE"
DEFAULT_STATE_DIR = ".simulator"
CA_CERT = "ca.crt"
CA_KEY = "ca.key"
SERVER_CERT = "server.crt"
SERVER_KEY = "server.key"
_VALIDITY = timedelta(days=825)
_RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--state-dir, else env SALESFORCE_SIMULATOR_STATE, else .simulator/ under the cwd."""
    chosen = explicit or os.environ.get(STATE_ENV) or DEFAULT_STATE_DIR
    return Path(chosen).expanduser().resolve()


def ensure_certificates(directory: Path) -> TlsFiles:
    """Reuse the CA and server certificate in ``directory``; make them when missing or stale."""
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory / CA_CERT, directory / SERVER_CERT, directory / SERVER_KEY)
    # a lock file, so two simulators starting together on one state dir make one CA
    with (directory / ".tls.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (files.ca_cert.exists() and (directory / CA_KEY).exists()):
            _write_ca(directory)
        if not files.server_cert.exists() or _expiring(files.server_cert):
            _write_server_certificate(directory)
    return files


def server_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.server_cert, files.server_key)
    return context


def client_context(ca_cert: Path | str) -> ssl.SSLContext:
    """A verifying client context that trusts the simulator's CA (and only it)."""
    context = ssl.create_default_context(cafile=str(ca_cert))
    context.check_hostname = True
    return context


def _expiring(certificate_path: Path) -> bool:
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    return certificate.not_valid_after_utc - datetime.now(UTC) < _RENEW_BEFORE


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)


def _write_ca(directory: Path) -> None:
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Salesforce Simulator Local CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(directory / CA_KEY, key)
    (directory / CA_CERT).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _write_server_certificate(directory: Path) -> None:
    ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError("the simulator CA key must be an EC key")
    ca_cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    key = _new_key()
    now = datetime.now(UTC)
    alt_names = x509.SubjectAlternativeName([
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
        x509.IPAddress(ipaddress.IPv6Address("::1")),
    ])  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(alt_names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(directory / SERVER_KEY, key)
    (directory / SERVER_CERT).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))

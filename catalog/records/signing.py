"""Signed RoPA exports: a SHA-256 digest and an Ed25519 signature for any export's bytes, and their check.

Two forms, both holding the same signature document (`SignatureDocument`):

- a sidecar, `<export>.sig.json` beside the export, for every format (PDF, XLSX, CSV, JSON, the ICO CSV):
  its digest is of the export file's bytes exactly as written;
- embedded, for JSON exports: the document is the top-level member `ropa_signature` of the export's object,
  its digest is of the canonical JSON of the object without that member, and the file is written as the
  canonical JSON of the whole object, so any byte changed, layout included, fails the check.

Canonical JSON is RFC 8785 (JSON Canonicalization Scheme): members sorted by their names' UTF-16 code units,
no whitespace, strings escaped as JSON requires and no more (`"`, `\\`, controls; `\\b \\t \\n \\f \\r` short,
others `\\u00xx`), numbers as ECMAScript prints a double, UTF-8. Integers beyond ±2**53 (which a double
cannot hold exactly), NaN and infinities are refused rather than rounded, so what is signed is what is read.

The Ed25519 signature is of the canonical JSON of the document without its `signature` member: it covers
the digest, the file's name, what was exported and when, and the signing key's fingerprint, so none of them
can be changed either. A document's public key is never trusted for itself: it must be the public half of
`ROPA_SIGNING_KEY` or one of `ROPA_VERIFY_KEYS` (earlier keys, kept so their exports still verify).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

SIGNATURE_FORMAT = "recordkeeper.ropa-signature/1"
SIDECAR_SUFFIX = ".sig.json"
EMBEDDED_SIGNATURE_MEMBER = "ropa_signature"
KEY_ALGORITHM = "Ed25519"
RAW_KEY_BYTES = 32
SIGNATURE_BYTES = 64
LARGEST_EXACT_INTEGER = 2**53  # a double holds every integer up to this exactly (RFC 8785 numbers are doubles)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_Written = TypeVar("_Written", str, dict[str, str])


class SigningKeyError(ValueError):
    """A key in the settings (or given) that is not a usable Ed25519 key; the message says why."""


class CanonicalJsonError(ValueError):
    """A value with no exact canonical JSON form; the message names where it is."""


class MalformedSignatureError(ValueError):
    """A signature document that cannot be read; the message names the member at fault."""


class SignedContent(StrEnum):
    """What a document's digest is of."""

    FILE_BYTES = "file"  # the export file's bytes (a sidecar)
    JSON_WITHOUT_SIGNATURE = "json-without-signature"  # the canonical JSON of the object minus its signature


class VerificationOutcome(StrEnum):
    VALID = "valid"
    DIGEST_MISMATCH = "digest mismatch"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_KEY = "unknown key"
    MALFORMED = "malformed signature document"


@dataclass(frozen=True)
class ExportSubject:
    """What an export holds: its kind (pdf, xlsx, csv, json, ico), the org's alias, and the record's date
    (as_of) or the frozen snapshot it was made from."""

    kind: str
    org: str
    as_of: date | None = None
    snapshot: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"kind": self.kind, "org": self.org, "as_of": self.as_of.isoformat() if self.as_of else None,
                "snapshot": self.snapshot}

    def describe(self) -> str:
        when = [f"as of {self.as_of.isoformat()}"] if self.as_of else []
        when += [f"snapshot {self.snapshot}"] if self.snapshot else []
        return " ".join([f"{self.kind} export of org {self.org}", *when])


@dataclass(frozen=True)
class SignatureDocument:
    """The digest of an export, what it is, when it was signed, by which key, and the signature of all that."""

    file_name: str
    signed_content: SignedContent
    sha256: str
    subject: ExportSubject
    signed_at: datetime
    public_key: bytes  # raw 32 bytes
    signature: bytes  # raw 64 bytes
    format: str = SIGNATURE_FORMAT

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public_key)

    def statement(self) -> dict[str, Any]:
        """Everything the signature covers: the document without its signature."""
        return {
            "format": self.format,
            "file": self.file_name,
            "signed_content": self.signed_content.value,
            "sha256": self.sha256,
            "export": self.subject.as_json(),
            "signed_at": self.signed_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "key": {"algorithm": KEY_ALGORITHM, "public_key": public_key_base64(self.public_key),
                    "fingerprint": self.fingerprint},
        }

    def as_json(self) -> dict[str, Any]:
        return {**self.statement(), "signature": base64.b64encode(self.signature).decode()}

    def sidecar_bytes(self) -> bytes:
        """The sidecar file's content: the document as indented JSON, for people to read."""
        return (json.dumps(self.as_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


@dataclass(frozen=True)
class TrustedKey:
    public_key: bytes  # raw 32 bytes
    source: str  # which setting holds it, for the report: "ROPA_SIGNING_KEY", "ROPA_VERIFY_KEYS (key 2 of 3)"

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public_key)


@dataclass(frozen=True)
class TrustedKeys:
    """The public keys whose signatures are accepted, by fingerprint."""

    keys: tuple[TrustedKey, ...]

    def find(self, fingerprint: str) -> TrustedKey | None:
        return next((key for key in self.keys if key.fingerprint == fingerprint), None)


@dataclass(frozen=True)
class Verification:
    """The result of a check: valid, or the first check that failed and why, in words."""

    outcome: VerificationOutcome
    detail: str
    document: SignatureDocument | None = None
    key: TrustedKey | None = None
    checked_sha256: str | None = None  # the digest computed from the export, when it got that far

    @property
    def valid(self) -> bool:
        return self.outcome is VerificationOutcome.VALID


@dataclass(frozen=True)
class _Failure:
    outcome: VerificationOutcome
    detail: str
    document: SignatureDocument | None = field(default=None)


# --- canonical JSON (RFC 8785) ----------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """`value` (dicts with string keys, lists or tuples, strings, integers, floats, booleans, None) as RFC 8785
    canonical JSON in UTF-8; raises CanonicalJsonError naming the place of a value with no exact form."""
    return _utf8(_placed(_canonical, value))


def _placed(write: Callable[[Any], _Written], value: Any) -> _Written:
    try:
        return write(value)
    except _UnwrittenValueError as error:
        raise CanonicalJsonError(f"${''.join(reversed(error.place))}: {error}") from error


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalJsonError(f"a string holds a lone surrogate (character {error.start}), not Unicode text") \
            from error


class _UnwrittenValueError(ValueError):
    """A value with no exact canonical form; `place` gathers its path, innermost first, as the error rises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.place: list[str] = []


def _canonical(value: Any) -> str:
    # The commonest kinds first: an export is mostly strings, objects and lists.
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, Mapping):
        return _canonical_object(value)
    if isinstance(value, list | tuple):
        return _canonical_array(value)
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        if abs(value) > LARGEST_EXACT_INTEGER:
            raise _UnwrittenValueError(f"the integer {value} is beyond ±2**53; write it as a string")
        return str(value)
    if isinstance(value, float):
        return _canonical_number(value)
    raise _UnwrittenValueError(f"a {type(value).__name__} is not JSON; give its string or number")


def _canonical_array(items: list[Any] | tuple[Any, ...]) -> str:
    written = []
    for index, item in enumerate(items):
        try:
            written.append(_canonical(item))
        except _UnwrittenValueError as error:
            error.place.append(f"[{index}]")
            raise
    return "[" + ",".join(written) + "]"


def _canonical_object(members: Mapping[Any, Any]) -> str:
    return _joined(_written_members(members))


def _written_members(members: Mapping[Any, Any]) -> dict[str, str]:
    """Each member written as `"name":value`, by name: an object can be joined with or without one of them."""
    if not all(isinstance(name, str) for name in members):
        raise _UnwrittenValueError("member names must be strings")
    return {name: _written_member(name, value) for name, value in members.items()}


def _written_member(name: str, value: Any) -> str:
    try:
        return f"{_json_string(name)}:{_canonical(value)}"
    except _UnwrittenValueError as error:
        error.place.append(f".{name}")
        raise


def _joined(written: dict[str, str]) -> str:
    """The object of written members, in RFC 8785's order: by the names' UTF-16 code units."""
    order = _utf16_order if any(map(_beyond_bmp, written)) else None
    return "{" + ",".join(written[name] for name in sorted(written, key=order)) + "}"


def _beyond_bmp(name: str) -> bool:
    # Below U+10000 code points and UTF-16 code units sort alike: only such names need the slower order.
    return not name.isascii() and max(name) > "\uffff"


def _utf16_order(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


_json_string = json.encoder.encode_basestring  # C's, when built: escapes what JSON requires and no more


def _canonical_number(number: float) -> str:
    """ECMAScript's Number.prototype.toString of a double: Python's repr gives the same shortest digits."""
    if not math.isfinite(number):
        raise _UnwrittenValueError(f"{number} is not a JSON number")
    if number == 0:
        return "0"  # negative zero too
    if number < 0:
        return "-" + _canonical_number(-number)
    digits_tuple, exponent = _shortest_digits(number)
    digits, k = "".join(map(str, digits_tuple)), len(digits_tuple)
    n = exponent + k  # the value is 0.digits * 10**n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    power = n - 1
    mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"


def _shortest_digits(number: float) -> tuple[tuple[int, ...], int]:
    shortest = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(shortest.exponent, int)  # finite numbers only reach here
    return shortest.digits, shortest.exponent


def parse_json_strictly(raw: bytes) -> Any:
    """JSON from UTF-8 bytes, refusing what canonical JSON cannot hold exactly: a member named twice in one
    object, NaN or Infinity. Raises ValueError saying what is wrong."""
    text = raw.decode("utf-8")
    return json.loads(text, object_pairs_hook=_members_named_once, parse_constant=_refuse_constant)


def _members_named_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            raise ValueError(f"the member {name!r} appears twice in one object")
        members[name] = value
    return members


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


# --- keys -------------------------------------------------------------------------------------------------


def fingerprint_of(public_key: bytes) -> str:
    return "sha256:" + hashlib.sha256(public_key).hexdigest()


def public_key_base64(public_key: bytes) -> str:
    """A raw public key as ROPA_VERIFY_KEYS and signature documents hold it."""
    return base64.b64encode(public_key).decode()


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8, newlines or literal `\\n`) or base64 of its 32-byte seed."""
    cleaned = text.strip().replace("\\n", "\n")
    if cleaned.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(cleaned.encode(), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise SigningKeyError(f"is not a readable unencrypted PEM private key ({error})") from error
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"is a {type(key).__name__.removeprefix('_')}, not an Ed25519 private key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw_key_bytes(cleaned, "private"))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or base64 of its 32 raw bytes."""
    cleaned = text.strip().replace("\\n", "\n")
    if cleaned.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(cleaned.encode())
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise SigningKeyError(f"is not a readable PEM public key ({error})") from error
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"is a {type(key).__name__.removeprefix('_')}, not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw_key_bytes(cleaned, "public"))


def _raw_key_bytes(text: str, half: str) -> bytes:
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)  # url-safe base64 too
    except binascii.Error as error:
        raise SigningKeyError(f"is neither PEM nor base64 of a 32-byte Ed25519 {half} key") from error
    if len(raw) != RAW_KEY_BYTES:
        raise SigningKeyError(f"holds {len(raw)} bytes; an Ed25519 {half} key in base64 holds {RAW_KEY_BYTES}")
    return raw


def signing_key() -> Ed25519PrivateKey:
    """The key every export is signed with (ROPA_SIGNING_KEY); SigningKeyError when unset or unreadable."""
    text: str = settings.ROPA_SIGNING_KEY
    if not text.strip():
        raise SigningKeyError("ROPA_SIGNING_KEY is not set: RoPA exports cannot be signed")
    try:
        return private_key_from_text(text)
    except SigningKeyError as error:
        raise SigningKeyError(f"ROPA_SIGNING_KEY {error}") from error


def trusted_keys() -> TrustedKeys:
    """The public half of ROPA_SIGNING_KEY (when set) and every key of ROPA_VERIFY_KEYS."""
    keys = [TrustedKey(raw_public_key(signing_key()), "ROPA_SIGNING_KEY")] if settings.ROPA_SIGNING_KEY.strip() else []
    verify_keys = [text for text in settings.ROPA_VERIFY_KEYS if text.strip()]
    for number, text in enumerate(verify_keys, start=1):
        source = f"ROPA_VERIFY_KEYS (key {number} of {len(verify_keys)})"
        try:
            keys.append(TrustedKey(raw_public_key(public_key_from_text(text)), source))
        except SigningKeyError as error:
            raise SigningKeyError(f"{source} {error}") from error
    return TrustedKeys(tuple(keys))


# --- signing ----------------------------------------------------------------------------------------------


def sidecar_path(export_path: Path) -> Path:
    """Where an export's signature document lives: beside it, named `<export>.sig.json`."""
    return export_path.with_name(export_path.name + SIDECAR_SUFFIX)


def sign_export(content: bytes, *, file_name: str, subject: ExportSubject, key: Ed25519PrivateKey | None = None,
                signed_at: datetime | None = None) -> SignatureDocument:
    """The signature document of an export's bytes, for its sidecar (`sidecar_bytes()`, `sidecar_path`)."""
    return _signed(hashlib.sha256(content).hexdigest(), SignedContent.FILE_BYTES, file_name, subject, key, signed_at)


def embed_signature(body: Mapping[str, Any], *, file_name: str, subject: ExportSubject,
                    key: Ed25519PrivateKey | None = None, signed_at: datetime | None = None) -> bytes:
    """A JSON export's file bytes with its signature inside: the canonical JSON of `body` plus the member
    `ropa_signature`. Raises CanonicalJsonError when `body` holds a value with no exact canonical form."""
    written, document = _signed_body(body, file_name, subject, key, signed_at)
    written[EMBEDDED_SIGNATURE_MEMBER] = _written_member(EMBEDDED_SIGNATURE_MEMBER, document.as_json())
    return _utf8(_joined(written))


def sign_json_body(body: Mapping[str, Any], *, file_name: str, subject: ExportSubject,
                   key: Ed25519PrivateKey | None = None, signed_at: datetime | None = None) -> SignatureDocument:
    """The signature document of a record's content, whatever file shows it: its digest is of the canonical
    JSON of `body`, the same as the JSON export of that body embeds, so a PDF's cover can show it."""
    return _signed_body(body, file_name, subject, key, signed_at)[1]


def _signed_body(body: Mapping[str, Any], file_name: str, subject: ExportSubject, key: Ed25519PrivateKey | None,
                 signed_at: datetime | None) -> tuple[dict[str, str], SignatureDocument]:
    if EMBEDDED_SIGNATURE_MEMBER in body:
        raise CanonicalJsonError(f"$.{EMBEDDED_SIGNATURE_MEMBER}: the export's body already has this member")
    written = _placed(_written_members, body)
    digest = hashlib.sha256(_utf8(_joined(written))).hexdigest()
    return written, _signed(digest, SignedContent.JSON_WITHOUT_SIGNATURE, file_name, subject, key, signed_at)


def _signed(digest: str, signed_content: SignedContent, file_name: str, subject: ExportSubject,
            key: Ed25519PrivateKey | None, signed_at: datetime | None) -> SignatureDocument:
    private_key = key or signing_key()
    unsigned = SignatureDocument(file_name=file_name, signed_content=signed_content, sha256=digest,
                                 subject=subject, signed_at=(signed_at or datetime.now(UTC)).replace(microsecond=0),
                                 public_key=raw_public_key(private_key), signature=b"")
    signature = private_key.sign(canonical_json(unsigned.statement()))
    return replace(unsigned, signature=signature)


# --- reading a signature document -------------------------------------------------------------------------


def parse_signature_document(members: Any) -> SignatureDocument:
    """A signature document from its parsed JSON; MalformedSignatureError names the member at fault."""
    if not isinstance(members, dict):
        raise MalformedSignatureError("the signature document is not a JSON object")
    if members.get("format") != SIGNATURE_FORMAT:
        raise MalformedSignatureError(f"format is {members.get('format')!r}, not {SIGNATURE_FORMAT!r}")
    key = _member(members, "key", dict)
    if key.get("algorithm") != KEY_ALGORITHM:
        raise MalformedSignatureError(f"key.algorithm is {key.get('algorithm')!r}, not {KEY_ALGORITHM!r}")
    public_key = _base64_member(key, "key.public_key", RAW_KEY_BYTES)
    if _member(key, "fingerprint", str, "key.fingerprint") != fingerprint_of(public_key):
        raise MalformedSignatureError("key.fingerprint is not the fingerprint of key.public_key")
    document = SignatureDocument(
        file_name=_member(members, "file", str), signed_content=_signed_content(members),
        sha256=_sha256_member(members), subject=_subject(_member(members, "export", dict)),
        signed_at=_signed_at(members), public_key=public_key,
        signature=_base64_member(members, "signature", SIGNATURE_BYTES))
    return _as_written(document, members)


def _as_written(document: SignatureDocument, members: dict[str, Any]) -> SignatureDocument:
    """The document only when writing it again gives the members read, so the signature is checked against
    exactly what the file says (no second spelling of a date, no extra member riding along)."""
    written = document.as_json()
    unknown = sorted(set(members) - set(written))
    if unknown:
        raise MalformedSignatureError(f"unexpected member(s): {', '.join(unknown)}")
    for name, value in written.items():
        if members[name] != value:
            raise MalformedSignatureError(f"{name} is not written as a signature document writes it "
                                             f"({json.dumps(value, ensure_ascii=False)})")
    return document


def _member(members: dict[str, Any], name: str, kind: type, label: str | None = None) -> Any:
    path = label or name
    if name not in members:
        raise MalformedSignatureError(f"{path} is missing")
    if not isinstance(members[name], kind):
        raise MalformedSignatureError(f"{path} is not a JSON {'object' if kind is dict else 'string'}")
    return members[name]


def _base64_member(members: dict[str, Any], label: str, length: int) -> bytes:
    text = _member(members, label.rsplit(".", 1)[-1], str, label)
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise MalformedSignatureError(f"{label} is not base64") from error
    if len(raw) != length:
        raise MalformedSignatureError(f"{label} holds {len(raw)} bytes, not {length}")
    return raw


def _signed_content(members: dict[str, Any]) -> SignedContent:
    value = _member(members, "signed_content", str)
    try:
        return SignedContent(value)
    except ValueError as error:
        raise MalformedSignatureError(f"signed_content is {value!r}, not one of "
                                         f"{', '.join(repr(kind.value) for kind in SignedContent)}") from error


def _sha256_member(members: dict[str, Any]) -> str:
    digest: str = _member(members, "sha256", str)
    if not SHA256_HEX.fullmatch(digest):
        raise MalformedSignatureError("sha256 is not 64 lowercase hexadecimal digits")
    return digest


def _signed_at(members: dict[str, Any]) -> datetime:
    text: str = _member(members, "signed_at", str)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise MalformedSignatureError(f"signed_at {text!r} is not an ISO 8601 date and time") from error
    if moment.tzinfo is None:
        raise MalformedSignatureError(f"signed_at {text!r} has no time zone")
    return moment


def _subject(export: dict[str, Any]) -> ExportSubject:
    unknown = set(export) - {"kind", "org", "as_of", "snapshot"}
    if unknown:
        raise MalformedSignatureError(f"export has unexpected member(s): {', '.join(sorted(unknown))}")
    as_of, snapshot = export.get("as_of"), export.get("snapshot")
    if not (as_of is None or isinstance(as_of, str)) or not (snapshot is None or isinstance(snapshot, str)):
        raise MalformedSignatureError("export.as_of and export.snapshot are each a string or null")
    try:
        as_of_date = date.fromisoformat(as_of) if as_of is not None else None
    except ValueError as error:
        raise MalformedSignatureError(f"export.as_of {as_of!r} is not an ISO 8601 date") from error
    return ExportSubject(kind=_member(export, "kind", str, "export.kind"),
                         org=_member(export, "org", str, "export.org"), as_of=as_of_date, snapshot=snapshot)


# --- verifying --------------------------------------------------------------------------------------------


def verify_export(content: bytes, signature: bytes, keys: TrustedKeys | None = None) -> Verification:
    """Check an export's bytes against its sidecar's bytes. Never raises on bad input; `keys` defaults to the
    settings' (`trusted_keys()`, which raises SigningKeyError only when those settings are unreadable)."""
    trusted = keys if keys is not None else trusted_keys()
    document = _read_document(signature, "the signature file")
    if isinstance(document, _Failure):
        return _failed(document)
    if document.signed_content is not SignedContent.FILE_BYTES:
        return _failed(_Failure(VerificationOutcome.MALFORMED, "signed_content is "
                                f"{document.signed_content.value!r}: this document belongs inside a JSON export, "
                                "not beside one", document))
    return _checked(document, hashlib.sha256(content).hexdigest(), trusted)


def verify_embedded(content: bytes, keys: TrustedKeys | None = None) -> Verification:
    """Check a JSON export holding its own signature (`embed_signature`). Never raises on bad input."""
    trusted = keys if keys is not None else trusted_keys()
    body = _read_json(content, "the export")
    if isinstance(body, _Failure):
        return _failed(body)
    if not isinstance(body, dict) or EMBEDDED_SIGNATURE_MEMBER not in body:
        return _failed(_Failure(VerificationOutcome.MALFORMED,
                                f"the export is not a JSON object with a {EMBEDDED_SIGNATURE_MEMBER!r} member"))
    document = _parsed_document(body.pop(EMBEDDED_SIGNATURE_MEMBER), f"the {EMBEDDED_SIGNATURE_MEMBER} member")
    if isinstance(document, _Failure):
        return _failed(document)
    if document.signed_content is not SignedContent.JSON_WITHOUT_SIGNATURE:
        return _failed(_Failure(VerificationOutcome.MALFORMED, f"signed_content is {document.signed_content.value!r}: "
                                "an embedded signature is of the JSON without it", document))
    try:
        written = _placed(_written_members, body)
        digest = hashlib.sha256(_utf8(_joined(written))).hexdigest()
        written[EMBEDDED_SIGNATURE_MEMBER] = _written_member(EMBEDDED_SIGNATURE_MEMBER, document.as_json())
        laid_out_as_signed = _utf8(_joined(written)) == content
    except CanonicalJsonError as error:
        return _failed(_Failure(VerificationOutcome.DIGEST_MISMATCH, f"the export has no canonical form: {error}",
                                document))
    checked = _checked(document, digest, trusted)
    if checked.valid and not laid_out_as_signed:
        return _failed(_Failure(VerificationOutcome.DIGEST_MISMATCH, "the file's bytes are not the canonical JSON "
                                "they were signed as: its layout, spacing or escaping was changed", document))
    return checked


def _read_json(raw: bytes, what: str) -> Any:
    try:
        return parse_json_strictly(raw)
    except UnicodeDecodeError as error:
        return _Failure(VerificationOutcome.MALFORMED, f"{what} is not UTF-8 text (byte {error.start})")
    except json.JSONDecodeError as error:
        return _Failure(VerificationOutcome.MALFORMED,
                        f"{what} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}")
    except (ValueError, RecursionError) as error:
        return _Failure(VerificationOutcome.MALFORMED, f"{what} is not JSON that can be checked: {error}")


def _read_document(raw: bytes, what: str) -> SignatureDocument | _Failure:
    members = _read_json(raw, what)
    return members if isinstance(members, _Failure) else _parsed_document(members, what)


def _parsed_document(members: Any, what: str) -> SignatureDocument | _Failure:
    try:
        return parse_signature_document(members)
    except MalformedSignatureError as error:
        return _Failure(VerificationOutcome.MALFORMED, f"{what}: {error}")


def _checked(document: SignatureDocument, digest: str, keys: TrustedKeys) -> Verification:
    """The key, then the signature of the statement, then the digest: a valid signature over a digest the
    file no longer has says the file changed; a bad one says the document did."""
    key = keys.find(document.fingerprint)
    if key is None:
        return _failed(_Failure(VerificationOutcome.UNKNOWN_KEY, f"signed by key {document.fingerprint}, which is "
                                "neither ROPA_SIGNING_KEY's nor one of ROPA_VERIFY_KEYS", document))
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(document.signature,
                                                                  canonical_json(document.statement()))
    except (InvalidSignature, CanonicalJsonError):
        return _failed(_Failure(VerificationOutcome.BAD_SIGNATURE, f"the Ed25519 signature does not match the "
                                f"signature document's content under key {key.fingerprint}", document))
    if digest != document.sha256:
        return Verification(VerificationOutcome.DIGEST_MISMATCH, f"the export's SHA-256 is {digest}; it was signed "
                            f"with {document.sha256}", document, key, digest)
    return Verification(VerificationOutcome.VALID, "digest and signature match", document, key, digest)


def _failed(failure: _Failure) -> Verification:
    return Verification(failure.outcome, failure.detail, failure.document)


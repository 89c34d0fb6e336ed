"""A consumer's identifiers as the graph knows them: normalised, then hashed with a secret key, never raw.

Every identifier of a consumer (each email, each phone, each Salesforce record id, each external id of another
system) becomes its own keyed hash, `identifier_hmac(secret, kind, normalised(kind, value))`, indexed to the
subject. A look-up normalises and hashes what it is given the same way, under every configured key, so a key
can be rotated while the index is re-keyed in the background. Each hash carries the id of the key that made
it (`key_id`), a fingerprint of the key that reveals nothing of it.

Normal forms, so that two spellings of one identifier meet:

    email        NFKC, trimmed, case-folded              "Zora.Quinn@Example.COM" -> "zora.quinn@example.com"
    phone        E.164 (phonenumbers, `region` for national numbers)   "(415) 555-0100" -> "+14155550100"
    record_id    the 18-character Salesforce id (a 15-character id gets its case-safe suffix)
    external_id  "{system}:{value}", the system lower-cased     ("core_banking", "C-100234") -> "core_banking:C-100234"

Pure functions, no Django: `lineage/` imports neither harvesters nor catalog.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from enum import StrEnum

import phonenumbers

KEY_ID_DIGITS = 12
_SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SYSTEM = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_HMAC = re.compile(r"^[0-9a-f]{64}$")


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    RECORD_ID = "record_id"
    EXTERNAL_ID = "external_id"


class InvalidIdentifier(ValueError):  # noqa: N818 - the contract's name (PARTS.md)
    """An identifier that has no normal form: `str()` names the field it came from (or its kind) and what is
    wrong, never the value itself."""

    def __init__(self, kind: IdentifierKind, message: str, *, field: str | None = None) -> None:
        self.kind = IdentifierKind(kind)
        self.message = message
        self.field = field
        super().__init__(f"{field or self.kind.value}: {message}")

    def for_field(self, field: str) -> InvalidIdentifier:
        """The same error, naming where in a request the identifier came from."""
        return InvalidIdentifier(self.kind, self.message, field=field)


def normalised(kind: IdentifierKind, value: str, *, region: str = "US", system: str | None = None) -> str:
    """`value` in its normal form for `kind`; raises InvalidIdentifier when it has none.

    `region` is the country a phone number without a country code belongs to; `system` names the system an
    external id belongs to (required for EXTERNAL_ID, refused for the other kinds)."""
    kind = IdentifierKind(kind)
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier(kind, "is empty")
    if system is not None and kind is not IdentifierKind.EXTERNAL_ID:
        raise InvalidIdentifier(kind, "only an external id names a system")
    match kind:
        case IdentifierKind.EMAIL:
            return normalised_email(value)
        case IdentifierKind.PHONE:
            return normalised_phone(value, region)
        case IdentifierKind.RECORD_ID:
            return normalised_record_id(value)
        case IdentifierKind.EXTERNAL_ID:
            return normalised_external_id(value, system)


def normalised_email(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(character.isspace() for character in text):
        raise InvalidIdentifier(IdentifierKind.EMAIL, "not an email address")
    return text


def normalised_phone(value: str, region: str = "US") -> str:
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", value), region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier(IdentifierKind.PHONE, "not a phone number") from None
    if not phonenumbers.is_possible_number(number):  # "valid" depends on numbering plans that change; possible doesn't
        raise InvalidIdentifier(IdentifierKind.PHONE, "not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalised_record_id(value: str) -> str:
    text = value.strip()
    if not _SALESFORCE_ID.fullmatch(text):
        raise InvalidIdentifier(IdentifierKind.RECORD_ID, "not a Salesforce record id (15 or 18 letters and digits)")
    return text if len(text) == 18 else text + case_safe_suffix(text)


def case_safe_suffix(id15: str) -> str:
    """The three characters Salesforce appends to a 15-character id: one per five characters, whose bits say
    which of them are upper-case letters."""
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << position for position, character in enumerate(id15[start:start + 5]) if "A" <= character <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def normalised_external_id(value: str, system: str | None) -> str:
    name = (system or "").strip().lower()
    if not name:
        raise InvalidIdentifier(IdentifierKind.EXTERNAL_ID, "an external id needs the system it belongs to")
    if not _SYSTEM.fullmatch(name):
        raise InvalidIdentifier(IdentifierKind.EXTERNAL_ID, "the system is not a name of letters, digits, _ . -")
    return f"{name}:{unicodedata.normalize('NFKC', value).strip()}"


def identifier_hmac(secret: bytes, kind: IdentifierKind, normalised_value: str) -> str:
    """The keyed hash (HMAC-SHA256, 64 lower-case hex digits) of an identifier already in its normal form."""
    if not secret:
        raise ValueError("identifiers are hashed with a non-empty secret")
    material = f"{IdentifierKind(kind).value}:{normalised_value}"
    return hmac.new(secret, material.encode(), hashlib.sha256).hexdigest()


def key_id(secret: bytes) -> str:
    """The id a hash carries of the key that made it: an HMAC of a constant, so it names the key without
    revealing it."""
    if not secret:
        raise ValueError("identifiers are hashed with a non-empty secret")
    return hmac.new(secret, b"recordkeeper identifier key id", hashlib.sha256).hexdigest()[:KEY_ID_DIGITS]


def is_identifier_hmac(text: str) -> bool:
    return bool(_HMAC.fullmatch(text))

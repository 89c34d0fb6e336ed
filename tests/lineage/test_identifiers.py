"""The normal forms and keyed hashes of consumers' identifiers (`lineage.identifiers`): pure, no graph."""

from __future__ import annotations

import pytest

from lineage.identifiers import (
    IdentifierKind,
    InvalidIdentifier,
    case_safe_suffix,
    identifier_hmac,
    is_identifier_hmac,
    key_id,
    normalised,
)

EMAIL, PHONE = IdentifierKind.EMAIL, IdentifierKind.PHONE
RECORD_ID, EXTERNAL_ID = IdentifierKind.RECORD_ID, IdentifierKind.EXTERNAL_ID
KEY = b"a-subject-key-of-forty-random-characters"


@pytest.mark.parametrize("written", ["(415) 555-0100", "+1 415 555 0100", "415.555.0100", "+1-415-555-0100",
                                     "\uff14\uff11\uff15 555 0100"])
def test_a_phone_written_any_way_meets_in_e164(written: str):
    assert normalised(PHONE, written) == "+14155550100"


def test_a_national_phone_number_belongs_to_the_region_given():
    assert normalised(PHONE, "020 7946 0958", region="GB") == "+442079460958"


@pytest.mark.parametrize("written", ["Zora.Quinn@Example.COM", "  zora.quinn@example.com ",
                                     "\uff3a\uff4f\uff52\uff41.quinn@example.com"])
def test_an_email_is_compatibility_normalised_and_case_folded(written: str):
    assert normalised(EMAIL, written) == "zora.quinn@example.com"


def test_case_folding_folds_what_lower_casing_does_not():
    assert normalised(EMAIL, "STRASSE@example.de") == normalised(EMAIL, "straße@example.de") == "strasse@example.de"


def test_a_fifteen_character_salesforce_id_gets_its_case_safe_suffix():
    assert case_safe_suffix("0038d0ZoraQuinn") == "ACB"
    assert normalised(RECORD_ID, "0038d0ZoraQuinn") == "0038d0ZoraQuinnACB"
    assert normalised(RECORD_ID, " 0038d0ZoraQuinnACB ") == "0038d0ZoraQuinnACB"


def test_an_external_id_means_something_only_with_the_system_that_issued_it():
    assert normalised(EXTERNAL_ID, " C-100234 ", system="Core_Banking") == "core_banking:C-100234"
    assert normalised(EXTERNAL_ID, "C-100234", system="core_banking") != normalised(EXTERNAL_ID, "C-100234",
                                                                                     system="mobile_app")


@pytest.mark.parametrize(("kind", "value", "system", "message"), [
    (PHONE, "not a number", None, "phone: not a phone number"),
    (PHONE, "12", None, "phone: not a phone number"),
    (EMAIL, "zora.quinn", None, "email: not an email address"),
    (EMAIL, "zora quinn@example.com", None, "email: not an email address"),
    (RECORD_ID, "0038d0Zora", None, "record_id: not a Salesforce record id"),
    (EXTERNAL_ID, "C-100234", None, "external_id: an external id needs the system it belongs to"),
    (EXTERNAL_ID, "C-100234", "core banking!", "external_id: the system is not a name"),
    (EMAIL, "zora.quinn@example.com", "core_banking", "email: only an external id names a system"),
    (EMAIL, "   ", None, "email: is empty"),
])
def test_an_identifier_without_a_normal_form_is_refused_by_kind_never_quoting_it(
    kind: IdentifierKind, value: str, system: str | None, message: str
):
    with pytest.raises(InvalidIdentifier) as refused:
        normalised(kind, value, system=system)

    assert str(refused.value).startswith(message)
    assert value.strip() not in str(refused.value) or not value.strip()


def test_a_refusal_names_the_field_of_the_request_it_came_from():
    with pytest.raises(InvalidIdentifier) as refused:
        normalised(PHONE, "call me")

    assert str(refused.value.for_field("phones[2]")) == "phones[2]: not a phone number"


def test_a_hash_is_64_hex_digits_and_depends_on_the_key_and_the_kind():
    value = "+14155550100"

    hashed = identifier_hmac(KEY, PHONE, value)

    assert is_identifier_hmac(hashed)
    assert hashed != identifier_hmac(b"another-key-of-forty-random-characters!", PHONE, value)
    assert hashed != identifier_hmac(KEY, EXTERNAL_ID, value)
    assert value not in hashed


def test_a_key_id_names_the_key_without_revealing_it():
    assert key_id(KEY) == key_id(KEY)
    assert key_id(KEY) != key_id(b"another-key-of-forty-random-characters!")
    assert key_id(KEY) not in KEY.decode()
    assert len(key_id(KEY)) == 12

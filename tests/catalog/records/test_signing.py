"""Every RoPA export carries a SHA-256 digest and an Ed25519 signature: beside it (a sidecar, any format) or
inside it (a JSON export); a changed byte, a swapped digest or signature, or a key nobody trusts fails."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import date
from typing import Any

import pytest

from catalog.records.signing import (
    EMBEDDED_SIGNATURE_MEMBER,
    SIGNATURE_FORMAT,
    CanonicalJsonError,
    ExportSubject,
    SignedContent,
    VerificationOutcome,
    canonical_json,
    embed_signature,
    sidecar_path,
    sign_export,
    sign_json_body,
    verify_embedded,
    verify_export,
)
from tests.catalog.records.signed_exports import (
    DEMO_SUBJECT,
    SIGNED_AT,
    SNAPSHOT_SUBJECT,
    activities_body,
    export_bytes,
    private_key,
    trusting,
)

SEEDS = (1, 2, 3)


def sidecar_for(content: bytes, seed: int = 1, subject: ExportSubject = DEMO_SUBJECT) -> bytes:
    return sign_export(content, file_name="ropa-demo-2026-11-28.pdf", subject=subject, key=private_key(seed),
                       signed_at=SIGNED_AT).sidecar_bytes()


def flipped(content: bytes, position: int, draw: random.Random) -> bytes:
    """`content` with the byte at `position` changed to another value."""
    changed = bytearray(content)
    changed[position] ^= draw.randint(1, 255)
    return bytes(changed)


def edited_sidecar(sidecar: bytes, **members: Any) -> bytes:
    document = json.loads(sidecar)
    document.update(members)
    return json.dumps(document).encode()


# --- the sidecar form: any export's bytes -----------------------------------------------------------------


def test_an_export_signed_with_the_signing_key_verifies_with_its_digest_and_key():
    content = export_bytes()
    document = sign_export(content, file_name="ropa.pdf", subject=DEMO_SUBJECT, key=private_key(1),
                           signed_at=SIGNED_AT)

    verification = verify_export(content, document.sidecar_bytes(), trusting(1))

    assert verification.valid, verification.detail
    assert verification.outcome is VerificationOutcome.VALID
    assert verification.checked_sha256 == document.sha256
    assert verification.key is not None
    assert verification.key.fingerprint == document.fingerprint


def test_the_sidecar_says_what_was_exported_when_and_by_which_key():
    document = json.loads(sign_export(b"%PDF-1.7 ...", file_name="ropa-demo.pdf", subject=SNAPSHOT_SUBJECT,
                                      key=private_key(1), signed_at=SIGNED_AT).sidecar_bytes())

    assert document["format"] == SIGNATURE_FORMAT
    assert document["file"] == "ropa-demo.pdf"
    assert document["signed_content"] == "file"
    assert document["sha256"] == hashlib.sha256(b"%PDF-1.7 ...").hexdigest()
    assert document["export"] == {"kind": "json", "org": "demo", "as_of": "2026-10-01", "snapshot": "7"}
    assert document["signed_at"] == "2026-11-28T21:30:05Z"
    assert document["key"]["algorithm"] == "Ed25519"
    assert document["key"]["fingerprint"].startswith("sha256:")
    assert len(base64.b64decode(document["key"]["public_key"])) == 32
    assert len(base64.b64decode(document["signature"])) == 64


def test_the_sidecar_lives_beside_the_export(tmp_path):
    assert sidecar_path(tmp_path / "ropa-demo.xlsx") == tmp_path / "ropa-demo.xlsx.sig.json"


@pytest.mark.parametrize("seed", SEEDS)
def test_any_single_changed_byte_of_the_export_is_a_digest_mismatch(seed: int):
    content = export_bytes(seed)
    sidecar = sidecar_for(content)
    draw = random.Random(seed)
    positions = [0, len(content) - 1, *draw.sample(range(1, len(content) - 1), 250)]

    outcomes = {verify_export(flipped(content, position, draw), sidecar, trusting(1)).outcome
                for position in positions}

    assert outcomes == {VerificationOutcome.DIGEST_MISMATCH}


def test_a_byte_added_or_removed_at_the_end_is_a_digest_mismatch():
    content = export_bytes()
    sidecar = sidecar_for(content)

    assert verify_export(content + b"\n", sidecar, trusting(1)).outcome is VerificationOutcome.DIGEST_MISMATCH
    assert verify_export(content[:-1], sidecar, trusting(1)).outcome is VerificationOutcome.DIGEST_MISMATCH


def test_a_digest_mismatch_names_both_digests():
    content = export_bytes()
    document = sign_export(content, file_name="ropa.pdf", subject=DEMO_SUBJECT, key=private_key(1))
    tampered = flipped(content, 10, random.Random(0))

    verification = verify_export(tampered, document.sidecar_bytes(), trusting(1))

    assert document.sha256 in verification.detail
    assert verification.checked_sha256 is not None
    assert verification.checked_sha256 in verification.detail


def test_the_digest_of_the_changed_file_written_into_the_sidecar_is_a_bad_signature():
    content = export_bytes()
    tampered = flipped(content, 100, random.Random(0))
    forged = edited_sidecar(sidecar_for(content), sha256=json.loads(sidecar_for(tampered))["sha256"])

    verification = verify_export(tampered, forged, trusting(1))

    assert verification.outcome is VerificationOutcome.BAD_SIGNATURE


def test_another_exports_signature_is_a_bad_signature():
    content, other = export_bytes(1), export_bytes(2)
    swapped = edited_sidecar(sidecar_for(content), signature=json.loads(sidecar_for(other))["signature"])

    assert verify_export(content, swapped, trusting(1)).outcome is VerificationOutcome.BAD_SIGNATURE


def test_another_exports_whole_sidecar_is_a_digest_mismatch():
    assert verify_export(export_bytes(1), sidecar_for(export_bytes(2)), trusting(1)).outcome \
        is VerificationOutcome.DIGEST_MISMATCH


@pytest.mark.parametrize(("member", "value"), [
    ("file", "someone-elses.pdf"),
    ("signed_at", "2025-01-01T00:00:00Z"),
    ("export", {"kind": "pdf", "org": "acme", "as_of": "2026-11-28", "snapshot": None}),
    ("export", {"kind": "pdf", "org": "demo", "as_of": "2025-11-28", "snapshot": None}),
])
def test_changing_what_the_sidecar_says_was_exported_is_a_bad_signature(member: str, value: Any):
    content = export_bytes()

    verification = verify_export(content, edited_sidecar(sidecar_for(content), **{member: value}), trusting(1))

    assert verification.outcome is VerificationOutcome.BAD_SIGNATURE


def test_a_key_that_is_not_trusted_is_an_unknown_key():
    content = export_bytes()

    verification = verify_export(content, sidecar_for(content, seed=9), trusting(1, 2))

    assert verification.outcome is VerificationOutcome.UNKNOWN_KEY
    assert "neither ROPA_SIGNING_KEY's nor one of ROPA_VERIFY_KEYS" in verification.detail


def test_an_untrusted_signature_claiming_a_trusted_public_key_is_a_bad_signature():
    content = export_bytes()
    trusted = json.loads(sidecar_for(content, seed=1))["key"]

    forged = edited_sidecar(sidecar_for(content, seed=9), key=trusted)

    assert verify_export(content, forged, trusting(1)).outcome is VerificationOutcome.BAD_SIGNATURE


def test_an_export_signed_by_an_earlier_key_verifies_while_that_key_is_trusted():
    content = export_bytes()

    assert verify_export(content, sidecar_for(content, seed=1), trusting(2, 1)).valid
    assert verify_export(content, sidecar_for(content, seed=1), trusting(2)).outcome is VerificationOutcome.UNKNOWN_KEY


def mutate_document(change: str) -> bytes:
    document: dict[str, Any] = json.loads(sidecar_for(export_bytes()))
    if change == "drop sha256":
        del document["sha256"]
    elif change == "extra member":
        document["comment"] = "looks fine"
    elif change == "format 2":
        document["format"] = "recordkeeper.ropa-signature/2"
    elif change == "short digest":
        document["sha256"] = document["sha256"][:40]
    elif change == "signature not base64":
        document["signature"] = "not base64!"
    elif change == "short signature":
        document["signature"] = base64.b64encode(b"x" * 10).decode()
    elif change == "fingerprint of another key":
        document["key"]["fingerprint"] = "sha256:" + "0" * 64
    elif change == "RSA":
        document["key"]["algorithm"] = "RSA"
    elif change == "date spelt otherwise":
        document["signed_at"] = "2026-11-28T22:30:05+01:00"
    elif change == "as_of not a date":
        document["export"]["as_of"] = "yesterday"
    elif change == "embedded kind":
        document["signed_content"] = SignedContent.JSON_WITHOUT_SIGNATURE.value
    return json.dumps(document).encode()


@pytest.mark.parametrize(("change", "named"), [
    ("drop sha256", "sha256 is missing"),
    ("extra member", "unexpected member(s): comment"),
    ("format 2", "format is 'recordkeeper.ropa-signature/2'"),
    ("short digest", "sha256 is not 64 lowercase hexadecimal digits"),
    ("signature not base64", "signature is not base64"),
    ("short signature", "signature holds 10 bytes, not 64"),
    ("fingerprint of another key", "key.fingerprint is not the fingerprint of key.public_key"),
    ("RSA", "key.algorithm is 'RSA', not 'Ed25519'"),
    ("date spelt otherwise", "signed_at is not written as a signature document writes it"),
    ("as_of not a date", "export.as_of 'yesterday' is not an ISO 8601 date"),
    ("embedded kind", "belongs inside a JSON export"),
])
def test_a_malformed_sidecar_names_the_member_at_fault(change: str, named: str):
    verification = verify_export(export_bytes(), mutate_document(change), trusting(1))

    assert verification.outcome is VerificationOutcome.MALFORMED
    assert named in verification.detail


@pytest.mark.parametrize(("sidecar", "named"), [
    (b"", "the signature file is not JSON: Expecting value at line 1, column 1"),
    (b"\xff\xfe{}", "the signature file is not UTF-8 text (byte 0)"),
    (b"[1, 2]", "the signature document is not a JSON object"),
    (b'{"format": "recordkeeper.ropa-signature/1", "format": "x"}', "the member 'format' appears twice"),
    (b'{"sha256": NaN}', "NaN is not a JSON number"),
    (b"[" * 100_000, "the signature file is not JSON that can be checked"),
])
def test_a_sidecar_that_is_not_a_json_object_is_malformed(sidecar: bytes, named: str):
    verification = verify_export(export_bytes(), sidecar, trusting(1))

    assert verification.outcome is VerificationOutcome.MALFORMED
    assert named in verification.detail


@pytest.mark.parametrize("seed", SEEDS)
def test_random_bytes_for_a_sidecar_never_raise(seed: int):
    draw = random.Random(seed)
    sidecar = sidecar_for(export_bytes())
    candidates = [draw.randbytes(draw.randint(0, 300)) for _ in range(50)]
    candidates += [flipped(sidecar, draw.randrange(len(sidecar)), draw) for _ in range(200)]

    verifications = [verify_export(export_bytes(), candidate, trusting(1)) for candidate in candidates]

    assert all(not verification.valid or candidate_is_layout_only(sidecar, candidate)
               for verification, candidate in zip(verifications, candidates, strict=True))


def candidate_is_layout_only(sidecar: bytes, candidate: bytes) -> bool:
    """A sidecar whose change is only its spacing (a space become a tab) still holds the signed document."""
    try:
        return bool(json.loads(candidate) == json.loads(sidecar))
    except ValueError:
        return False


# --- the embedded form: JSON exports ------------------------------------------------------------------------


def embedded(seed: int = 0, key_seed: int = 1) -> bytes:
    return embed_signature(activities_body(seed), file_name="ropa-demo.json", subject=SNAPSHOT_SUBJECT,
                           key=private_key(key_seed), signed_at=SIGNED_AT)


def test_a_json_export_with_its_signature_inside_verifies():
    content = embedded()

    verification = verify_embedded(content, trusting(1))

    assert verification.valid, verification.detail
    assert verification.document is not None
    assert verification.document.signed_content is SignedContent.JSON_WITHOUT_SIGNATURE
    assert verification.document.subject == SNAPSHOT_SUBJECT


def test_the_embedded_signature_is_a_member_beside_the_exports_own_content():
    parsed = json.loads(embedded())

    assert parsed.pop(EMBEDDED_SIGNATURE_MEMBER)["export"]["snapshot"] == "7"
    assert parsed == activities_body()


def test_the_embedded_digest_is_of_the_canonical_json_without_the_signature():
    parsed = json.loads(embedded())
    document = parsed.pop(EMBEDDED_SIGNATURE_MEMBER)

    assert document["sha256"] == hashlib.sha256(canonical_json(parsed)).hexdigest()


@pytest.mark.parametrize("seed", SEEDS)
def test_any_single_changed_byte_of_a_json_export_fails(seed: int):
    content = embedded(seed)
    draw = random.Random(seed)

    valid = [position for position in range(len(content))
             if verify_embedded(flipped(content, position, draw), trusting(1)).valid]

    assert valid == []


def test_a_changed_value_in_a_json_export_is_a_digest_mismatch():
    content = embedded()
    tampered = content.replace(b'"Demo Neobank Ltd"', b'"Demo Neobank plc"')

    assert verify_embedded(tampered, trusting(1)).outcome is VerificationOutcome.DIGEST_MISMATCH


def test_a_json_export_laid_out_again_fails_though_its_values_are_the_same():
    relaid = json.dumps(json.loads(embedded()), indent=2).encode()

    verification = verify_embedded(relaid, trusting(1))

    assert verification.outcome is VerificationOutcome.DIGEST_MISMATCH
    assert "not the canonical JSON they were signed as" in verification.detail


def test_a_json_export_with_a_member_added_twice_fails():
    content = embedded()
    doubled = content.replace(b'{"activities":', b'{"org":"acme","activities":', 1)

    verification = verify_embedded(doubled, trusting(1))

    assert verification.outcome is VerificationOutcome.MALFORMED
    assert "appears twice" in verification.detail


def test_a_json_export_signed_by_an_untrusted_key_is_an_unknown_key():
    assert verify_embedded(embedded(key_seed=9), trusting(1)).outcome is VerificationOutcome.UNKNOWN_KEY


def test_a_json_export_without_an_embedded_signature_is_malformed():
    verification = verify_embedded(json.dumps(activities_body()).encode(), trusting(1))

    assert verification.outcome is VerificationOutcome.MALFORMED
    assert "'ropa_signature'" in verification.detail


def test_a_sidecar_document_moved_into_a_json_export_is_malformed():
    body = activities_body()
    sidecar = json.loads(sign_export(canonical_json(body), file_name="ropa.json", subject=SNAPSHOT_SUBJECT,
                                     key=private_key(1)).sidecar_bytes())

    verification = verify_embedded(canonical_json({**body, EMBEDDED_SIGNATURE_MEMBER: sidecar}), trusting(1))

    assert verification.outcome is VerificationOutcome.MALFORMED
    assert "an embedded signature is of the JSON without it" in verification.detail


def test_a_body_that_already_has_the_signature_member_is_refused():
    with pytest.raises(CanonicalJsonError, match=r"\$\.ropa_signature: the export's body already has this member"):
        embed_signature({EMBEDDED_SIGNATURE_MEMBER: 1}, file_name="x.json", subject=DEMO_SUBJECT, key=private_key(1))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_bytes_for_a_json_export_never_raise(seed: int):
    draw = random.Random(seed)
    candidates = [draw.randbytes(draw.randint(0, 300)) for _ in range(100)]
    candidates += [b"{" + draw.randbytes(50), b'{"ropa_signature": []}', b'{"a": 1e400, "ropa_signature": {}}',
                   b'{"a": ' + b"9" * 5000 + b"}", b'"\\ud800"']

    assert not any(verify_embedded(candidate, trusting(1)).valid for candidate in candidates)


# --- canonical JSON (RFC 8785) ------------------------------------------------------------------------------


RFC_8785_INPUT = (r'{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], '
                  r'"string": "\u20ac$\u000F\u000aA' "'" r'\u0042\u0022\u005c\\\"\/", '
                  r'"literals": [null, true, false]}')
RFC_8785_OUTPUT = (r'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
                   r'"string":"€$\u000f\nA' "'" r'B\"\\\\\"/"}')


def test_canonical_json_is_rfc_8785s_example():
    assert canonical_json(json.loads(RFC_8785_INPUT)) == RFC_8785_OUTPUT.encode()


@pytest.mark.parametrize(("number", "written"), [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (9007199254740991, "9007199254740991"), (1e-7, "1e-7"), (0.000001, "0.000001"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (1e23, "1e+23"), (999999999999999900000.0,
                                                                           "999999999999999900000"),
    (123456789.125, "123456789.125"), (-5e-7, "-5e-7"),
])
def test_canonical_json_writes_numbers_as_ecmascript_does(number: float, written: str):
    assert canonical_json(number) == written.encode()


def test_canonical_json_sorts_member_names_by_utf16_code_units():
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]

    ordered = list(json.loads(canonical_json(dict.fromkeys(names, 0))))

    assert ordered == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize(("value", "named"), [
    ({"a": [1, 2**53 + 1]}, r"\$\.a\[1\]: the integer 9007199254740993 is beyond"),
    ({"coverage": float("nan")}, r"\$\.coverage: nan is not a JSON number"),
    ({"as_of": date(2026, 11, 28)}, r"\$\.as_of: a date is not JSON"),
    ({1: "x"}, r"\$: member names must be strings"),
    ("\ud800", "lone surrogate"),
])
def test_canonical_json_refuses_values_it_cannot_write_exactly(value: Any, named: str):
    with pytest.raises(CanonicalJsonError, match=named):
        canonical_json(value)


def test_a_json_export_body_with_a_value_that_is_not_json_is_refused_naming_its_place():
    body = {"activities": [{"name": "Marketing", "as_of": date(2026, 11, 28)}]}

    with pytest.raises(CanonicalJsonError, match=r"\$\.activities\[0\]\.as_of: a date is not JSON"):
        embed_signature(body, file_name="x.json", subject=DEMO_SUBJECT, key=private_key(1))


def test_a_records_content_signature_is_the_digest_its_json_export_embeds():
    document = sign_json_body(activities_body(), file_name="ropa-demo.pdf", subject=DEMO_SUBJECT, key=private_key(1))

    embedded_document = json.loads(embedded())[EMBEDDED_SIGNATURE_MEMBER]

    assert document.signed_content is SignedContent.JSON_WITHOUT_SIGNATURE
    assert document.sha256 == embedded_document["sha256"]

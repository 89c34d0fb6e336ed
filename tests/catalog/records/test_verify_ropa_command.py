"""`manage.py verify_ropa <export>` checks an export's digest and signature: it says what it checked, exits 0
when both hold, 1 naming the check that failed, 2 when the export or its signature is not there; never a
traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.records.signing import embed_signature, sidecar_path, sign_export
from tests.catalog.records.signed_exports import (
    DEMO_SUBJECT,
    SIGNED_AT,
    SNAPSHOT_SUBJECT,
    activities_body,
    export_bytes,
    private_key,
    private_key_pem,
    private_key_text,
    public_key_text,
)
from tests.catalog.test_settings import CONFIG_VARIABLES, REPO

SIGNING_SEED, EARLIER_SEED, STRANGER_SEED = 1, 2, 9


@pytest.fixture
def signing_settings(settings):
    settings.ROPA_SIGNING_KEY = private_key_text(SIGNING_SEED)
    settings.ROPA_VERIFY_KEYS = []
    return settings


def write_signed_pdf(folder: Path, seed: int = SIGNING_SEED, name: str = "ropa-demo-2026-11-28.pdf") -> Path:
    export = folder / name
    export.write_bytes(export_bytes())
    document = sign_export(export.read_bytes(), file_name=name, subject=DEMO_SUBJECT, key=private_key(seed),
                           signed_at=SIGNED_AT)
    sidecar_path(export).write_bytes(document.sidecar_bytes())
    return export


def write_signed_json(folder: Path, seed: int = SIGNING_SEED) -> Path:
    export = folder / "ropa-demo-snapshot-7.json"
    export.write_bytes(embed_signature(activities_body(), file_name=export.name, subject=SNAPSHOT_SUBJECT,
                                       key=private_key(seed), signed_at=SIGNED_AT))
    return export


def tamper(path: Path, position: int = 200) -> None:
    content = bytearray(path.read_bytes())
    content[position] ^= 0x01
    path.write_bytes(bytes(content))


def verify(*arguments: str) -> str:
    out = io.StringIO()
    call_command("verify_ropa", *arguments, stdout=out)
    return out.getvalue()


def refused(*arguments: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        verify(*arguments)
    return raised.value


# --- in process -----------------------------------------------------------------------------------------------


def test_a_signed_export_verifies_and_the_command_says_what_it_checked(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)

    out = verify(str(export))

    assert f"signature document: {sidecar_path(export)}" in out
    assert "export: pdf export of org demo as of 2026-11-28" in out
    assert "signed at: 2026-11-28T21:30:05Z" in out
    assert "digest of: the file's bytes" in out
    assert "(matches)" in out
    assert "signature: Ed25519, valid, by key sha256:" in out
    assert "(ROPA_SIGNING_KEY)" in out
    assert out.rstrip().endswith(f"VERIFIED: {export}")


def test_a_changed_byte_fails_naming_the_digest(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    tamper(export)

    error = refused(str(export))

    assert error.returncode == 1
    assert str(error).startswith(f"NOT VERIFIED: {export}: digest mismatch: the export's SHA-256 is ")


def test_a_changed_sidecar_fails_naming_the_signature(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    sidecar = sidecar_path(export)
    sidecar.write_text(sidecar.read_text().replace('"org": "demo"', '"org": "acme"'))

    error = refused(str(export))

    assert error.returncode == 1
    assert "bad signature: the Ed25519 signature does not match" in str(error)


def test_an_export_by_a_key_nobody_trusts_fails_naming_the_key(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path, seed=STRANGER_SEED)

    error = refused(str(export))

    assert error.returncode == 1
    assert "unknown key: signed by key sha256:" in str(error)


def test_an_export_by_an_earlier_key_verifies_while_ropa_verify_keys_holds_it(signing_settings, tmp_path):
    signing_settings.ROPA_VERIFY_KEYS = [public_key_text(EARLIER_SEED)]
    export = write_signed_pdf(tmp_path, seed=EARLIER_SEED)

    out = verify(str(export))

    assert "(ROPA_VERIFY_KEYS (key 1 of 1))" in out


def test_the_signature_can_be_given_from_elsewhere(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    elsewhere = tmp_path / "signatures" / "ropa.sig.json"
    elsewhere.parent.mkdir()
    sidecar_path(export).rename(elsewhere)

    out = verify(str(export), "--signature", str(elsewhere))

    assert f"signature document: {elsewhere}" in out
    assert "VERIFIED" in out


def test_a_renamed_export_verifies_and_says_the_name_it_was_signed_as(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    renamed = tmp_path / "ropa-for-the-auditor.pdf"
    export.rename(renamed)

    out = verify(str(renamed), "--signature", str(sidecar_path(export)))

    assert "note: signed as 'ropa-demo-2026-11-28.pdf'; this file is named 'ropa-for-the-auditor.pdf'" in out


def test_a_json_export_with_its_signature_inside_verifies(signing_settings, tmp_path):
    export = write_signed_json(tmp_path)

    out = verify(str(export))

    assert "embedded in the JSON's 'ropa_signature' member" in out
    assert "export: json export of org demo as of 2026-10-01 snapshot 7" in out
    assert "digest of: the canonical JSON (RFC 8785) without its signature" in out
    assert "VERIFIED" in out


def test_a_changed_json_export_fails(signing_settings, tmp_path):
    export = write_signed_json(tmp_path)
    export.write_bytes(export.read_bytes().replace(b"Credit Decisioning", b"Credit Decisioninh"))

    error = refused(str(export))

    assert error.returncode == 1
    assert "digest mismatch" in str(error)


def test_an_export_that_is_not_there_is_named(signing_settings, tmp_path):
    error = refused(str(tmp_path / "missing.pdf"))

    assert error.returncode == 2
    assert str(error) == f"export file not found: {tmp_path / 'missing.pdf'}"


def test_an_export_without_a_sidecar_says_where_it_looked(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    sidecar_path(export).unlink()

    error = refused(str(export))

    assert error.returncode == 2
    assert str(error) == f"no signature: {sidecar_path(export)} does not exist (give another with --signature)"


def test_a_signature_file_that_is_not_there_is_named(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)

    error = refused(str(export), "--signature", str(tmp_path / "nowhere.sig.json"))

    assert error.returncode == 2
    assert str(error) == f"signature file not found: {tmp_path / 'nowhere.sig.json'}"


def test_a_malformed_sidecar_fails_naming_the_member(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    sidecar = sidecar_path(export)
    document = json.loads(sidecar.read_text())
    del document["signature"]
    sidecar.write_text(json.dumps(document))

    error = refused(str(export))

    assert error.returncode == 1
    assert "malformed signature document: the signature file: signature is missing" in str(error)


def test_a_sidecar_that_is_not_json_fails_saying_so(signing_settings, tmp_path):
    export = write_signed_pdf(tmp_path)
    sidecar_path(export).write_bytes(b"%PDF-1.7 not a signature")

    error = refused(str(export))

    assert error.returncode == 1
    assert "malformed signature document: the signature file is not JSON" in str(error)


def test_no_key_to_verify_with_is_said(signing_settings, tmp_path):
    signing_settings.ROPA_SIGNING_KEY = ""
    export = write_signed_pdf(tmp_path)

    error = refused(str(export))

    assert error.returncode == 2
    assert str(error) == "cannot verify: no key to verify with; set ROPA_SIGNING_KEY or ROPA_VERIFY_KEYS"


def test_an_unreadable_verify_key_is_named(signing_settings, tmp_path):
    signing_settings.ROPA_VERIFY_KEYS = ["bm90IGEga2V5"]
    export = write_signed_pdf(tmp_path)

    error = refused(str(export))

    assert error.returncode == 2
    assert "cannot verify: ROPA_VERIFY_KEYS (key 1 of 1) holds 9 bytes" in str(error)


def test_a_pem_signing_key_verifies_what_its_seed_signed(signing_settings, tmp_path):
    signing_settings.ROPA_SIGNING_KEY = private_key_pem(SIGNING_SEED).replace("\n", "\\n")
    export = write_signed_pdf(tmp_path)

    assert "VERIFIED" in verify(str(export))


# --- as a user runs it ----------------------------------------------------------------------------------------


def run_verify_ropa(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python manage.py verify_ropa …` in development mode with the test signing key in the environment."""
    env = {name: value for name, value in os.environ.items() if name not in CONFIG_VARIABLES}
    env.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "catalog.settings",
                "ROPA_SIGNING_KEY": private_key_text(SIGNING_SEED), "ROPA_VERIFY_KEYS": ""})
    return subprocess.run([sys.executable, "manage.py", "verify_ropa", *arguments], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_manage_py_verify_ropa_exits_0_1_and_2_with_a_message_and_no_traceback(tmp_path):
    export = write_signed_pdf(tmp_path)
    verified = run_verify_ropa(str(export))
    tamper(export, position=0)
    tampered = run_verify_ropa(str(export))
    missing = run_verify_ropa(str(tmp_path / "missing.xlsx"))
    sidecar_path(export).write_bytes(b"\x00\xff garbage")
    garbage = run_verify_ropa(str(export))

    assert (verified.returncode, tampered.returncode, missing.returncode, garbage.returncode) == (0, 1, 2, 1)
    assert f"VERIFIED: {export}" in verified.stdout
    assert "CommandError: NOT VERIFIED" in tampered.stderr
    assert "digest mismatch" in tampered.stderr
    assert "CommandError: export file not found" in missing.stderr
    assert "malformed signature document: the signature file is not UTF-8 text" in garbage.stderr
    assert not any("Traceback" in run.stderr for run in (verified, tampered, missing, garbage))


def test_manage_py_verify_ropa_reads_a_json_exports_own_signature(tmp_path):
    export = write_signed_json(tmp_path)

    result = run_verify_ropa(str(export))

    assert result.returncode == 0, result.stderr
    assert "embedded in the JSON's 'ropa_signature' member" in result.stdout


# --- the keys, for auditors and rotation ----------------------------------------------------------------------


def test_ropa_keys_prints_the_public_half_of_the_signing_key_and_the_earlier_keys(signing_settings):
    signing_settings.ROPA_VERIFY_KEYS = [public_key_text(EARLIER_SEED)]
    out = io.StringIO()

    call_command("ropa_keys", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ROPA_SIGNING_KEY: sha256:")
    assert lines[1] == f"  public key (base64): {public_key_text(SIGNING_SEED)}"
    assert lines[2].startswith("ROPA_VERIFY_KEYS (key 1 of 1): sha256:")
    assert lines[3] == f"  public key (base64): {public_key_text(EARLIER_SEED)}"


def test_ropa_keys_names_an_unreadable_signing_key(signing_settings):
    signing_settings.ROPA_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"

    with pytest.raises(CommandError, match="ROPA_SIGNING_KEY is not a readable unencrypted PEM private key"):
        call_command("ropa_keys", stdout=io.StringIO())


def test_a_json_export_with_no_signature_anywhere_says_where_it_looked(signing_settings, tmp_path):
    export = tmp_path / "ropa-demo.json"
    export.write_text(json.dumps(activities_body()))

    error = refused(str(export))

    assert error.returncode == 2
    assert str(error) == (f"no signature: {sidecar_path(export)} does not exist and the JSON has no "
                          "'ropa_signature' member")


def test_a_folder_given_as_the_export_is_named(signing_settings, tmp_path):
    error = refused(str(tmp_path))

    assert error.returncode == 2
    assert str(error).startswith(f"export file cannot be read: {tmp_path}: Is a directory")

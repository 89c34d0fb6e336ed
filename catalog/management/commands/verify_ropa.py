import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.records import signing
from catalog.records.signing import SignatureDocument, Verification

NOT_VERIFIED = 1  # a check failed: the export or its signature is not what was signed
NOTHING_TO_CHECK = 2  # the export or its signature could not be read


class Command(BaseCommand):
    help = ("Check a RoPA export's SHA-256 digest and Ed25519 signature against ROPA_SIGNING_KEY and "
            "ROPA_VERIFY_KEYS. The signature is read from --signature, else from <export>.sig.json beside the "
            "export, else from a JSON export's own ropa_signature member; a .zip as the export API delivers it "
            "(the export and its .sig.json) is checked as it is. Exit status: 0 verified, "
            f"{NOT_VERIFIED} a check failed (digest, signature, unknown key, malformed signature document), "
            f"{NOTHING_TO_CHECK} the export or its signature could not be found or read.")
    requires_system_checks: list[str] = []  # only the keys matter here, and their errors are reported below

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("export", type=Path, help="the export file (PDF, XLSX, CSV, JSON or the ICO CSV)")
        parser.add_argument("--signature", type=Path, default=None,
                            help="its signature document (default: <export>.sig.json beside it)")

    def handle(self, *args: Any, **options: Any) -> None:
        export: Path = options["export"]
        content = read_bytes(export, "export file")
        keys = trusted_keys()
        verification = self._verify(export, content, options["signature"], keys)
        if verification.document is not None:
            self._describe(export, verification.document)
        if not verification.valid:
            raise CommandError(f"NOT VERIFIED: {export}: {verification.outcome.value}: {verification.detail}",
                               returncode=NOT_VERIFIED)
        self.stdout.write(f"sha256: {verification.checked_sha256} (matches)")
        assert verification.key is not None  # a valid verification names its key
        self.stdout.write(f"signature: Ed25519, valid, by key {verification.key.fingerprint} "
                          f"({verification.key.source})")
        self.stdout.write(self.style.SUCCESS(f"VERIFIED: {export}"))

    def _verify(self, export: Path, content: bytes, signature: Path | None,
                keys: signing.TrustedKeys) -> Verification:
        sidecar = signature or signing.sidecar_path(export)
        if signature is None and not sidecar.exists() and export.suffix.lower() == ".zip":
            return self._verify_zipped(export, content, keys)
        if signature is not None or sidecar.exists():
            self.stdout.write(f"signature document: {sidecar}")
            return signing.verify_export(content, read_bytes(sidecar, "signature file"), keys)
        if not looks_like_json(export, content):
            raise CommandError(f"no signature: {sidecar} does not exist (give another with --signature)",
                               returncode=NOTHING_TO_CHECK)
        if f'"{signing.EMBEDDED_SIGNATURE_MEMBER}"'.encode() not in content:
            raise CommandError(f"no signature: {sidecar} does not exist and the JSON has no "
                               f"{signing.EMBEDDED_SIGNATURE_MEMBER!r} member", returncode=NOTHING_TO_CHECK)
        self.stdout.write(f"signature document: embedded in the JSON's {signing.EMBEDDED_SIGNATURE_MEMBER!r} member "
                          f"({sidecar.name} does not exist)")
        return signing.verify_embedded(content, keys)

    def _verify_zipped(self, export: Path, content: bytes, keys: signing.TrustedKeys) -> Verification:
        """A zip as the export API delivers it: one export and its `<export>.sig.json`, checked without unpacking."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
        except zipfile.BadZipFile as error:
            raise CommandError(f"export file cannot be read: {export}: not a zip ({error})",
                               returncode=NOTHING_TO_CHECK) from error
        with archive:
            exported, sidecar = zipped_pair(archive.namelist())
            if exported is None or sidecar is None:
                raise CommandError(f"no signature: {export} is not a zip of one export and its "
                                   f"<export>{signing.SIDECAR_SUFFIX}", returncode=NOTHING_TO_CHECK)
            self.stdout.write(f"signature document: {sidecar} inside {export}")
            try:
                return signing.verify_export(archive.read(exported), archive.read(sidecar), keys)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise CommandError(f"NOT VERIFIED: {export}: the zip is damaged: {error}",
                                   returncode=NOT_VERIFIED) from error

    def _describe(self, export: Path, document: SignatureDocument) -> None:
        self.stdout.write(f"export: {document.subject.describe()}")
        self.stdout.write(f"signed at: {document.statement()['signed_at']}")
        digest_of = ("the file's bytes" if document.signed_content is signing.SignedContent.FILE_BYTES
                     else "the canonical JSON (RFC 8785) without its signature")
        self.stdout.write(f"digest of: {digest_of}")
        if document.file_name != export.name:
            self.stdout.write(f"note: signed as {document.file_name!r}; this file is named {export.name!r}")


def zipped_pair(names: list[str]) -> tuple[str | None, str | None]:
    """The export and its signature document in a zip holding exactly those two; (None, None) otherwise."""
    signatures = [name for name in names if name.endswith(signing.SIDECAR_SUFFIX)]
    exported = [name for name in names if name not in signatures]
    if len(exported) != 1 or signatures != [exported[0] + signing.SIDECAR_SUFFIX]:
        return None, None
    return exported[0], signatures[0]


def read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise CommandError(f"{what} not found: {path}", returncode=NOTHING_TO_CHECK) from error
    except OSError as error:
        raise CommandError(f"{what} cannot be read: {path}: {error.strerror or error}",
                           returncode=NOTHING_TO_CHECK) from error


def looks_like_json(export: Path, content: bytes) -> bool:
    return export.suffix.lower() == ".json" or content.lstrip()[:1] == b"{"


def trusted_keys() -> signing.TrustedKeys:
    try:
        keys = signing.trusted_keys()
    except signing.SigningKeyError as error:
        raise CommandError(f"cannot verify: {error}", returncode=NOTHING_TO_CHECK) from error
    if not keys.keys:
        raise CommandError("cannot verify: no key to verify with; set ROPA_SIGNING_KEY or ROPA_VERIFY_KEYS",
                           returncode=NOTHING_TO_CHECK)
    return keys

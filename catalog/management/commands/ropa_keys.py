from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.records import signing


class Command(BaseCommand):
    help = ("Print the public keys that verify RoPA exports: ROPA_SIGNING_KEY's public half (give it to auditors, "
            "or put it in ROPA_VERIFY_KEYS before rotating to a new key) and each of ROPA_VERIFY_KEYS.")
    requires_system_checks: list[str] = []  # an unreadable key is reported below, naming the setting

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            keys = signing.trusted_keys()
        except signing.SigningKeyError as error:
            raise CommandError(str(error)) from error
        if not keys.keys:
            raise CommandError("no RoPA signing or verify key is set (ROPA_SIGNING_KEY, ROPA_VERIFY_KEYS)")
        for key in keys.keys:
            self.stdout.write(f"{key.source}: {key.fingerprint}")
            self.stdout.write(f"  public key (base64): {signing.public_key_base64(key.public_key)}")

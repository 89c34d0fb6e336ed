from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from harvesters.connections import SecretRotationError, rotate_secrets


class Command(BaseCommand):
    help = ("Re-encrypt every stored org secret with the first key of SECRETS_KEY (put the new key first, "
            "keep the old ones after it until this has run).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = rotate_secrets()
        except SecretRotationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"re-encrypted {rotated} stored secrets with the first key of SECRETS_KEY")

"""A field's effective classification, as every read query must use it: a privacy officer's override where one is
mirrored onto the field, else what the harvest's rules decided.

Every query that reads or filters on a field's CCPA category or sensitivity builds its expression here, so the
pages, the API, the records, data maps and findings all see an override the moment it is mirrored.
"""

from __future__ import annotations

from typing import LiteralString


def effective_category(field: LiteralString) -> LiteralString:
    """Cypher for the CCPA category of the field bound to `field` (null: not personal information)."""
    return f"CASE WHEN {field}.override_at IS NULL THEN {field}.ccpa_category ELSE {field}.override_ccpa_category END"


def effective_sensitive(field: LiteralString) -> LiteralString:
    """Cypher for whether the field bound to `field` is sensitive personal information (never null)."""
    return (f"CASE WHEN {field}.override_at IS NULL THEN coalesce({field}.sensitive, false) "
            f"ELSE coalesce({field}.override_sensitive, false) END")


__all__ = ["effective_category", "effective_sensitive"]

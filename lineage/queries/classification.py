"""A field's effective classification, as every read query must use it: a privacy officer's override where one is
mirrored onto the field (by `lineage.overrides`), else what the harvest's rules decided.

Every query that reads or filters on a field's CCPA category or sensitivity builds its expression here, so the
pages, the API, the records, data maps and findings all see an override the moment it is mirrored.
"""

from __future__ import annotations

from typing import LiteralString


def effective_category(field: LiteralString) -> LiteralString:
    """Cypher for the CCPA category of the field bound to `field` (null: not personal information)."""
    # An override may keep the harvested category (changing only the sensitivity): `override_category_kept`.
    return (f"CASE WHEN {field}.override_at IS NULL OR coalesce({field}.override_category_kept, false) "
            f"THEN {field}.ccpa_category ELSE {field}.override_ccpa_category END")


def effective_sensitive(field: LiteralString) -> LiteralString:
    """Cypher for whether the field bound to `field` is sensitive personal information (never null)."""
    # An override with no `override_sensitive` keeps the harvested sensitivity (it changed only the category).
    return (f"CASE WHEN {field}.override_at IS NULL OR {field}.override_sensitive IS NULL "
            f"THEN coalesce({field}.sensitive, false) ELSE {field}.override_sensitive END")


def effective_category_at(field: LiteralString) -> LiteralString:
    """Cypher for the CCPA category of the field bound to `field` under `$overrides`: null reads the mirror (the
    overrides in force now); a map of field keys to `OverrideMirror.in_force()` is the overrides in force at
    another moment (a past record's), in place of the mirror."""
    chosen = f"$overrides[{field}.key]"
    return (f"CASE WHEN $overrides IS NULL THEN {effective_category(field)} "
            f"WHEN {chosen} IS NULL OR {chosen}.category_kept THEN {field}.ccpa_category "
            f"ELSE {chosen}.ccpa_category END")


def effective_sensitive_at(field: LiteralString) -> LiteralString:
    """Cypher for whether the field bound to `field` is sensitive under `$overrides` (see `effective_category_at`)."""
    chosen = f"$overrides[{field}.key]"
    return (f"CASE WHEN $overrides IS NULL THEN {effective_sensitive(field)} "
            f"WHEN {chosen} IS NULL OR {chosen}.sensitive IS NULL THEN coalesce({field}.sensitive, false) "
            f"ELSE {chosen}.sensitive END")


def is_overridden(field: LiteralString) -> LiteralString:
    """Cypher for whether a privacy officer's override is mirrored onto the field bound to `field`."""
    return f"{field}.override_at IS NOT NULL"


__all__ = ["effective_category", "effective_category_at", "effective_sensitive", "effective_sensitive_at",
           "is_overridden"]

"""Finding a consumer by any of their identifiers: normalise, hash under every configured key, read the index (and,
in the same round trip, the facts of the one consumer found, for their data map).

Several subjects matching one request are an ambiguous identity, returned with what matched each: never merged.
Raw identifiers live only in the request: they are normalised and hashed here and go no further.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harvesters.consents import previous_subject_secrets, subject_secret
from lineage import get_graph
from lineage.identifiers import IdentifierKind, InvalidIdentifier, identifier_hmac, normalised
from lineage.queries.datamaps import SubjectFacts, identified_subject_facts


@dataclass(frozen=True)
class GivenIdentifier:
    """One identifier of a request; `field` says where it came from ("emails[0]", "phone") and is what an error
    or a match names, never the value."""

    field: str
    kind: IdentifierKind
    value: str
    system: str | None = None
    region: str = "US"  # the country of a phone number written without its country code


@dataclass(frozen=True)
class SubjectMatch:
    subject_key: str
    matched_by: tuple[str, ...]  # the given identifiers' `field`s, in the order they were given


@dataclass(frozen=True)
class Lookup:
    matches: tuple[SubjectMatch, ...]
    facts: SubjectFacts | None = None  # the one subject's, at the moment asked; None when none or several match

    @property
    def found(self) -> SubjectMatch | None:
        """The one subject found; None when none or several were."""
        return self.matches[0] if len(self.matches) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


class NoIdentifiersError(ValueError):
    """A look-up that names no identifier."""


def find_subjects(identifiers: Sequence[GivenIdentifier], *, as_of: datetime | None = None,
                  overrides: dict[str, dict[str, Any]] | None = None) -> Lookup:
    """The subjects any of `identifiers` identifies and, when it is one, its facts as the graph stood at `as_of`
    (None: now) with the classification `overrides` in force then, in one round trip; raises InvalidIdentifier
    naming the field of the first identifier that has no normal form (before the graph is read)."""
    if not identifiers:
        raise NoIdentifiersError("identifiers: give at least one")
    fields_by_hmac = hashed(identifiers, subject_keys())
    found = identified_subject_facts(get_graph(), fields_by_hmac, as_of or datetime.now(UTC), overrides)
    by_subject: dict[str, set[str]] = {}
    for match in found.matches:
        by_subject.setdefault(match.subject_key, set()).update(fields_by_hmac[match.hmac])
    order = [given.field for given in identifiers]
    return Lookup(tuple(
        SubjectMatch(subject_key=key, matched_by=tuple(sorted(fields, key=order.index)))
        for key, fields in sorted(by_subject.items())
    ), found.facts)


def hashed(identifiers: Sequence[GivenIdentifier], secrets: Sequence[bytes]) -> dict[str, set[str]]:
    """Each identifier's hash under each key, to the fields that gave it."""
    fields_by_hmac: dict[str, set[str]] = {}
    for given in identifiers:
        try:
            value = normalised(given.kind, given.value, region=given.region, system=given.system)
        except InvalidIdentifier as error:
            raise error.for_field(given.field) from None
        for secret in secrets:
            fields_by_hmac.setdefault(identifier_hmac(secret, given.kind, value), set()).add(given.field)
    return fields_by_hmac


def subject_keys() -> tuple[bytes, ...]:
    """The current key, then every previous key a re-key may not have replaced yet (`SUBJECT_HMAC_PREVIOUS_KEYS`)."""
    return subject_secret(), *previous_subject_secrets()

"""Subjects found by the keyed hashes of their identifiers (the identifier index, `lineage.identifiers`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import LiteralString

from lineage.graph import Graph
from lineage.identifiers import is_identifier_hmac

# Seeks each hash (`key`, an Identifier's key) through the Identifier key constraint: `i` and the subject `s` it
# identifies; a retired identifier, edge or subject matches nothing.
IDENTIFIED_SUBJECTS: LiteralString = (
    "MATCH (i:Identifier {key: key})-[r:IDENTIFIES]->(s:Subject) "
    "WHERE i.retired_at IS NULL AND r.retired_at IS NULL AND s.retired_at IS NULL "
)
_SUBJECTS_BY_IDENTIFIER: LiteralString = (
    "UNWIND $keys AS key " + IDENTIFIED_SUBJECTS +
    "RETURN DISTINCT i.hmac AS hmac, s.key AS subject_key ORDER BY subject_key, hmac"
)


@dataclass(frozen=True)
class IdentifierMatch:
    """One hash of the index and a live subject it points at."""

    hmac: str
    subject_key: str


def subjects_by_identifier(graph: Graph, hmacs: Iterable[str]) -> list[IdentifierMatch]:
    """The live subjects each of `hmacs` identifies (none, one, or several when a phone is shared)."""
    keys = identifier_keys(hmacs)
    if not keys:
        return []
    rows = graph.read(_SUBJECTS_BY_IDENTIFIER, keys=keys)
    return [IdentifierMatch(hmac=str(row["hmac"]), subject_key=str(row["subject_key"])) for row in rows]


def identifier_keys(hmacs: Iterable[str]) -> list[str]:
    """The Identifier node keys of `hmacs`; anything but a 64-digit HMAC is refused, never looked up."""
    wanted = sorted(set(hmacs))
    for each in wanted:
        if not is_identifier_hmac(each):
            raise ValueError("identifiers are looked up by their 64-digit HMAC only")
    return [f"identifier:{each}" for each in wanted]


_LIVE_IDENTIFIERS_MADE_BY: LiteralString = (
    "MATCH (i:Identifier {key_id: $key_id}) WHERE i.retired_at IS NULL RETURN count(i) AS n"
)


def live_identifiers_made_by(graph: Graph, key_ids: Iterable[str]) -> dict[str, int]:
    """How many live hashes of the index each key made: a re-key is done when an old key's count is 0."""
    return {each: int(graph.read(_LIVE_IDENTIFIERS_MADE_BY, key_id=each)[0]["n"]) for each in dict.fromkeys(key_ids)}

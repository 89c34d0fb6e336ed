"""The demo org's named consumers as a DSAR tool names them, and the look-up's requests, for the data maps' tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from catalog.accounts.tokens import DSAR_READ
from lineage import get_graph
from tests.catalog.accounts.people import privacy_officer, token_client

LOOKUP = "/api/v1/data-maps/"
EXPORT = "/api/v1/data-maps/export/"
DELETION_PREVIEW = "/api/v1/data-maps/deletion-preview/"
REASON = "DSAR 2026-114: right to know"

ZORA_EMAIL = "zora.quinn@example.com"
ZORA_PHONE_OTHERWISE = "(510) 555-0142"  # the org holds +1 510 555 0142
ZORA_CONTACT = "0038d0ZoraQuinnACB"
ZORA_ACCOUNT = "0018d0ZoraQuinnACB"
ZORA_STREET = "2150 Shattuck Ave Apt 4"  # her person account's mailing street: a value, in Salesforce only
MATEO_EMAIL = "mateo.alvarez@example.com"
AMARA_EMAIL = "amara.okoye@example.com"
NOBODY_EMAIL = "nobody.at.all@example.com"

# Every spelling of an identifier the tests send: none may reach a log line or a URL.
RAW_IDENTIFIERS = (ZORA_EMAIL, ZORA_PHONE_OTHERWISE, "510 555 0142", "5105550142", ZORA_CONTACT, NOBODY_EMAIL,
                   MATEO_EMAIL, AMARA_EMAIL)


def body(**given: Any) -> dict[str, Any]:
    """A look-up's body: the identifiers given, the reason, and whatever else is named."""
    return {"reason": REASON, **given}


def dsar_client() -> APIClient:
    """A privacy officer's DSAR tool: a token with dsar:read only."""
    return token_client(privacy_officer("dsar-tool"), scopes=(DSAR_READ,))


def subject_holding(individual_id: str) -> str:
    """The key of the subject holding this Individual (found by its record, as a look-up by id would)."""
    [row] = get_graph().read("MATCH (s:Subject)-[h:HAS_RECORD]->(:SObject {name: 'Individual'}) "
                             "WHERE $id IN h.record_ids RETURN s.key AS key", id=individual_id)
    return str(row["key"])

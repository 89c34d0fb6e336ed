"""An integration manifest for a generated org, so a benchmark's record of processing has activities to build.

The simulator's generated org has a named credential and an outbound message per partner (`Partner000`,
`SyncPartner000` …) and custom objects `Gen00000__c` …; nothing says what each partner is for. This manifest does:
each partner is a system with a CCPA role, a country and a retention period, whose outbound message sends whole
generated objects for one of ten purposes, the objects dealt out so that every one is sent by some partner. So that
the rules resting on what a manifest declares have cases at size: one partner in ten also brings its objects in,
under a notice at collection that named another purpose (half of those also take opt-out requests and verify the
consumer's identity for them), and one in fifty handles opt-out preference signals (every other one relays them).
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

PURPOSES = ("Account servicing", "Marketing", "Analytics", "Credit decisioning", "Fraud prevention",
            "Customer support", "Collections", "Regulatory reporting", "Product research", "Partner offers")
ROLES = ("service_provider", "contractor", "third_party")
COUNTRIES = ("US", "US", "GB", "IN", "DE")
KINDS = ("core_banking", "data_enrichment", "analytics", "advertising", "marketing_automation", "credit_bureau")


def write_generated_manifest(directory: Path, org_id: str, objects: int, partners: int) -> Path:
    """The manifest of `partners` partners sending `objects` generated objects, written into `directory`."""
    per_partner = math.ceil(objects / partners) if partners else 0
    systems = {f"partner{n:03d}": _system(n, [index % objects for index in range(n * per_partner,
                                                                                 (n + 1) * per_partner)])
               for n in range(partners if objects else 0)}
    manifest = {"manifest_version": 1, "organization": "Generated Org", "salesforce_org_id": org_id,
                "systems": systems}
    path = directory / "generated_integrations.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    return path


def _system(n: int, object_indexes: list[int]) -> dict[str, object]:
    objects = [f"Gen{index:05d}__c.*" for index in sorted(set(object_indexes))]
    system: dict[str, object] = {
        "name": f"Partner {n:03d}", "kind": KINDS[n % len(KINDS)], "role": ROLES[n % len(ROLES)],
        "country": COUNTRIES[n % len(COUNTRIES)], "hosts": [f"partner{n:03d}.example.test"],
        "contract": {"dpa_signed": n % 4 != 0}, "retention": {"period": f"P{1 + n % 7}Y"},
        "flows": [{
            "id": f"sync_{n:03d}", "direction": "outbound", "transport": "outbound_message",
            "via": f"WorkflowOutboundMessage:SyncPartner{n:03d}", "fields": objects,
            "purpose": PURPOSES[n % len(PURPOSES)], "consent_checked": n % 2 == 0, "opt_out_checked": n % 3 == 0,
        }, *([_collection(n, objects)] if n % 10 == 5 else [])],
    }
    if n % 50 in (1, 26):
        system["opt_out_preference_signal"] = {"detected": True, "relayed": n % 50 == 26}
    return system


def _collection(n: int, objects: list[str]) -> dict[str, object]:
    """The partner bringing its objects in, under a notice that named the next purpose, not the one they go out for."""
    flow: dict[str, object] = {
        "id": f"intake_{n:03d}", "direction": "inbound", "transport": "rest_api",
        "via": f"NamedCredential:Partner{n:03d}", "fields": objects, "consent_checked": False, "opt_out_checked": False,
        "disclosed_purposes": [PURPOSES[(n + 1) % len(PURPOSES)]],
    }
    if n % 20 == 5:
        flow |= {"request_types": ["know", "opt_out"], "verifies_identity_for": ["know", "opt_out"]}
    return flow

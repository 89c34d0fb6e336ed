"""The Organization object: one record describing the org, as every real org serves it."""

from __future__ import annotations

from salesforce_simulator.describe import CompactField, CompactObject
from salesforce_simulator.org import ListRecordSource, Org

ORGANIZATION = "Organization"


def register(org: Org) -> None:
    """Declare Organization on ``org`` with its single record (idempotent)."""
    from salesforce_simulator import definition  # the loader imports this module's users

    with org.lock:
        if org.sobject(ORGANIZATION) is not None:
            return
        fields = [CompactField("Id", "id", custom=False), CompactField("Name", "string", custom=False),
                  CompactField("OrganizationType", "picklist", custom=False),
                  CompactField("InstanceName", "string", custom=False),
                  CompactField("IsSandbox", "boolean", custom=False),
                  CompactField("NamespacePrefix", "string", custom=False)]
        obj = CompactObject(ORGANIZATION, "Organization", "Organizations", custom=False, key_prefix="00D",
                            fields=fields, system_fields=False, last_modified=org.now)
        definition.register_compact_object(org, obj, list)
        org.record_sources[ORGANIZATION] = ListRecordSource([{
            "Id": org.id, "Name": org.name, "OrganizationType": org.edition, "InstanceName": org.instance_name,
            "IsSandbox": False, "NamespacePrefix": None,
        }])

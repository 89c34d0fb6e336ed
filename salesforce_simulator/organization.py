"""The Organization object: one record describing the org, as every real org serves it; and ExternalDataSource,
where the org uses Salesforce Connect (sources declared, or external objects)."""

from __future__ import annotations

from salesforce_simulator.describe import CompactField, CompactObject
from salesforce_simulator.org import ListRecordSource, Org, record_id

ORGANIZATION = "Organization"
EXTERNAL_DATA_SOURCE = "ExternalDataSource"


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


def register_external_data_sources(org: Org) -> None:
    """Declare ExternalDataSource on ``org`` with the definition's sources, when it has sources or external
    objects (every real org has the object; the others leave it out so their object counts stay as they were)."""
    from salesforce_simulator import definition  # the loader imports this module's users

    with org.lock:
        uses_connect = org.external_data_sources or any(name.endswith("__x") for name in org.objects)
        if not uses_connect or org.sobject(EXTERNAL_DATA_SOURCE) is not None or \
                EXTERNAL_DATA_SOURCE in org.hidden_types:
            return
        fields = [CompactField("Id", "id", custom=False), CompactField("DeveloperName", "string", custom=False),
                  CompactField("MasterLabel", "string", custom=False), CompactField("Type", "picklist", custom=False),
                  CompactField("Endpoint", "textarea", custom=False),
                  CompactField("Repository", "string", custom=False),
                  CompactField("IsWritable", "boolean", custom=False),
                  CompactField("PrincipalType", "picklist", custom=False),
                  CompactField("NamespacePrefix", "string", custom=False)]
        obj = CompactObject(EXTERNAL_DATA_SOURCE, "External Data Source", "External Data Sources", custom=False,
                            key_prefix="0XC", fields=fields, system_fields=False, last_modified=org.now)
        definition.register_compact_object(org, obj, list)
        org.record_sources[EXTERNAL_DATA_SOURCE] = ListRecordSource([
            {"Id": record_id("0XC", number), **row} for number, row in enumerate(org.external_data_sources, start=1)])

"""Real-looking OpenLineage run events (Airflow, dbt) about a small org whose schema the tests write first."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from harvesters.openlineage import NO_ORG
from lineage import FieldRecord, Graph, GraphWriter, OrgRecord, SObjectRecord, org_key, purge_org

ORG_ID = "00D8d00OpenLinEAGE"
INSTANCE_HOST = "lineage-bank.my.salesforce.com"
AIRFLOW_RUN = "01935c55-8f3e-7a8b-9d3c-2b1e0c4f5a6d"
DBT_RUN = "0193a1e2-1b2c-7d3e-8f40-5a6b7c8d9e0f"
CORE_BANKING_RUN = "0193b7aa-0c1d-7e2f-9a3b-4c5d6e7f8091"
AIRFLOW_PRODUCER = "https://github.com/apache/airflow/tree/providers-openlineage/2.20.3"
DBT_PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/dbt"
RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
SCHEMA_FACET = "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
COLUMN_LINEAGE_FACET = ("https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
                        "#/$defs/ColumnLineageDatasetFacet")
SCHEMA_FIELDS = {
    "Contact": ["Email", "Phone", "FirstName", "LastName"],
    "FinServ__FinancialAccount__c": ["FinServ__Balance__c", "FinServ__Status__c"],
}


def write_org_schema(graph: Graph) -> None:
    """The SObject and Field nodes a schema harvest of the org would have written."""
    now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    nodes: list[Any] = [OrgRecord(org_id=ORG_ID, evidence="test schema")]
    for sobject, names in SCHEMA_FIELDS.items():
        nodes.append(SObjectRecord(org_id=ORG_ID, name=sobject, evidence="test schema"))
        nodes += [FieldRecord(org_id=ORG_ID, sobject=sobject, name=name, type="string", evidence="test schema")
                  for name in names]
    GraphWriter(graph, "test-schema", org_key(ORG_ID), now).write_chunk(nodes, [])


def schema_facet(*names: str, producer: str = AIRFLOW_PRODUCER) -> dict[str, Any]:
    return {"_producer": producer, "_schemaURL": SCHEMA_FACET,
            "fields": [{"name": name, "type": "string"} for name in names]}


def airflow_contact_export(event_type: str = "COMPLETE") -> dict[str, Any]:
    """An Airflow task (SalesforceToS3-style) copying contacts' email and phone into the analytics warehouse."""
    return copy.deepcopy({
        "eventType": event_type,
        "eventTime": "2026-11-20T02:15:07.412Z" if event_type == "COMPLETE" else "2026-11-20T02:14:01.003Z",
        "producer": AIRFLOW_PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": AIRFLOW_RUN, "facets": {
            "parent": {"_producer": AIRFLOW_PRODUCER,
                       "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet",
                       "run": {"runId": "01935c55-0000-7a8b-9d3c-2b1e0c4f5a6d"},
                       "job": {"namespace": "airflow-prod", "name": "nightly_contacts"}},
        }},
        "job": {"namespace": "airflow-prod", "name": "nightly_contacts.export_contacts", "facets": {
            "jobType": {"_producer": AIRFLOW_PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
                        "processingType": "BATCH", "integration": "AIRFLOW", "jobType": "TASK"},
        }},
        "inputs": [{"namespace": f"salesforce://{ORG_ID}", "name": "Contact",
                    "facets": {"schema": schema_facet("Email", "Phone")}}],
        "outputs": [{"namespace": "postgres://warehouse.lineage-bank.example:5432",
                     "name": "analytics.public.contacts",
                     "facets": {"schema": schema_facet("email", "phone")}}],
    })


def dbt_contacts_model() -> dict[str, Any]:
    """A dbt model inside the warehouse, then published to the marketing vendor's database: column lineage."""
    return copy.deepcopy({
        "eventType": "COMPLETE",
        "eventTime": "2026-11-20T03:00:12.000000000Z",  # nanoseconds, as some producers write them
        "producer": DBT_PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": DBT_RUN},
        "job": {"namespace": "dbt-analytics", "name": "analytics.marketing.audience"},
        "inputs": [{"namespace": "postgres://warehouse.lineage-bank.example:5432",
                    "name": "analytics.public.contacts"}],
        "outputs": [{"namespace": "snowflake://adtech-vendor-xy12345", "name": "AUDIENCES.PUBLIC.SEGMENT",
                     "facets": {"columnLineage": {
                         "_producer": DBT_PRODUCER, "_schemaURL": COLUMN_LINEAGE_FACET,
                         "fields": {"EMAIL": {"inputFields": [
                             {"namespace": "postgres://warehouse.lineage-bank.example:5432",
                              "name": "analytics.public.contacts", "field": "email"}]}},
                     }}}],
    })


def core_banking_balances() -> dict[str, Any]:
    """A Spark job loading balances from core banking into Salesforce financial accounts, column by column."""
    core = "postgres://corebank.lineage-bank.example:5432"
    return copy.deepcopy({
        "eventType": "COMPLETE",
        "eventTime": "2026-11-20T04:30:00+00:00",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark",
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": CORE_BANKING_RUN},
        "job": {"namespace": "spark-prod", "name": "balances_to_salesforce"},
        "inputs": [{"namespace": core, "name": "ledger.public.balances"}],
        "outputs": [{"namespace": f"salesforce://{INSTANCE_HOST}", "name": "FinServ__FinancialAccount__c",
                     "facets": {
                         "schema": schema_facet("FinServ__Balance__c", "FinServ__Status__c"),
                         "columnLineage": {"_producer": DBT_PRODUCER, "_schemaURL": COLUMN_LINEAGE_FACET,
                                           "fields": {"FinServ__Balance__c": {"inputFields": [
                                               {"namespace": core, "name": "ledger.public.balances",
                                                "field": "balance"}]}}},
                     }}],
    })


def without(event: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """The event with the value at `path` removed (for malformed-event tests)."""
    parent: Any = event
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return event


def replaced(event: dict[str, Any], value: object, *path: str | int) -> dict[str, Any]:
    """The event with the value at `path` replaced (for malformed-event tests)."""
    parent: Any = event
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return event


def purge_lineage_scopes(graph: Graph) -> None:
    """Remove what the tests' org and org-less events wrote, under every provenance scope they use."""
    for scope in (org_key(ORG_ID), f"{org_key(ORG_ID)}:openlineage", org_key(NO_ORG)):
        purge_org(graph, scope)

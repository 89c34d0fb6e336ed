"""The inventory API over the demo org's schema as a harvest writes it (the simulator over HTTPS, real Neo4j)."""

from __future__ import annotations

import pytest

from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, token_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_unencrypted_tax_id_is_found_by_search_and_filters_and_its_page_says_why(harvested_demo: OrgConnection):
    client = token_client(auditor(), scopes=("catalog:read",))

    found = client.get("/api/v1/orgs/demo/fields/?sensitive=true&encrypted=false&search=tax%20id").json()
    detail = client.get("/api/v1/orgs/demo/objects/Loan_Application__c/fields/Tax_Id__c/").json()

    assert {"object": "Loan_Application__c", "name": "Tax_Id__c"}.items() <= next(
        row for row in found["results"] if row["name"] == "Tax_Id__c").items()
    assert (detail["security_classification"], detail["compliance_groups"]) == ("Restricted", ["PII", "GLBA", "CCPA"])
    assert detail["sensitivity_rule"]
    assert detail["classification_rule"]
    assert detail["evidence"] == "describe:Loan_Application__c"


def test_the_harvested_objects_add_up_to_the_field_list(harvested_demo: OrgConnection):
    client = token_client(auditor(), scopes=("catalog:read",))

    objects = client.get("/api/v1/orgs/demo/objects/?page_size=500").json()
    fields = client.get("/api/v1/orgs/demo/fields/?page_size=1").json()

    assert {"Contact", "Loan_Application__c"} <= {row["name"] for row in objects["results"]}
    assert fields["count"] == sum(row["field_count"] for row in objects["results"])

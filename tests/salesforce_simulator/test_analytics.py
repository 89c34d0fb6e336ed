"""The Analytics REST API's report describe: the columns an exported report carries."""

from __future__ import annotations

from typing import Any

import requests

from salesforce_simulator import Simulator
from tests.salesforce_simulator.conftest import trusting_session


def get(org: Simulator, path: str) -> requests.Response:
    session = trusting_session(org)
    given = org.credentials()
    token: dict[str, Any] = session.post(f"{org.base_url}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": given["consumer_key"],
        "client_secret": given["consumer_secret"]}).json()
    return session.get(f"{org.base_url}/services/data/v61.0/{path}",
                       headers={"Authorization": f"Bearer {token['access_token']}"})


def test_a_reports_describe_lists_its_detail_columns(demo_org: Simulator) -> None:
    answer = get(demo_org, "analytics/reports/00O8d0AcctTaxIdECJ/describe")

    metadata = answer.json()["reportMetadata"]
    assert answer.status_code == 200
    assert metadata["name"] == "Customer Accounts with Tax IDs"
    assert metadata["reportType"]["type"] == "Loan_Applications_with_Financial_Accounts__c"
    assert "Loan_Application__c.Tax_Id__c" in metadata["detailColumns"]


def test_a_15_character_id_finds_the_report_and_an_unknown_one_is_not_found(demo_org: Simulator) -> None:
    assert get(demo_org, "analytics/reports/00O8d0AcctTaxId/describe").status_code == 200
    assert get(demo_org, "analytics/reports/00O8d0000000001/describe").status_code == 404

"""The Tooling API over HTTPS with simple-salesforce: catalog objects, their documented
restrictions, Metadata's one-row rule, integration records and paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from salesforce_simulator import Simulator, tooling
from salesforce_simulator.org import Org, record_id
from tests.salesforce_simulator.catalog_org import catalog_simulator, client_for

EXTRA_APEX_CLASSES = 450  # enough rows for three pages at the smallest batch size


def _prepare(org: Org) -> None:
    """More Apex classes than one page holds, and the FlowDefinitionView object."""
    org.tooling["ApexClass"] += [
        {"Id": record_id("01p", n), "Name": f"Generated{n:04d}", "ApiVersion": 61.0,
         "Status": "Active", "Body": f"public class Generated{n:04d} {{}}"}
        for n in range(1, EXTRA_APEX_CLASSES + 1)
    ]
    tooling.register(org)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    with catalog_simulator(tmp_path_factory.mktemp("catalog-tooling"), _prepare) as running:
        yield running


@pytest.fixture(scope="module")
def client(catalog: Simulator) -> tuple[Salesforce, requests.Session]:
    return client_for(catalog)


@pytest.fixture(scope="module")
def tsf(client: tuple[Salesforce, requests.Session]) -> Salesforce:
    return client[0]


def tooling_query(sf: Salesforce, soql: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = sf.toolingexecute("query/", params={"q": soql}, **kwargs)
    return result


def error_of(sf: Salesforce, soql: str) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        tooling_query(sf, soql)
    content = caught.value.content
    assert isinstance(content, list)
    return dict(content[0])


# --- EntityDefinition / FieldDefinition ---------------------------------------------------


def test_entitydefinition_lists_every_object_of_the_org(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT QualifiedApiName, DurableId, NamespacePrefix, LastModifiedDate, "
                                "IsCustomizable FROM EntityDefinition")
    by_name = {r["QualifiedApiName"]: r for r in result["records"]}
    assert {"Contact", "FinServ__FinancialAccount__c", "EventLogFile"} <= set(by_name)
    custom = by_name["FinServ__FinancialAccount__c"]
    assert custom["DurableId"].startswith("01I")
    assert custom["NamespacePrefix"] == "FinServ"
    assert custom["LastModifiedDate"] == "2026-09-01T00:00:00.000+0000"
    assert by_name["Contact"]["DurableId"] == "Contact"
    assert result["entityTypeName"] == "EntityDefinition"


def test_fielddefinition_without_entity_filter_is_rejected(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT QualifiedApiName, DataType FROM FieldDefinition")
    assert error == {
        "errorCode": "MALFORMED_QUERY",
        "message": "FieldDefinition: a filter on a reified column is required [EntityDefinitionId,DurableId]",
    }


def test_fielddefinition_filtered_by_a_field_name_only_is_rejected(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT Id FROM FieldDefinition WHERE QualifiedApiName = 'Email'")
    assert "a filter on a reified column is required" in error["message"]


def test_fielddefinition_answers_the_classification_of_one_entitys_fields(tsf: Salesforce) -> None:
    result = tooling_query(tsf, (
        "SELECT QualifiedApiName, DataType, SecurityClassification, ComplianceGroup, BusinessStatus, "
        "BusinessOwnerId, BusinessOwner.Name, Description, IsFieldHistoryTracked, EntityDefinitionId "
        "FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'FinServ__FinancialAccount__c'"))
    fields = {r["QualifiedApiName"]: r for r in result["records"]}
    number = fields["FinServ__AccountNumber__c"]
    assert number["SecurityClassification"] == "Restricted"
    assert number["ComplianceGroup"] == "PCI;GLBA"
    assert number["BusinessStatus"] == "Active"
    assert number["BusinessOwnerId"] == "0058d000001CtlAAAA"
    assert number["BusinessOwner"]["Name"] == "Cato Admin"
    assert number["DataType"] == "Text(30)"
    assert number["Description"] == "Core banking account number"
    assert number["IsFieldHistoryTracked"] is False
    assert fields["FinServ__Balance__c"]["DataType"] == "Currency(18, 2)"
    assert fields["FinServ__Nickname__c"]["SecurityClassification"] is None
    assert {"Id", "OwnerId", "CreatedDate"} <= set(fields)  # system fields are fields too


def test_fielddefinition_accepts_the_entity_durable_id_and_in_lists(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT QualifiedApiName FROM FieldDefinition "
                                "WHERE EntityDefinitionId IN ('Contact') AND QualifiedApiName = 'Email'")
    assert [r["QualifiedApiName"] for r in result["records"]] == ["Email"]


def test_fielddefinition_refuses_disjunctions(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT QualifiedApiName FROM FieldDefinition WHERE EntityDefinitionId = 'Contact' "
                          "OR EntityDefinitionId = 'Account'")
    assert error["message"] == "Disjunctions not supported"


def test_fielddefinition_refuses_not_equals(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT QualifiedApiName FROM FieldDefinition WHERE EntityDefinitionId = 'Contact' "
                          "AND QualifiedApiName != 'Email'")
    assert error["message"] == "Only equals comparisons permitted"


def test_fielddefinition_ignores_limit_as_documented(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT QualifiedApiName FROM FieldDefinition "
                                "WHERE EntityDefinitionId = 'Contact' LIMIT 2")
    assert result["totalSize"] > 2


# --- Metadata's one-row rule ---------------------------------------------------------------


def test_metadata_query_returning_more_than_one_row_is_rejected(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT Id, Metadata FROM WorkflowOutboundMessage")
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"] == (
        "When retrieving results with Metadata or FullName fields, the query qualifications must "
        "specify no more than one row for retrieval. Result size: 2")


def test_fullname_falls_under_the_same_one_row_rule(tsf: Salesforce) -> None:
    assert "no more than one row" in error_of(tsf, "SELECT FullName FROM ApexClass")["message"]


def test_outbound_message_metadata_names_its_endpoint_and_fields(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT Id, Name, Metadata FROM WorkflowOutboundMessage "
                                "WHERE Name = 'Balance_Alert_Message'")
    metadata = result["records"][0]["Metadata"]
    assert metadata["endpointUrl"] == "https://alerts.partner.example.test/balance"
    assert metadata["fields"] == ["Id", "FinServ__AccountNumber__c", "FinServ__Balance__c"]


def test_flow_metadata_carries_its_elements_and_start_object(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT Id, MasterLabel, Status, Metadata FROM Flow WHERE Id = '3018d0000BalFlwAAA'")
    flow = result["records"][0]
    assert flow["Status"] == "Active"
    assert flow["Metadata"]["start"]["object"] == "FinServ__FinancialAccount__c"
    assert flow["Metadata"]["actionCalls"][0]["actionType"] == "emailSimple"
    assert flow["Metadata"]["recordLookups"][0]["object"] == "Contact"


def test_flow_versions_can_be_listed_without_metadata(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT Id, Definition.DeveloperName, Status FROM Flow ORDER BY Status")
    assert [(r["Definition"]["DeveloperName"], r["Status"]) for r in result["records"]] == [
        ("Balance_Alert_Email", "Active"), ("Account_Opened", "Draft")]


# --- integration records ---------------------------------------------------------------------


def test_apex_class_body_is_queryable(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT Name, Body, ApiVersion, Status FROM ApexClass WHERE Name = 'CoreBankingSync'")
    apex = result["records"][0]
    assert "callout:CoreBanking/v2/accounts" in apex["Body"]
    assert apex["ApiVersion"] == 61.0


@pytest.mark.parametrize(("soql", "expected"), [
    ("SELECT DeveloperName, Endpoint FROM NamedCredential",
     {"DeveloperName": "CoreBanking", "Endpoint": "https://api.core-banking.example.test"}),
    ("SELECT DeveloperName, AuthenticationProtocol FROM ExternalCredential",
     {"DeveloperName": "CoreBankingAuth", "AuthenticationProtocol": "Oauth"}),
    ("SELECT SiteName, EndpointUrl, IsActive FROM RemoteProxy",
     {"SiteName": "CoreBanking", "EndpointUrl": "https://api.core-banking.example.test", "IsActive": True}),
    ("SELECT Name FROM ConnectedApplication", {"Name": "Recordkeeper"}),
    ("SELECT EventChannel, SelectedEntity FROM PlatformEventChannelMember",
     {"EventChannel": "ChangeEvents", "SelectedEntity": "ContactChangeEvent"}),
])
def test_integration_records_answer_their_fields(tsf: Salesforce, soql: str, expected: dict[str, Any]) -> None:
    record = tooling_query(tsf, soql)["records"][0]
    assert {key: record[key] for key in expected} == expected


def test_lwc_sources_are_reached_through_their_bundle(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT FilePath, Source FROM LightningComponentResource "
                                "WHERE LightningComponentBundle.DeveloperName = 'consentBanner' ORDER BY FilePath")
    assert [r["FilePath"] for r in result["records"]] == [
        "lwc/consentBanner/consentBanner.html", "lwc/consentBanner/consentBanner.js"]


def test_aura_definitions_are_reached_through_their_bundle(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT DefType, Source FROM AuraDefinition "
                                "WHERE AuraDefinitionBundle.DeveloperName = 'balanceCard'")
    assert result["records"][0]["Source"].startswith("<aura:component>")


def test_unknown_tooling_object_is_invalid_type(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT Id FROM FlowDefinitionViewX")
    assert error["errorCode"] == "INVALID_TYPE"
    assert "sObject type 'FlowDefinitionViewX' is not supported." in error["message"]


def test_unknown_tooling_field_is_invalid_field(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT Id, Colour FROM ApexClass")
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Colour' on entity 'ApexClass'" in error["message"]


# --- paging, sobjects, composite ------------------------------------------------------------------


def test_tooling_query_pages_with_next_records_url(tsf: Salesforce) -> None:
    first = tooling_query(tsf, "SELECT Id, Name FROM ApexClass", headers={"Sforce-Query-Options": "batchSize=200"})
    assert (first["totalSize"], first["done"], len(first["records"])) == (EXTRA_APEX_CLASSES + 2, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v61.0/tooling/query/01g")
    names = [r["Name"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = tsf.query_more(page["nextRecordsUrl"], identifier_is_url=True,
                              headers={"Sforce-Query-Options": "batchSize=200"})
        names += [r["Name"] for r in page["records"]]
    assert len(names) == len(set(names)) == EXTRA_APEX_CLASSES + 2


def test_tooling_record_is_retrieved_by_id_with_its_metadata(tsf: Salesforce) -> None:
    record = tsf.toolingexecute("sobjects/WorkflowOutboundMessage/04k8d0000OpnMsgAAA")
    assert record["attributes"]["type"] == "WorkflowOutboundMessage"
    assert record["Metadata"]["endpointUrl"] == "https://crm.partner.example.test/opened"


def test_unknown_tooling_record_is_not_found(tsf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        tsf.toolingexecute("sobjects/ApexClass/01p8d0000NopeNoAAA")


def test_tooling_describe_global_lists_the_catalog_types(tsf: Salesforce) -> None:
    names = {entry["name"] for entry in tsf.toolingexecute("sobjects/")["sobjects"]}
    assert {"ApexClass", "Flow", "EntityDefinition", "FieldDefinition", "WorkflowOutboundMessage"} <= names


def test_tooling_query_runs_as_a_composite_subrequest(tsf: Salesforce) -> None:
    url = "/services/data/v61.0/tooling/query?q=SELECT+Id,Metadata+FROM+Flow+WHERE+Id='3018d0000OpnFlwAAA'"
    body = {"batchRequests": [{"method": "GET", "url": url}]}
    result = tsf.restful("composite/batch", method="POST", json=body)
    assert result is not None
    sub = result["results"][0]
    assert sub["statusCode"] == 200
    assert sub["result"]["records"][0]["Metadata"]["label"] == "Account Opened"


def test_count_query_answers_total_size_only(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT COUNT() FROM ApexClass WHERE Status = 'Active'")
    assert (result["totalSize"], result["records"]) == (EXTRA_APEX_CLASSES + 2, [])


def test_count_is_refused_on_the_metadata_catalog(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT COUNT() FROM EntityDefinition")
    assert "not yet supported by this SObject storage type" in error["message"]


# --- FlowDefinitionView (a standard object, queried through REST) ---------------------------------


def test_flow_definition_view_answers_flows_through_rest_query(tsf: Salesforce) -> None:
    rows = tsf.query("SELECT ApiName, Label, ProcessType, TriggerType, TriggerObjectOrEventLabel, IsActive, "
                     "ActiveVersionId, LatestVersionId FROM FlowDefinitionView ORDER BY ApiName")["records"]
    assert [(r["ApiName"], r["IsActive"]) for r in rows] == [("Account_Opened", False), ("Balance_Alert_Email", True)]
    balance = rows[1]
    assert balance["TriggerObjectOrEventLabel"] == "FinServ__FinancialAccount__c"
    assert balance["TriggerType"] == "RecordAfterSave"
    assert balance["ActiveVersionId"] == balance["LatestVersionId"] == "3018d0000BalFlwAAA"


def test_flow_definition_view_is_not_a_tooling_object(tsf: Salesforce) -> None:
    assert error_of(tsf, "SELECT ApiName FROM FlowDefinitionView")["errorCode"] == "INVALID_TYPE"


def test_entityparticle_needs_an_entity_filter_too(tsf: Salesforce) -> None:
    error = error_of(tsf, "SELECT QualifiedApiName FROM EntityParticle")
    assert error["message"] == (
        "EntityParticle: a filter on a reified column is required [EntityDefinitionId,FieldDefinitionId,DurableId]")
    result = tooling_query(tsf, "SELECT QualifiedApiName, DataType, FieldDefinitionId FROM EntityParticle "
                                "WHERE EntityDefinition.QualifiedApiName = 'Contact' AND QualifiedApiName = 'Email'")
    assert result["records"][0]["FieldDefinitionId"] == "Contact.Email"


# --- what peers ask: sharing models, EntityParticle, CustomObject, CustomField ----------------------


def test_entitydefinition_answers_each_objects_sharing_models(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT QualifiedApiName, InternalSharingModel, ExternalSharingModel "
                                "FROM EntityDefinition WHERE QualifiedApiName IN ('Contact', "
                                "'FinServ__FinancialAccount__c')")
    models = {r["QualifiedApiName"]: (r["InternalSharingModel"], r["ExternalSharingModel"])
              for r in result["records"]}

    assert models == {"Contact": ("ControlledByParent", "ControlledByParent"),
                      "FinServ__FinancialAccount__c": ("ReadWrite", "Private")}


def test_entityparticle_answers_api_data_types_compound_fields_and_its_field_definition(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT QualifiedApiName, DataType, Label, IsCompound, IsComponent, ReferenceTo, "
                                "FieldDefinition.DataType, FieldDefinition.DurableId FROM EntityParticle "
                                "WHERE EntityDefinition.QualifiedApiName = 'Contact'")
    particles = {r["QualifiedApiName"]: r for r in result["records"]}

    assert particles["Email"]["DataType"] == "email"
    assert particles["Email"]["FieldDefinition"]["DataType"] == "Email"
    assert particles["Email"]["FieldDefinition"]["DurableId"] == "Contact.Email"
    assert (particles["MailingAddress"]["IsCompound"], particles["MailingAddress"]["IsComponent"]) == (True, False)
    assert (particles["MailingCity"]["IsCompound"], particles["MailingCity"]["IsComponent"]) == (False, True)
    assert particles["AccountId"]["DataType"] == "reference"
    assert particles["AccountId"]["ReferenceTo"] == {"referenceTo": ["Account"]}


def test_customobject_lists_custom_objects_with_their_sharing_models(tsf: Salesforce) -> None:
    result = tooling_query(tsf, "SELECT Id, DeveloperName, NamespacePrefix, Description, SharingModel, "
                                "ExternalSharingModel FROM CustomObject")
    entity = tooling_query(tsf, "SELECT DurableId FROM EntityDefinition "
                                "WHERE QualifiedApiName = 'FinServ__FinancialAccount__c'")["records"][0]
    rows = {r["DeveloperName"]: r for r in result["records"]}

    assert result["entityTypeName"] == "CustomEntityDefinition"
    account = rows["FinancialAccount"]
    assert account["Id"][:15] == entity["DurableId"]
    assert (account["NamespacePrefix"], account["SharingModel"], account["ExternalSharingModel"]) == (
        "FinServ", "ReadWrite", "Private")
    assert "Contact" not in rows


def test_customfield_answers_custom_fields_by_their_table_with_metadata_for_one(tsf: Salesforce) -> None:
    entity = tooling_query(tsf, "SELECT DurableId FROM EntityDefinition "
                                "WHERE QualifiedApiName = 'FinServ__FinancialAccount__c'")["records"][0]["DurableId"]
    result = tooling_query(tsf, "SELECT Id, DeveloperName, TableEnumOrId, NamespacePrefix, Description "  # noqa: S608
                                f"FROM CustomField WHERE TableEnumOrId = '{entity}'")
    fields = {r["DeveloperName"]: r for r in result["records"]}
    one = tooling_query(tsf, "SELECT FullName, Metadata FROM CustomField "  # noqa: S608
                             f"WHERE TableEnumOrId = '{entity}' AND DeveloperName = 'AccountNumber'")["records"]

    assert result["entityTypeName"] == "CustomFieldDefinition"
    assert {"AccountNumber", "Balance", "Nickname"} <= set(fields)
    assert fields["AccountNumber"]["Id"].startswith("00N")
    assert fields["AccountNumber"]["Description"] == "Core banking account number"
    assert fields["AccountNumber"]["NamespacePrefix"] == "FinServ"
    assert [row["FullName"] for row in one] == ["FinServ__FinancialAccount__c.FinServ__AccountNumber__c"]
    assert one[0]["Metadata"]["type"] == "Text"
    assert one[0]["Metadata"]["length"] == 30

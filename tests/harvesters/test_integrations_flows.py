"""Flow metadata read as a graph: which sends a consent decision guards."""

from __future__ import annotations

from typing import Any

from harvesters.integrations.flows import analyse_flow


def flow(*, decisions: list[dict[str, Any]], start_target: str, filters: list[dict[str, Any]] | None = None,
         email_body: str = "{!$Record.Balance__c}") -> dict[str, Any]:
    return {
        "start": {"object": "Account__c", "triggerType": "RecordAfterSave", "filters": filters or [],
                  "connector": {"targetReference": start_target}},
        "recordLookups": [{"name": "Get_Person", "object": "Individual", "queriedFields": ["HasOptedOutProcessing"],
                           "connector": {"targetReference": "Gate"}}],
        "decisions": decisions,
        "textTemplates": [{"name": "Body", "text": email_body}],
        "actionCalls": [{"name": "Send", "actionType": "emailSimple", "actionName": "emailSimple",
                         "inputParameters": [{"name": "emailBody", "value": {"elementReference": "Body"}}]}],
    }


def gate(*, default_to_send: bool = False, field: str = "Get_Person.HasOptedOutProcessing") -> dict[str, Any]:
    decision: dict[str, Any] = {
        "name": "Gate",
        "rules": [{"name": "Allowed", "conditions": [{"leftValueReference": field, "operator": "EqualTo",
                                                      "rightValue": {"booleanValue": False}}],
                   "connector": {"targetReference": "Send"}}],
    }
    if default_to_send:
        decision["defaultConnector"] = {"targetReference": "Send"}
    return decision


def test_a_send_behind_a_processing_opt_out_decision_is_consent_and_opt_out_checked():
    [send] = analyse_flow(flow(decisions=[gate()], start_target="Get_Person")).sends

    assert (send.consent_checked, send.opt_out_checked) == (True, True)


def test_a_send_reachable_around_the_gate_is_unchecked():
    [send] = analyse_flow(flow(decisions=[gate(default_to_send=True)], start_target="Get_Person")).sends

    assert (send.consent_checked, send.opt_out_checked) == (False, False)


def test_a_decision_on_something_else_is_no_gate():
    [send] = analyse_flow(flow(decisions=[gate(field="$Record.Balance__c")], start_target="Get_Person")).sends

    assert send.consent_checked is False


def test_a_marketing_opt_out_is_a_consent_check_but_not_the_processing_opt_out():
    [send] = analyse_flow(flow(decisions=[gate(field="Get_Person.HasOptedOutSolicit")],
                               start_target="Get_Person")).sends

    assert (send.consent_checked, send.opt_out_checked) == (True, False)


def test_a_start_filter_on_an_opt_out_gates_the_whole_flow():
    filters = [{"field": "HasOptedOutOfEmail", "operator": "EqualTo", "value": {"booleanValue": False}}]

    [send] = analyse_flow(flow(decisions=[], start_target="Send", filters=filters)).sends

    assert send.consent_checked is True


def test_fields_reach_a_send_through_templates_and_lookups():
    analysis = analyse_flow(flow(decisions=[gate()], start_target="Get_Person",
                                 email_body="Hi, {!$Record.Owner_Name__c}: {!$Record.Balance__c} {!Get_Person.Id}"))

    assert analysis.sends[0].fields == {("Account__c", "Owner_Name__c"), ("Account__c", "Balance__c"),
                                        ("Individual", "Id")}
    assert ("Individual", "HasOptedOutProcessing") in analysis.reads
    assert analysis.objects_read == {"Account__c", "Individual"}

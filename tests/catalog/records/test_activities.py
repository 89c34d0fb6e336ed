"""How facts become a record's statements: the regime each purpose falls under and why, who counts as selling or
sharing, what is a transfer, whose data it is, and that no personal field is left out of the record."""

from __future__ import annotations

import pytest

from catalog.records.activities import CCPA, GLBA, UNASSIGNED_KEY, activity_key, consumer_category, generate
from lineage.queries.processing import FieldFact, IntegrationFact, ProcessingFacts, PurposeFact, SystemFact

ORG = "00D000000000RECAAA"


def purpose(name: str, evidence: str = "DataUsePurpose:0oN1") -> PurposeFact:
    in_salesforce = evidence.startswith("DataUsePurpose:")
    return PurposeFact(key=f"purpose:{ORG}:{name}", name=name, description=None, legal_basis=None,
                       declared=not in_salesforce, data_use_purpose=evidence.split(":")[1] if in_salesforce else None,
                       evidence=evidence)


def field(sobject: str, name: str, *, category: str = "identifiers", sensitive: bool = False,
          encrypted: bool = False, sent_to: str | None = None) -> FieldFact:
    return FieldFact(key=f"field:{ORG}:{sobject}.{name}", sobject=sobject, sobject_key=f"sobject:{ORG}:{sobject}",
                     name=name, category=category,
                     sensitive=sensitive, encrypted=encrypted, integration_key="integration:sync",
                     movement="sends" if sent_to else "reads", system_key=sent_to, evidence="manifest:m.yaml#s/f")


def system(host: str, role: str | None, country: str | None = "US") -> SystemFact:
    return SystemFact(key=f"system:{host}", host=host, name=None, integration_key="integration:sync", role=role,
                      country=country, channel="rest_callout", evidence="NamedCredential:Sync",
                      role_evidence="manifest:m.yaml#s")


SYNC = IntegrationFact(key="integration:sync", kind="manifest", name="sync", tie="SERVES", tie_evidence="m",
                       evidence="manifest:m.yaml#s/f", attributes=(("direction", "outbound"),))


def activity_of(name: str, fields: tuple[FieldFact, ...] = (), systems: tuple[SystemFact, ...] = ()):
    facts = ProcessingFacts(name=name, purposes=(purpose(name),), integrations=(SYNC,), fields=fields,
                            systems=systems)
    [made] = generate([facts], [], "acme")
    return made


@pytest.mark.parametrize("name", ["Account servicing", "Credit Decisioning", "Fraud Prevention", "Loan origination"])
def test_providing_a_financial_product_or_service_falls_under_the_glba_and_says_why(name: str):
    regime = activity_of(name).regime

    assert regime.value == GLBA
    assert "financial product or service" in regime.reason
    assert "§1798.150" in regime.reason  # the data-breach action survives the exemption


@pytest.mark.parametrize("name", ["Marketing", "Analytics", "Brokerage account servicing and partner marketing"])
def test_marketing_or_analytics_use_of_the_same_data_stays_under_the_ccpa(name: str):
    regime = activity_of(name).regime

    assert regime.value == CCPA
    assert "GLBA exemption does not reach it" in regime.reason


def test_a_purpose_whose_name_does_not_tell_needs_a_privacy_officers_decision():
    assert activity_of("Quarterly review").regime.value == "needs input"


def test_a_third_party_receiving_marketing_data_is_sharing_and_a_service_provider_is_neither():
    made = activity_of("Marketing", fields=(field("Contact", "Email", sent_to="system:ads.example"),
                                            field("Contact", "Phone", sent_to="system:mail.example")),
                       systems=(system("ads.example", "third_party"), system("mail.example", "service_provider")))

    assert [each.value.host for each in made.recipients] == ["ads.example", "mail.example"]
    [shared] = made.sold_or_shared
    assert shared.value.host == "ads.example"
    assert "cross-context behavioural advertising" in shared.reason
    assert made.dpia_indicated.value
    assert "third parties receive the data" in made.dpia_indicated.reason


def test_a_recipient_outside_the_businesss_country_is_a_transfer():
    made = activity_of("Account servicing", fields=(field("Contact", "Email", sent_to="system:eu.example"),),
                       systems=(system("eu.example", "service_provider", "DE"), system("us.example", "contractor")))

    assert [(each.value.host, each.reason) for each in made.transfers] == [("eu.example", "received in DE")]


@pytest.mark.parametrize(("sobject", "category"), [("Lead", "prospects"), ("Loan_Application__c", "applicants"),
                                                   ("Contact", "customers"), ("FinServ__FinancialAccount__c",
                                                                              "customers"),
                                                   ("User", "employees and contractors (users of the org)"),
                                                   ("Survey__c", "consumers")])
def test_whose_data_an_object_holds(sobject: str, category: str):
    assert consumer_category(sobject) == category


def test_every_statement_carries_the_evidence_of_the_fields_behind_it():
    made = activity_of("Account servicing", fields=(field("Contact", "SSN__c", category="identifiers",
                                                          sensitive=True),))

    [identifiers] = made.sensitive_categories
    assert identifiers.value == "identifiers"
    assert identifiers.evidence[0].artefact == "manifest:m.yaml#s/f"
    assert identifiers.evidence[0].path == ("integration:sync", "reads", f"sobject:{ORG}:Contact")
    assert identifiers.reason == "Contact.SSN__c"
    assert made.security.value.sensitive_fields == 1
    assert made.security.value.encryption_coverage == 0.0


def test_personal_fields_no_purpose_reaches_are_listed_under_their_own_heading_needing_input():
    facts = ProcessingFacts(name="Marketing", purposes=(purpose("Marketing"),), integrations=(SYNC,),
                            fields=(field("Contact", "Email"),), systems=())
    left = FieldFact(key=f"field:{ORG}:Lead.Phone", sobject="Lead", sobject_key=f"sobject:{ORG}:Lead",
                     name="Phone", category="identifiers",
                     sensitive=False, encrypted=False, integration_key=None, movement=None, system_key=None,
                     evidence="describe:Lead")

    marketing, unassigned = generate([facts], [left], "acme")

    assert marketing.key == "marketing"
    assert unassigned.key == UNASSIGNED_KEY
    assert [each.key for each in unassigned.fields] == [left.key]
    assert unassigned.regime.value == "needs input"
    assert [each.value for each in unassigned.consumer_categories] == ["prospects"]


def test_when_every_personal_field_has_a_purpose_there_is_no_unassigned_heading():
    facts = ProcessingFacts(name="Marketing", purposes=(purpose("Marketing"),), integrations=(), fields=(),
                            systems=())

    assert [each.key for each in generate([facts], [], "acme")] == ["marketing"]


def test_a_purpose_salesforce_records_is_the_orgs_own_whichever_source_wrote_its_node_last():
    both = PurposeFact(key=f"purpose:{ORG}:Analytics", name="Analytics", description=None, legal_basis=None,
                       declared=True, data_use_purpose="0oN2", evidence="manifest:m.yaml#vendor/match")
    facts = ProcessingFacts(name="Analytics", purposes=(both,), integrations=(), fields=(), systems=())

    [made] = generate([facts], [], "acme")

    assert made.origin == "DataUsePurpose"
    assert made.purposes[0].evidence[0].artefact == "DataUsePurpose:0oN2"


def test_an_activity_is_named_by_the_orgs_own_purpose_rather_than_a_manifests_spelling():
    facts = ProcessingFacts(name="fraud prevention", purposes=(purpose("Fraud prevention", "manifest:m.yaml#a/b"),
                                                              purpose("Fraud Prevention")),
                            integrations=(), fields=(), systems=())

    [made] = generate([facts], [], "acme")

    assert (made.name, made.key, made.origin) == ("Fraud Prevention", "fraud-prevention", "DataUsePurpose")
    assert activity_key("Fraud  Prevention!") == "fraud-prevention"

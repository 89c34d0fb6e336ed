"""How facts become a record's statements: the regime each purpose falls under and why, who counts as selling or
sharing, what is a transfer, whose data it is, and that no personal field is left out of the record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.records.activities import CCPA, GLBA, UNASSIGNED_KEY, activity_key, consumer_category, generate
from lineage.queries.processing import (
    CodeFact,
    FieldFact,
    IntegrationFact,
    ObjectFact,
    ProcessingFacts,
    PurposeFact,
    SystemFact,
)

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


def activity_of(name: str, fields: tuple[FieldFact, ...] = (), systems: tuple[SystemFact, ...] = (),
                objects: tuple[ObjectFact, ...] = (), code: tuple[CodeFact, ...] = ()):
    facts = ProcessingFacts(name=name, purposes=(purpose(name),), integrations=(SYNC,), fields=fields,
                            systems=systems)
    [made] = generate([facts], [], "acme", objects, code)
    return made


def counted(sobject: str, records: int) -> ObjectFact:
    return ObjectFact(sobject_key=f"sobject:{ORG}:{sobject}", sobject=sobject, names=(), evidence=f"describe:{sobject}",
                      record_count=records, record_count_at=datetime(2026, 11, 28, 6, tzinfo=UTC))


def code_of(kind: str, name: str, *fields: FieldFact, **attributes: object) -> CodeFact:
    """Code of `kind` (apex_class, component) reading or writing `fields`."""
    code = IntegrationFact(key=f"integration:{ORG}:{kind}:{name}", kind=kind, name=name, tie="TOUCHES",
                           tie_evidence=None, evidence=f"{kind}:{name}", attributes=tuple(sorted(attributes.items())))
    return CodeFact(code, frozenset(each.key for each in fields))


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


@pytest.mark.parametrize(("records", "indicated"), [(249_999, False), (250_000, True), (1_200_000, True)])
def test_personal_information_of_many_consumers_indicates_a_risk_assessment_by_its_scale(records: int, indicated: bool):
    made = activity_of("Account servicing", fields=(field("Contact", "Email"), field("Lead", "Email")),
                       objects=(counted("Contact", records), counted("Lead", 1_000)))

    assert made.dpia_indicated.value is indicated
    if indicated:
        assert made.dpia_indicated.reason == (f"it holds personal information at a large scale: Contact has "
                                              f"{records:,} records (250,000 or more, 11 CCR §7120)")
        assert made.dpia_indicated.evidence[0].path == (f"sobject:{ORG}:Contact",)
        assert made.dpia_indicated.evidence[0].artefact == "limits/recordCount at 2026-11-28 06:00 UTC"
    else:
        assert made.dpia_indicated.reason == "no sensitive data, profiling, third party or large scale"


def test_sensitive_information_indicates_it_at_a_smaller_scale_and_unknown_counts_are_said_to_be_unknown():
    ssn = field("Contact", "SSN__c", sensitive=True)
    sensitive_at_scale = activity_of("Account servicing", fields=(ssn, field("Lead", "Email")),
                                     objects=(counted("Contact", 50_000), counted("Lead", 200_000)))
    uncounted = activity_of("Account servicing", fields=(field("Lead", "Email"),))

    assert sensitive_at_scale.dpia_indicated.reason == (
        "it processes sensitive personal information (1 fields); it holds sensitive personal information at a large "
        "scale: Contact has 50,000 records (50,000 or more, 11 CCR §7120)")
    assert not uncounted.dpia_indicated.value
    assert uncounted.dpia_indicated.reason.endswith("; how many records its objects hold is not known")


def test_the_sharing_and_field_level_security_of_any_code_touching_its_sensitive_fields_are_measured():
    ssn, email = field("Contact", "SSN__c", sensitive=True), field("Contact", "Email")
    code = (code_of("apex_class", "SsnExport", ssn, sharing="without"),
            code_of("apex_class", "SsnLookup", ssn, email, sharing="with", enforces_security=True),
            code_of("apex_class", "OtherSsn", field("Lead", "SSN__c", sensitive=True), sharing="without"),
            code_of("component", "c:ssnCard", ssn, without_sharing=True),
            code_of("apex_class", "EmailOnly", email, sharing="without"))

    made = activity_of("Account servicing", fields=(ssn, email), code=code)

    security = made.security.value
    assert security.code_without_sharing == ("SsnExport", "c:ssnCard")
    assert security.code_enforcing_security == ("SsnLookup",)
    assert {"apex_class:SsnExport", "apex_class:SsnLookup", "component:c:ssnCard"} <= {
        each.artefact for each in made.security.evidence}
    assert not {"apex_class:OtherSsn", "apex_class:EmailOnly"} & {each.artefact for each in made.security.evidence}


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

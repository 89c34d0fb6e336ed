"""What a data map answers a consumer's requests with, over a map built by hand: the right-to-know response's
categories, sources, purposes and recipients by role (each with the categories of what it receives), and the deletion
preview's places and whom to tell, by the role the org declares for each system."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.datamaps.disclosures import (
    DECIDE_ROLE,
    MUST_TELL,
    MUST_TELL_THIRD_PARTY,
    categories_collected,
    deletion_preview,
    purposes,
    recipient_categories,
    sources,
)
from catalog.datamaps.maps import CategoryHeld, DataMap, RecipientFlow, RecordsHeld
from catalog.records.activities import Evidence

PROOF = Evidence(("subject:x",), "test")
AS_OF = datetime(2026, 11, 29, tzinfo=UTC)


def flow(system: str, role: str | None, integration: str, fields: tuple[str, ...], *, direction: str = "sends",
         purposes: tuple[str, ...] = ()) -> RecipientFlow:
    return RecipientFlow(system_key=f"system:{system}", host=system, name=system.split(".")[0].title(), role=role,
                         country="US", integration_key=f"integration:{integration}", integration=integration,
                         integration_kind="apex_class", direction=direction, purposes=purposes, fields=fields,
                         consent_checked=False, opt_out_checked=None, evidence=(PROOF,))


def a_map() -> DataMap:
    contact = RecordsHeld("Contact", "sobject:00D:Contact", "org:00D", ("003A", "003B"), (
        CategoryHeld("identifiers", False, ("Email", "MobilePhone"), (PROOF,)),
        CategoryHeld("protected_characteristics", True, ("Birthdate",), (PROOF,))), PROOF)
    account = RecordsHeld("Account", "sobject:00D:Account", "org:00D", ("001A",), (
        CategoryHeld("financial_information", False, ("AnnualIncome__c",), (PROOF,)),), PROOF)
    recipients = (
        flow("email.example.com", "service_provider", "Welcome_Email", ("Contact.Email",), purposes=("Marketing",)),
        flow("email.example.com", "service_provider", "Balance_Alert", ("Contact.Email", "Account.AnnualIncome__c"),
             purposes=("Account servicing",)),
        flow("broker.example.com", "third_party", "NightlySync", ("Contact.Birthdate",)),
        flow("scoring.example.com", None, "ScoreCallout", ("Account.AnnualIncome__c",)),
        flow("core.example.com", "first_party", "CoreSync", ("Account.AnnualIncome__c",), direction="receives"),
    )
    return DataMap(subject_key="subject:x", as_of=AS_OF, records=(contact, account), recipients=recipients,
                   consents=(), retention=(), readers=(), gaps=())


def test_the_categories_collected_say_which_objects_hold_each_and_whether_it_is_sensitive():
    collected = {each.category: each for each in categories_collected(a_map().records)}

    assert collected["identifiers"].objects == ("Contact",)
    assert collected["protected_characteristics"].sensitive is True
    assert collected["financial_information"].sensitive is False


def test_the_sources_are_the_orgs_records_and_each_system_writing_their_data_in():
    assert sources(a_map()) == ("The business's Salesforce records of the consumer (Account, Contact)",
                                "Core (the business's own systems)")


def test_the_purposes_are_those_their_data_is_sent_for():
    assert purposes(a_map()) == ("Account servicing", "Marketing")


def test_recipients_are_grouped_by_role_each_merged_across_its_integrations_with_what_it_receives():
    groups = {group.role: group for group in recipient_categories(a_map())}

    assert list(groups) == ["service_provider", "third_party", None]  # the business's own source is no recipient
    [email] = groups["service_provider"].recipients
    assert email.integrations == ("Balance_Alert", "Welcome_Email")
    assert email.categories == ("financial_information", "identifiers")
    assert groups["third_party"].recipients[0].categories == ("protected_characteristics",)
    assert groups[None].words == "Recipients whose role nobody has declared"


def test_the_deletion_preview_tells_providers_and_third_parties_and_leaves_an_undeclared_role_to_decide():
    preview = deletion_preview(a_map())

    held = {(each.kind, each.name): each.detail for each in preview.held_in}
    assert held[("salesforce", "Contact")] == "2 records"
    assert ("system", "Core") in held  # the business's own system holds it too: delete there, no one to tell
    told = {each.host: each.why for each in preview.to_tell}
    assert told == {"email.example.com": MUST_TELL, "broker.example.com": MUST_TELL_THIRD_PARTY}
    assert [(each.host, each.why) for each in preview.role_undeclared] == [("scoring.example.com", DECIDE_ROLE)]

"""Whose information an activity processes, from the objects holding it and their record types: a record type's
developer name says whose records they are (a person account, a prospect, an applicant, an employee), with the
object's describe as evidence."""

from __future__ import annotations

import pytest

from catalog.records.activities import GLBA, Activity, generate, record_type_category
from lineage.queries.processing import ObjectFact, ProcessingFacts
from tests.catalog.records.test_activities import ORG, SYNC, field, purpose


def account_types(*names: str) -> ObjectFact:
    return ObjectFact(sobject_key=f"sobject:{ORG}:Account", sobject="Account", names=names,
                          evidence="describe:Account")


def activity_over(*sobjects: str, record_types: tuple[ObjectFact, ...] = ()) -> Activity:
    facts = ProcessingFacts(name="Account servicing", purposes=(purpose("Account servicing"),), integrations=(SYNC,),
                            fields=tuple(field(sobject, "Name") for sobject in sobjects), systems=())
    [made] = generate([facts], [], "acme", record_types)
    return made


def categories(activity: Activity) -> dict[str, str]:
    return {each.value: each.reason for each in activity.consumer_categories}


@pytest.mark.parametrize(("name", "category"), [
    ("PersonAccount", "customers"), ("Person_Account", "customers"), ("HH_Account", "customers"),
    ("Prospect", "prospects"), ("Applicant", "applicants"), ("Loan_Application", "applicants"),
    ("Employee", "employees"), ("Organization", "business contacts (people acting for an organisation)"),
    ("BankingAccount", None)])
def test_whose_records_a_record_type_holds_by_its_developer_name(name: str, category: str | None):
    assert record_type_category(name) == category


def test_an_objects_record_types_name_the_consumers_its_records_are_about():
    made = activity_over("Account", "Contact", record_types=(account_types("PersonAccount", "Prospect"),))

    assert categories(made) == {"customers": "records of Account (record type PersonAccount), Contact",
                                "prospects": "records of Account (record type Prospect)"}


def test_the_evidence_of_a_category_from_a_record_type_names_the_record_type_and_the_describe():
    made = activity_over("Account", record_types=(account_types("Prospect"),))

    [prospects] = made.consumer_categories
    record_type_evidence = [each for each in prospects.evidence if each.path[0] == f"sobject:{ORG}:Account"]
    assert [(each.path, each.artefact) for each in record_type_evidence] == [
        ((f"sobject:{ORG}:Account", "record type Prospect"), "describe:Account")]


def test_a_record_type_whose_name_does_not_say_leaves_the_objects_own_category():
    made = activity_over("Account", record_types=(account_types("BankingAccount", "Organization"),))

    assert set(categories(made)) == {"customers", "business contacts (people acting for an organisation)"}
    assert categories(made)["customers"] == "records of Account"


def test_an_object_without_record_types_is_categorised_by_its_name_alone():
    made = activity_over("Lead", record_types=(account_types("Prospect"),))

    assert categories(made) == {"prospects": "records of Lead"}


def test_the_fields_no_purpose_reaches_are_categorised_by_record_type_too():
    facts = ProcessingFacts(name="Account servicing", purposes=(purpose("Account servicing"),), integrations=(SYNC,),
                            fields=(), systems=())
    made = generate([facts], [field("Account", "Name")], "acme", (account_types("Employee"),))

    assert categories(made[-1]) == {"employees": "records of Account (record type Employee)"}


def test_a_financial_services_activity_over_employees_records_says_their_data_stays_under_the_ccpa():
    contact_types = ObjectFact(sobject_key=f"sobject:{ORG}:Contact", sobject="Contact", names=("Employee",),
                                   evidence="describe:Contact")

    made = activity_over("Contact", record_types=(contact_types,))

    assert made.regime.value == GLBA
    assert "its data about employees stays under the CCPA" in made.regime.reason

"""Field classification: CCPA categories and CPRA sensitive personal information."""

from __future__ import annotations

import pytest

from harvesters.classification import CcpaCategory, classify_field


@pytest.mark.parametrize(("sobject", "name", "label", "field_type"), [
    ("Contact", "SSN__c", "Social Security Number", "encryptedstring"),
    ("Loan_Application__c", "Tax_Id__c", "Tax ID", "string"),
    ("Contact", "Drivers_License_Number__c", "Driver's License", "string"),
    ("FinServ__Card__c", "FinServ__CardNumber__c", "Card Number", "string"),
    ("Contact", "Race__c", "Race", "picklist"),
    ("Contact", "Home_Latitude__c", "Latitude", "double"),
])
def test_government_ids_cards_race_and_precise_location_are_sensitive(sobject, name, label, field_type):
    assert classify_field(sobject, name, label, field_type).sensitive is True


def test_an_account_number_is_a_customer_record_but_not_sensitive_on_its_own():
    result = classify_field("FinServ__FinancialAccount__c", "FinServ__FinancialAccountNumber__c", "Account Number",
                            "string")
    assert (result.category, result.sensitive) == (CcpaCategory.CUSTOMER_RECORDS, False)


def test_contact_details_are_identifiers_by_name_or_by_type():
    assert classify_field("Contact", "Email", "Email", "email").category is CcpaCategory.IDENTIFIERS
    assert classify_field("Lead", "Preferred__c", "Preferred", "phone").category is CcpaCategory.IDENTIFIERS


def test_a_compound_part_is_read_with_its_parents_name():
    result = classify_field("Contact", "MailingState", "Mailing State/Province", "string",
                            compound_parent="MailingAddress")
    assert result.category is CcpaCategory.IDENTIFIERS


def test_name_is_personal_only_on_objects_whose_records_are_people():
    assert classify_field("Contact", "Name", "Full Name", "string").category is CcpaCategory.IDENTIFIERS
    assert classify_field("Opportunity", "Name", "Name", "string").category is None


def test_the_orgs_compliance_tags_classify_what_no_rule_recognises():
    result = classify_field("Custom__c", "Notes__c", "Notes", "textarea", ("PII",))
    assert result.category is CcpaCategory.IDENTIFIERS
    assert "ComplianceGroup" in result.rule


def test_system_fields_stay_unclassified():
    assert classify_field("Contact", "CreatedDate", "Created Date", "datetime").category is None
    assert classify_field("Contact", "IsDeleted", "Deleted", "boolean").category is None

"""Sensitive matters a field's name does not say: its description and help text, its picklist values, the object
it is on and the object it looks up. Every case here is invented (realistic names, none from the labelled set in
benchmarks/), negatives included, with the part of Cal. Civ. Code §1798.140 that decides it."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.classification import load_labels, of_sources
from harvesters.classification import CcpaCategory, FieldText, classify_field
from harvesters.schema import describe_records
from lineage import FieldRecord

ORG = "00D000000000001AAA"


def field(name: str, label: str, field_type: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": field_type, "custom": name.endswith("__c"), "referenceTo": [],
            "compoundFieldName": None, **extra}


def lookup(name: str, label: str, target: str) -> dict[str, Any]:
    return field(name, label, "reference", referenceTo=[target])


def fields_of(name: str, label: str, *fields: dict[str, Any]) -> dict[str, FieldRecord]:
    nodes, _ = describe_records(ORG, {"name": name, "label": label, "custom": True, "fields": list(fields)}, {})
    return {node.name: node for node in nodes if isinstance(node, FieldRecord)}


def described(description: str = "", help_text: str = "", sobject: str = "Contact", name: str = "Reference__c",
              label: str = "Reference") -> Any:
    return classify_field(sobject, name, label, "string", text=FieldText(description=description,
                                                                           help_text=help_text))


# §1798.140(ae)(1)(D): immigration status; (ae)(1)(A): government identifiers; (ae)(2)(B): health;
# (ae)(2)(C): sexual orientation. A description naming the matter says what the field holds when its name is a code.
@pytest.mark.parametrize(("description", "help_text", "category"), [
    ("Number printed on the student's Biometric Residence Permit.", "", CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("", "Enter the reference of the certificate of sponsorship issued to the employee.",
     CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("Date the employee's green card was issued", "", CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("Weekly hours allowed under their visa.", "", CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("Customer's Social Security Number, used for credit checks", "", CcpaCategory.IDENTIFIERS),
    ("ICD-10 code of the member's primary diagnosis.", "", CcpaCategory.CUSTOMER_RECORDS),
    ("", "Date the volunteer was vaccinated against influenza", CcpaCategory.CUSTOMER_RECORDS),
    ("Sexual orientation as self-reported on the intake form", "", CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("", "Yes/No: disability declared by the member", CcpaCategory.CUSTOMER_RECORDS),  # "No" is an answer
])
def test_a_description_or_help_text_naming_a_sensitive_matter_makes_a_field_about_a_person_sensitive(
        description, help_text, category):
    result = described(description, help_text)
    assert (result.category, result.sensitive) == (category, True), result.rule
    assert (result.sensitivity_rule or "").startswith("described_matter:")


# Weak words name a neighbouring subject, not the matter (§1798.140(ae) lists the matters themselves); a negation
# just before the matter says the field is not it; a Visa card is a payment brand, not an immigration document.
@pytest.mark.parametrize(("description", "help_text"), [
    ("Internal membership number, not the Social Security Number.", ""),
    ("", "Do not store the SSN here; use the encrypted field."),
    ("Never enter a passport number in this field", ""),
    ("Last four digits of the customer's Visa card", ""),
    ("Whether the customer pays by Visa or Mastercard", ""),
    ("Date of the immigration compliance audit of the supplier", ""),
    ("Overall health score of the customer relationship", ""),
    ("Race to the top campaign code", ""),
    ("Biometric login enabled on the mobile app", ""),
])
def test_weak_words_negated_matters_and_card_brands_in_a_description_are_not_sensitive(description, help_text):
    result = described(description, help_text)
    assert result.sensitive is False, result.sensitivity_rule


def test_a_description_is_not_read_on_an_object_whose_records_are_not_about_people():
    # §1798.140(v): information is personal when it is about a consumer; a custom setting holds none.
    result = described("Where the customer's Social Security Number is stored", sobject="Payroll_Settings__mdt")
    assert result.sensitive is False


def test_a_description_does_not_overturn_a_rule_that_decided_by_law_a_field_is_not_sensitive():
    # (ae)(1)(A) names identity document numbers: a passport's expiry date is personal, not sensitive.
    result = classify_field("Contact", "Passport_Expiry__c", "Passport Expiry", "date",
                            text=FieldText(description="Expiry of the passport; the passport number is elsewhere"))
    assert (result.category, result.sensitive) == (CcpaCategory.IDENTIFIERS, False)


# (ae)(2)(B), (ae)(1)(D), (ae)(2)(C): a value that names a health or immigration status, a religion or an
# orientation is disclosed by every record that holds it, whatever the field is called — inactive values included,
# since old records keep them.
@pytest.mark.parametrize("values", [
    ("Available", "Self-isolating", "Off shift"),
    ("Open", "Closed", "COVID-19 positive"),
    ("U.S. citizen", "Permanent resident", "Refugee"),
    ("Prefer not to say", "Gay", "Lesbian", "Bisexual"),
])
def test_picklist_values_naming_a_health_or_immigration_status_make_a_field_whose_name_says_nothing_sensitive(
        values):
    result = classify_field("Contact", "Availability__c", "Availability", "picklist",
                            text=FieldText(picklist_values=values))
    assert result.sensitive is True, result.rule
    assert (result.sensitivity_rule or "").startswith("picklist_value:")


def test_an_inactive_picklist_value_is_read_because_old_records_still_hold_it():
    values = [{"value": "Working", "label": "Working", "active": True},
              {"value": "Hospitalised COVID", "label": "Hospitalised COVID", "active": False}]
    fields = fields_of("Volunteer_Shift__c", "Volunteer Shift", lookup("Volunteer__c", "Volunteer", "Contact"),
                       field("Shift_Status__c", "Shift Status", "picklist", picklistValues=values))
    assert fields["Shift_Status__c"].sensitive is True
    assert fields["Shift_Status__c"].picklist_values == ("Working",)  # what the field node shows: active values


@pytest.mark.parametrize(("name", "label", "values"), [
    ("Department__c", "Department", ("HIV Clinic", "Cardiology")),  # a job's department: employment (v)(1)(I)
    ("Availability__c", "Availability", ("Active", "Inactive", "On hold")),
    ("Availability__c", "Availability", ("Internal Medicine", "Emergency Medicine")),
    ("Portal_Access__c", "Portal Access", ("Enabled", "Disabled")),  # a setting, not a disability
    ("Sync_Outcome__c", "Sync Outcome", ("Synced", "Quarantined")),  # a held record, not a person in quarantine
])
def test_picklist_values_are_read_only_when_the_name_says_nothing_and_only_for_named_statuses(name, label, values):
    result = classify_field("Contact", name, label, "picklist", text=FieldText(picklist_values=values))
    assert result.sensitive is False, result.sensitivity_rule


def immigration_case() -> dict[str, FieldRecord]:
    return fields_of(
        "Immigration_Case__c", "Immigration Case", field("Id", "Record ID", "id"),
        field("Name", "Case Number", autoNumber=True), field("CreatedDate", "Created Date", "datetime"),
        lookup("OwnerId", "Owner ID", "User"), lookup("Applicant__c", "Applicant", "Contact"),
        field("Filing_Date__c", "Filing Date", "date"), lookup("Law_Firm__c", "Law Firm", "Account"),
        field("Stage__c", "Stage", "picklist"))


def test_every_field_but_system_fields_of_an_object_about_a_persons_immigration_case_is_sensitive():
    # (ae)(1)(D): a record of a person's immigration case discloses their immigration status in every field.
    fields = immigration_case()
    assert {name for name, record in fields.items() if record.sensitive} == {
        "Applicant__c", "Filing_Date__c", "Law_Firm__c", "Stage__c"}
    assert fields["Filing_Date__c"].ccpa_category == CcpaCategory.PROTECTED_CHARACTERISTICS.value
    assert (fields["Filing_Date__c"].sensitivity_rule or "").startswith("object_matter:")


def test_every_field_of_a_persons_medical_condition_record_is_health_information():
    # (ae)(2)(B): personal information collected and analysed concerning a consumer's health.
    fields = fields_of("Medical_Condition__c", "Medical Condition", lookup("Patient__c", "Patient", "Contact"),
                       field("Onset_Date__c", "Onset Date", "date"), field("Severity__c", "Severity", "picklist"))
    assert all(record.sensitive for record in fields.values())
    assert fields["Severity__c"].ccpa_category == CcpaCategory.CUSTOMER_RECORDS.value


def test_objects_named_for_a_card_brand_or_not_about_a_person_are_not_sensitive_by_their_name():
    card = fields_of("Visa_Card__c", "Visa Card", lookup("Holder__c", "Holder", "Contact"),
                     field("Expiry__c", "Expiry", "date"))
    catalogue = fields_of("Visa_Category__c", "Visa Category", field("Code__c", "Code"),
                          field("Max_Stay_Days__c", "Maximum Stay (days)", "double"))
    assert [name for name, record in {**card, **catalogue}.items() if record.sensitive] == []


def test_a_lookup_to_a_record_of_a_sensitive_matter_is_sensitive_and_a_lookup_to_a_card_is_not():
    # (ae)(1)(D): the link from a person to their visa record says they hold a visa.
    fields = fields_of("Contact", "Contact", lookup("Current_Visa__c", "Current Visa", "Visa__c"),
                       lookup("Preferred_Card__c", "Preferred Card", "Visa_Card__c"))
    assert fields["Current_Visa__c"].sensitive is True
    assert (fields["Current_Visa__c"].sensitivity_rule or "").startswith("lookup_matter:")
    assert fields["Preferred_Card__c"].sensitive is False


def test_an_id_on_a_person_is_their_identifier_and_a_right_to_work_check_is_employment_information():
    # (v)(1)(A) and (aj): a number another system gives the person; (v)(1)(I): the employer's check of a hire.
    assert classify_field("Contact", "Badge_ID__c", "Badge ID", "string").category is CcpaCategory.IDENTIFIERS
    assert classify_field("Product2", "Badge_ID__c", "Badge ID", "string").category is None
    check = classify_field("Contact", "Right_To_Work_Verified__c", "Right to Work Verified", "boolean")
    assert (check.category, check.sensitive) == (CcpaCategory.PROFESSIONAL, False)


def test_a_held_out_source_is_measured_alone_and_a_misspelt_source_is_refused_by_name():
    labels = load_labels()
    held_out = of_sources(labels, ["eda:Attendance_Event__c.object"], [])
    assert len(held_out) == 11
    assert {label.source for label in held_out} == {"eda:Attendance_Event__c.object"}
    assert len(of_sources(labels, [], ["eda:Attendance_Event__c.object"])) == len(labels) - len(held_out)
    with pytest.raises(ValueError, match=r"eda:Attendance_Event\.object"):
        of_sources(labels, ["eda:Attendance_Event.object"], [])


def test_accessibility_needs_and_adjustments_of_a_person_are_health_but_a_venues_accessibility_is_not():
    # (ae)(2)(B): a person's need for an accessible seat, an interpreter or an adjustment discloses a disability.
    attendee = fields_of("Webinar_Attendee__c", "Webinar Attendee", lookup("Attendee__c", "Attendee", "Contact"),
                         field("Special_Needs__c", "Special Needs", "textarea"),
                         field("Adjustments__c", "Adjustments", "textarea",
                               inlineHelpText="Any reasonable adjustments the attendee asked for"))
    venue = fields_of("Venue__c", "Venue", field("Accessibility_Needs_Met__c", "Accessibility Needs Met", "boolean"))
    assert (attendee["Special_Needs__c"].sensitive, attendee["Adjustments__c"].sensitive) == (True, True)
    assert venue["Accessibility_Needs_Met__c"].sensitive is False

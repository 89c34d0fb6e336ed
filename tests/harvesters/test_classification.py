"""Field classification: CCPA categories and CPRA sensitive personal information, with the rule that decided."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.classification import classified_fields, load_labels, metadata_describe, scores, wilson_interval
from harvesters.classification import CcpaCategory, Context, classify_field, object_context, words_of
from harvesters.schema import describe_records
from lineage import FieldRecord

SHARED = Path(os.environ.get("RECORDKEEPER_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
DESCRIBES = SHARED / "salesforce" / "describe"
ORG = "00D000000000001AAA"


def fields_of(describe: dict[str, Any]) -> dict[str, FieldRecord]:
    nodes, _ = describe_records(ORG, describe, {})
    return {node.name: node for node in nodes if isinstance(node, FieldRecord)}


def real(name: str) -> dict[str, FieldRecord]:
    describe: dict[str, Any] = json.loads((DESCRIBES / f"{name}.json").read_text())
    return fields_of(describe)


def field(name: str, label: str, field_type: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": field_type, "custom": name.endswith("__c"), "referenceTo": [],
            "compoundFieldName": None, **extra}


def lookup(name: str, label: str, *targets: str) -> dict[str, Any]:
    return field(name, label, "reference", referenceTo=list(targets))


# The standard Asset object as Salesforce describes it (a customer's product), abridged.
ASSET = {"name": "Asset", "label": "Asset", "custom": False, "fields": [
    field("Id", "Asset ID", "id"), lookup("ContactId", "Contact ID", "Contact"),
    lookup("AccountId", "Account ID", "Account"), lookup("ParentId", "Parent Asset ID", "Asset"),
    lookup("RootAssetId", "Root Asset ID", "Asset"), field("Name", "Asset Name"),
    field("SerialNumber", "Serial Number"), field("Status", "Status", "picklist")]}


@pytest.mark.parametrize(("sobject", "name", "label", "field_type"), [
    ("Contact", "SSN__c", "Social Security Number", "encryptedstring"),
    ("Loan_Application__c", "Tax_Id__c", "Tax ID", "string"),
    ("Contact", "Drivers_License_Number__c", "Driver's License", "string"),
    ("FinServ__Card__c", "FinServ__CVV__c", "Card Security Code", "string"),
    ("Contact", "Race__c", "Race", "picklist"),
    ("Contact", "Citizenship_Status__c", "Citizenship Status", "picklist"),
    ("Contact", "Home_Latitude__c", "Latitude", "double"),
])
def test_government_ids_credentials_origin_and_precise_location_are_sensitive(sobject, name, label, field_type):
    assert classify_field(sobject, name, label, field_type).sensitive is True


def test_a_card_number_is_a_customer_record_but_not_sensitive_without_its_access_code():
    result = classify_field("FinServ__Card__c", "FinServ__CardNumber__c", "Card Number", "string")
    assert (result.category, result.sensitive) == (CcpaCategory.CUSTOMER_RECORDS, False)


def test_an_account_number_is_a_customer_record_but_not_sensitive_on_its_own():
    result = classify_field("FinServ__FinancialAccount__c", "FinServ__FinancialAccountNumber__c", "Account Number",
                            "string")
    assert (result.category, result.sensitive) == (CcpaCategory.CUSTOMER_RECORDS, False)


@pytest.mark.parametrize(("name", "label", "category", "sensitive"), [
    ("Contact_PIN__c", "Contact PIN", CcpaCategory.CUSTOMER_RECORDS, True),
    ("Member_DOB__c", "Member DOB", CcpaCategory.PROTECTED_CHARACTERISTICS, False),
    ("Applicant_Age__c", "Applicant Age", CcpaCategory.PROTECTED_CHARACTERISTICS, False),
    ("Customer_Sex__c", "Customer Sex", CcpaCategory.PROTECTED_CHARACTERISTICS, False),
])
def test_words_joined_by_underscores_in_names_and_labels_are_matched_as_words(name, label, category, sensitive):
    result = classify_field("Contact", name, label, "string")
    assert (result.category, result.sensitive) == (category, sensitive), result.rule


@pytest.mark.parametrize(("name", "label"), [
    ("Waiting_On_Customer__c", "Waiting on Customer"), ("Editing_Locked__c", "Editing Locked"),
    ("Visiting_Hours__c", "Visiting Hours"),
])
def test_itin_is_a_word_not_a_fragment_of_waiting_editing_or_visiting(name, label):
    result = classify_field("Case", name, label, "string")
    assert (result.category, result.sensitive) == (None, False), result.rule


def test_the_asset_objects_name_does_not_make_its_id_name_and_parent_financial_information():
    fields = fields_of(ASSET)
    assert {name: fields[name].ccpa_category for name in ("Id", "Name", "ParentId", "RootAssetId")} == {
        "Id": None, "Name": None, "ParentId": None, "RootAssetId": None}
    assert fields["ContactId"].ccpa_category == CcpaCategory.IDENTIFIERS.value


def test_geocode_accuracy_fields_are_not_identifiers():
    contact, lead = real("Contact"), real("Lead")
    for record in (contact["MailingGeocodeAccuracy"], contact["OtherGeocodeAccuracy"], lead["GeocodeAccuracy"]):
        assert (record.ccpa_category, record.sensitive) == (None, False), record.classification_rule


@pytest.mark.parametrize(("describe", "name"), [
    ("Contact", "MailingLatitude"), ("Contact", "OtherLongitude"), ("Lead", "Latitude"),
    ("Account_PersonAccount", "BillingLongitude"), ("Account_PersonAccount", "PersonMailingLatitude"),
])
def test_coordinates_geocoded_from_a_postal_address_are_the_address_not_precise_geolocation(describe, name):
    record = real(describe)[name]
    assert (record.ccpa_category, record.sensitive) == (CcpaCategory.IDENTIFIERS.value, False)
    assert "1798.140(w)" in (record.classification_rule or "")


def test_the_kyc_identity_document_number_is_sensitive_and_its_type_is_not():
    number = classify_field("KYC_Check__c", "Id_Document_Number__c", "ID Document Number", "string",
                            ("PII", "GLBA", "CCPA"))
    kind = classify_field("KYC_Check__c", "Id_Document_Type__c", "ID Document Type", "picklist")
    assert (number.category, number.sensitive) == (CcpaCategory.IDENTIFIERS, True)
    assert "§1798.140(ae)(1)(A)" in (number.sensitivity_rule or "")
    assert (kind.category, kind.sensitive) == (CcpaCategory.IDENTIFIERS, False)


def test_a_business_accounts_contact_details_are_not_personal_but_a_person_accounts_are():
    business, person = real("Account"), real("Account_PersonAccount")
    for name in ("Phone", "BillingStreet", "BillingAddress", "Name"):
        assert business[name].ccpa_category is None, business[name].classification_rule
        assert person[name].ccpa_category == CcpaCategory.IDENTIFIERS.value, person[name].classification_rule
    assert business["Primary_Contact__c"].ccpa_category == CcpaCategory.IDENTIFIERS.value


def test_the_object_context_says_whose_records_an_object_holds():
    def context(name: str) -> Context:
        return object_context(json.loads((DESCRIBES / f"{name}.json").read_text())).context

    assert context("Contact") is Context.PERSON
    assert context("Account_PersonAccount") is Context.PERSON
    assert context("Account") is Context.ORGANISATION  # `switchablepersonname` on Name alone is every Account's
    assert context("Case") is Context.ABOUT_PEOPLE
    assert context("Custom__c") is Context.CONFIGURATION  # a custom setting
    assert object_context(ASSET).context is Context.ABOUT_PEOPLE


def test_a_custom_object_looking_up_a_contact_makes_its_phone_personal_and_a_setting_does_not():
    enrolment = {"name": "Enrolment__c", "label": "Enrolment", "fields": [
        lookup("Student__c", "Student", "Contact"), field("Phone__c", "Phone"), field("Notes__c", "Notes", "textarea")]}
    setting = {"name": "Dialer_Settings__c", "label": "Dialer Settings", "customSetting": True, "fields": [
        field("Phone__c", "Phone"), field("Support_Email__c", "Support Email", "email")]}
    enrolled, configured = fields_of(enrolment), fields_of(setting)
    assert enrolled["Phone__c"].ccpa_category == CcpaCategory.IDENTIFIERS.value
    assert enrolled["Notes__c"].ccpa_category is not None
    assert (configured["Phone__c"].ccpa_category, configured["Support_Email__c"].ccpa_category) == (None, None)


def test_an_opt_out_of_geolocation_tracking_is_a_choice_not_a_location():
    result = classify_field("Individual", "HasOptedOutGeoTracking", "Block Geolocation Tracking", "boolean")
    assert (result.category, result.sensitive) == (CcpaCategory.OTHER, False)


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
    assert result.category is CcpaCategory.OTHER
    assert "compliance group PII" in result.rule


def test_system_fields_stay_unclassified():
    assert classify_field("Contact", "CreatedDate", "Created Date", "datetime").category is None
    assert classify_field("Contact", "IsDeleted", "Deleted", "boolean").category is None
    assert classify_field("Contact", "CreatedById", "Created By ID", "reference", references=("User",)).category is None


def test_the_rule_names_the_word_that_matched_and_the_law_it_applies():
    result = classify_field("Loan_Application__c", "Applicant_SSN__c", "Applicant SSN", "string")
    assert result.rule.startswith("government_id: name word `ssn`")
    assert "§1798.140(ae)(1)(A)" in result.rule
    assert result.sensitivity_rule == result.rule


def test_a_field_that_is_not_sensitive_has_no_sensitivity_rule():
    result = classify_field("Contact", "Email", "Email", "email")
    assert (result.sensitive, result.sensitivity_rule) == (False, None)
    assert result.rule.startswith("email_address:")


def test_a_health_compliance_group_makes_a_field_sensitive_and_says_so_apart_from_its_category():
    result = classify_field("Contact", "Notes__c", "Notes", "textarea", ("HIPAA",))
    assert (result.category, result.sensitive) == (CcpaCategory.OTHER, True)
    assert result.rule.startswith("free_text:")
    assert result.sensitivity_rule is not None
    assert result.sensitivity_rule.startswith("compliance_group: Salesforce compliance group HIPAA")


def test_names_and_labels_are_split_into_words():
    assert words_of("FinServ__AccountNumber__c") == ["account", "number"]
    assert words_of("Birth_dob__c") == ["birth", "dob"]
    assert words_of("npsp__HHId__pc") == ["hh", "id"]
    assert words_of("Driver's License") == ["drivers", "license"]
    assert words_of("PersonMailingGeocodeAccuracy") == ["person", "mailing", "geocode", "accuracy"]


def test_the_labelled_set_has_at_least_300_fields_each_with_a_reason():
    labels = load_labels()
    assert len(labels) >= 300
    assert all(label.reason.strip() for label in labels)
    assert len({(label.source, label.sobject, label.field) for label in labels}) == len(labels)
    assert {label.source for label in labels} >= {"demo", "shared:Contact.json", "shared:Account_PersonAccount.json",
                                                  "cumulusci:Event.json"}


def test_the_sensitive_figure_rests_on_at_least_30_positives_from_three_independent_packages():
    sensitive = [label for label in load_labels() if label.sensitive]
    assert len(sensitive) >= 30
    assert {label.source for label in sensitive} >= {"eda:Contact.object", "tts:Contact.object",
                                                     "tractionthrive:Contact.object"}
    assert all(label.personal for label in sensitive)


def test_every_labelled_field_is_in_its_payload_including_the_payloads_kept_under_benchmarks_data():
    labels = load_labels()
    records = classified_fields(labels)
    assert [label for label in labels if (label.source, label.sobject, label.field) not in records] == []


def test_a_figure_resting_on_three_positives_has_a_wide_confidence_interval():
    three = scores([(True, True)] * 3 + [(False, False)] * 500)
    assert (three["precision"], three["recall"]) == (1.0, 1.0)
    assert three["recall_95"] == [0.4385, 1.0]
    assert wilson_interval(358, 371) == [0.941, 0.9794]
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(("name", "label"), [
    ("Passport_Expiration_Date__c", "Passport Expiration Date"),
    ("Passport_Issuing_Country__c", "Passport Issuing Country"),
    ("Drivers_License_State__c", "Driver's License State"),
    ("Driver_License_Issue_Date__c", "Driver License Issue Date"),
    ("Tax_Id_Type__c", "Tax ID Type"),
])
def test_the_kind_issuer_state_or_dates_of_an_identity_document_are_personal_but_only_its_number_is_sensitive(
        name, label):
    result = classify_field("Contact", name, label, "string")
    assert (result.category, result.sensitive) == (CcpaCategory.IDENTIFIERS, False), result.rule
    assert classify_field("Contact", "Passport_Number__c", "Passport Number", "string").sensitive is True


@pytest.mark.parametrize(("name", "label", "category"), [
    ("Hispanic_Latino__c", "Hispanic or Latino", CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("Visa_Type__c", "Visa Type", CcpaCategory.PROTECTED_CHARACTERISTICS),
    ("Blood_Type__c", "Blood Type", CcpaCategory.CUSTOMER_RECORDS),
    ("MRN__c", "MRN", CcpaCategory.CUSTOMER_RECORDS),
    ("National_Insurance_Number__c", "National Insurance Number", CcpaCategory.IDENTIFIERS),
])
def test_ethnicity_immigration_health_and_national_ids_said_in_other_words_are_sensitive(name, label, category):
    result = classify_field("Contact", name, label, "string")
    assert (result.category, result.sensitive) == (category, True), result.rule


def test_a_visa_card_is_not_an_immigration_status():
    result = classify_field("Contact", "Visa_Card_Number__c", "Visa Card Number", "string")
    assert (result.category, result.sensitive) == (CcpaCategory.CUSTOMER_RECORDS, False), result.rule


def test_a_recurring_donors_sustainer_status_is_their_giving_history():
    result = real("Account_PersonAccount")["npsp__Sustainer__pc"]
    assert (result.ccpa_category, result.sensitive) == (CcpaCategory.COMMERCIAL.value, False), \
        result.classification_rule


@pytest.mark.parametrize(("name", "label"), [
    ("UpsellOpportunity__c", "Upsell Opportunity"), ("Cross_Sell_Candidate__c", "Cross-Sell Candidate"),
])
def test_an_upsell_or_cross_sell_judgement_on_a_consumer_is_an_inference_about_them(name, label):
    result = classify_field("Contact", name, label, "picklist")
    assert (result.category, result.sensitive) == (CcpaCategory.INFERENCES, False), result.rule


@pytest.mark.parametrize(("name", "label", "field_type"), [
    ("Visa_Number__c", "Visa Number", "string"),
    ("Visa_End_Date__c", "Visa End Date", "date"),
    ("Requires_Visa__c", "Requires Visa", "boolean"),
    ("Work_Authorization__c", "Work Authorization", "boolean"),
    ("Work_Permit_Number__c", "Work Permit Number", "string"),
    ("Residence_Permit_Expiry__c", "Residence Permit Expiry", "date"),
    ("US_SEVIS_ID__c", "US SEVIS ID", "string"),
    ("US_I94_Number__c", "US I-94 Number", "string"),
])
def test_a_persons_visa_permit_or_admission_record_is_their_immigration_status(name, label, field_type):
    """§1798.140(ae)(1)(D): a consumer's citizenship or immigration status is sensitive. A visa, a work or residence
    permit, a SEVIS record or an I-94 admission record exists only for someone who is not a citizen, so any fact
    of it on a person's record (its number, dates, whether one is needed) discloses that status."""
    result = classify_field("Contact", name, label, field_type)
    assert (result.category, result.sensitive) == (CcpaCategory.PROTECTED_CHARACTERISTICS, True), result.rule


def test_whether_a_country_requires_a_visa_is_not_a_persons_immigration_status():
    result = classify_field("Country__c", "Visa_Required__c", "Visa Required", "boolean")
    assert (result.category, result.sensitive) == (None, False), result.rule


@pytest.mark.parametrize(("name", "label", "field_type"), [
    ("HIPAA__c", "HIPAA", "boolean"), ("HIPAA_Detail__c", "HIPAA Detail", "textarea"),
    ("HIPAA_Authorization_Date__c", "HIPAA Authorization Date", "date"),
])
def test_a_field_kept_under_hipaa_on_a_persons_record_is_health_information(name, label, field_type):
    """HIPAA governs individually identifiable health information; a field the org keeps under it (a release, an
    authorisation, the details it restricts) concerns the person's health: §1798.140(ae)(2)(B), as a HIPAA
    compliance group already says."""
    result = classify_field("Contact", name, label, field_type)
    assert (result.category, result.sensitive) == (CcpaCategory.CUSTOMER_RECORDS, True), result.rule


def test_medical_staff_names_a_job_not_a_persons_health():
    """(ae)(2)(B) is information concerning a consumer's health; the category of a hospital's medical staff, or how
    many it has, is employment information about the staff member or none at all."""
    staff = classify_field("Contact", "Medical_Staff_Category__c", "Medical Staff Category", "picklist")
    assert (staff.category, staff.sensitive) == (CcpaCategory.PROFESSIONAL, False), staff.rule
    count = classify_field("Hospital__c", "Medical_Staff_Count__c", "Medical Staff Count", "double")
    assert (count.category, count.sensitive) == (None, False), count.rule
    assert classify_field("Contact", "Medical_Conditions__c", "Medical Conditions", "textarea").sensitive is True


def test_the_county_of_a_persons_address_is_part_of_their_postal_address():
    result = classify_field("Contact", "Other_County__c", "Other County", "string")
    assert (result.category, result.sensitive) == (CcpaCategory.IDENTIFIERS, False), result.rule


@pytest.mark.parametrize(("name", "label"), [
    ("Position__c", "Position"), ("Role_Global__c", "Role"), ("Skills__c", "Competencies"),
    ("Division__c", "Division"),
])
def test_a_persons_position_role_skills_and_division_are_professional_information(name, label):
    """§1798.140(v)(1)(I): professional or employment-related information; on a record that is a person."""
    result = classify_field("Contact", name, label, "picklist")
    assert (result.category, result.sensitive) == (CcpaCategory.PROFESSIONAL, False), result.rule


def test_a_students_financial_aid_and_ferpa_choice_are_personal_but_not_sensitive():
    aid = classify_field("Contact", "Financial_Aid_Applicant__c", "Financial Aid Applicant", "boolean")
    assert (aid.category, aid.sensitive) == (CcpaCategory.CUSTOMER_RECORDS, False), aid.rule
    ferpa = classify_field("Contact", "FERPA__c", "FERPA", "boolean")
    assert (ferpa.category, ferpa.sensitive) == (CcpaCategory.OTHER, False), ferpa.rule


METADATA_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>Incident</label>
    <fields>
        <fullName>Where__c</fullName><label>Where</label><type>Location</type>
        <description>Where the phone was when the claim was filed</description>
        <complianceGroup>PII;GDPR</complianceGroup>
    </fields>
    <fields>
        <fullName>Claimant__c</fullName><label>Claimant</label><type>Lookup</type><referenceTo>Contact</referenceTo>
    </fields>
    <fields>
        <fullName>Stage__c</fullName><label>Stage</label><type>Picklist</type>
        <valueSet><valueSetDefinition>
            <value><fullName>Open</fullName><label>Open</label></value>
            <value><fullName>Old</fullName><isActive>false</isActive><label>Old</label></value>
        </valueSetDefinition></valueSet>
    </fields>
</CustomObject>
"""


def test_a_metadata_file_becomes_the_describe_and_field_definitions_an_org_answers(tmp_path):
    path = tmp_path / "Incident__c.object"
    path.write_text(METADATA_FILE, encoding="utf-8")
    describe, definitions = metadata_describe(path)
    fields = {raw["name"]: raw for raw in describe["fields"]}
    assert (describe["name"], describe["label"], describe["custom"]) == ("Incident__c", "Incident", True)
    assert [(name, raw["type"], raw["compoundFieldName"]) for name, raw in fields.items()] == [
        ("Where__c", "location", None), ("Where__Latitude__s", "double", "Where__c"),
        ("Where__Longitude__s", "double", "Where__c"), ("Claimant__c", "reference", None),
        ("Stage__c", "picklist", None)]
    assert fields["Claimant__c"]["referenceTo"] == ["Contact"]
    assert [value["active"] for value in fields["Stage__c"]["picklistValues"]] == [True, False]
    assert definitions["Where__c"].compliance_groups == ("PII", "GDPR")
    assert definitions["Where__c"].description == "Where the phone was when the claim was filed"


def test_a_metadata_field_of_a_type_a_describe_does_not_have_is_refused_naming_it(tmp_path):
    path = tmp_path / "Bad__c.object"
    path.write_text(METADATA_FILE.replace("<type>Picklist</type>", "<type>Hologram</type>"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"Bad__c\.object: field Stage__c has type 'Hologram'"):
        metadata_describe(path)

"""What a field's name does not say but the record it is on does: on a custom object whose records are about one
person, its dates, choices, free text and links are that person's; on a record that is a person, its custom dates
and free text are. Every case is invented (realistic names, none from the labelled set in benchmarks/), negatives
included, with the part of Cal. Civ. Code §1798.140 that decides it."""

from __future__ import annotations

from harvesters.classification import CcpaCategory
from lineage import FieldRecord
from tests.harvesters.test_classification_matters import field, fields_of, lookup

OTHER = CcpaCategory.OTHER.value


def mentoring_session(*fields: dict[str, object]) -> dict[str, FieldRecord]:
    """A custom object an organisation made to keep one mentee's sessions: its records are about that person."""
    return fields_of("Mentoring_Session__c", "Mentoring Session", lookup("Mentee__c", "Mentee", "Contact"), *fields)


# §1798.140(v)(1): information that describes or relates to a consumer — when a person met their mentor, what came
# of it, whether they turned up and what was written about it are facts of that person, whatever the field is called.
def test_the_dates_choices_yes_no_facts_and_free_text_of_a_custom_object_about_a_person_are_that_persons():
    fields = mentoring_session(field("Session_Date__c", "Session Date", "date"),
                               field("Arrived__c", "Arrived", "time"),
                               field("Outcome__c", "Outcome", "picklist"),
                               field("Topics__c", "Topics", "multipicklist"),
                               field("Missed__c", "Missed", "boolean"),
                               field("Summary__c", "Summary", "textarea"))
    for name in ("Session_Date__c", "Arrived__c", "Outcome__c", "Topics__c", "Missed__c", "Summary__c"):
        assert fields[name].ccpa_category == OTHER, fields[name].classification_rule
        assert (fields[name].classification_rule or "").startswith("persons_record:")
        assert "Mentoring_Session__c" in (fields[name].classification_rule or "")


def test_a_custom_lookup_on_a_record_about_a_person_links_them_to_what_they_did_but_a_lookup_to_staff_does_not():
    fields = mentoring_session(lookup("Programme__c", "Programme", "Mentoring_Programme__c"),
                               lookup("Mentor_User__c", "Mentor User", "User"))
    assert fields["Programme__c"].ccpa_category == OTHER
    assert (fields["Programme__c"].classification_rule or "").startswith("own_record_link:")
    assert fields["Mentor_User__c"].ccpa_category is None  # a user is staff, classified on User


def test_a_date_on_which_a_system_synced_matched_or_checked_the_record_is_a_stamp_not_an_event_of_the_person():
    fields = mentoring_session(field("Last_Synced__c", "Last Synced", "datetime"),
                               field("Reviewed_At__c", "Reviewed At", "datetime"),
                               field("Imported_Date__c", "Imported Date", "date"))
    for name in ("Last_Synced__c", "Reviewed_At__c", "Imported_Date__c"):
        assert fields[name].ccpa_category is None, name
        assert (fields[name].classification_rule or "").startswith("system_stamp:")


def test_numbers_short_text_and_standard_fields_of_a_record_about_a_person_are_left_to_their_words():
    fields = mentoring_session(field("Duration_Minutes__c", "Duration Minutes", "double"),
                               field("Room__c", "Room", "string"), field("Name", "Session Number", "string"))
    assert [fields[name].ccpa_category for name in ("Duration_Minutes__c", "Room__c", "Name")] == [None, None, None]


def test_an_object_with_no_link_to_a_person_gives_its_dates_and_choices_no_owner():
    fields = fields_of("Warehouse_Shift__c", "Warehouse Shift", field("Shift_Date__c", "Shift Date", "date"),
                       field("Outcome__c", "Outcome", "picklist"))
    assert fields["Shift_Date__c"].ccpa_category is None
    assert fields["Outcome__c"].ccpa_category is None


def test_a_standard_objects_own_process_fields_are_not_made_personal_by_its_link_to_a_person():
    # An Opportunity or Case is the business's process (a follow-up date, a stage): read by their words, not by context.
    nodes = fields_of("Opportunity", "Opportunity", lookup("ContactId", "Contact ID", "Contact"),
                      field("Follow_Up_Date__c", "Follow-up Date", "date"),
                      field("Forecast__c", "Forecast", "picklist"))
    assert nodes["Follow_Up_Date__c"].ccpa_category is None
    assert nodes["Forecast__c"].ccpa_category is None


def test_a_custom_date_or_free_text_on_a_person_is_theirs_but_a_custom_choice_may_be_configuration():
    # On Contact, custom picklists are as often an app's settings (NPSP's household naming) as facts of the person.
    nodes = fields_of("Contact", "Contact", field("FirstName", "First Name", extraTypeInfo="personname"),
                      field("Graduation_Date__c", "Graduation Date", "date"),
                      field("Intake_Summary__c", "Intake Summary", "textarea"),
                      field("Processing_Mode__c", "Processing Mode", "picklist"))
    assert nodes["Graduation_Date__c"].ccpa_category == OTHER
    assert nodes["Intake_Summary__c"].ccpa_category == OTHER
    assert nodes["Processing_Mode__c"].ccpa_category is None


def test_a_sensitive_matter_of_the_object_decides_the_category_of_a_field_placed_by_context():
    # §1798.140(ae)(2)(B): a date on a record of a person's medical condition is health information, not "other".
    nodes = fields_of("Medical_Condition__c", "Medical Condition", lookup("Patient__c", "Patient", "Contact"),
                      field("Onset_Date__c", "Onset Date", "date"))
    assert (nodes["Onset_Date__c"].ccpa_category, nodes["Onset_Date__c"].sensitive) == (
        CcpaCategory.CUSTOMER_RECORDS.value, True)

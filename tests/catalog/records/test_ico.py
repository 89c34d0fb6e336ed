"""The UK ICO template answered from a record: every question of the template mapped once, each answer's status
following what the record holds (a privacy officer's words, the graph's evidence, or nothing), and the coverage
report counting them per question."""

from __future__ import annotations

import json
from dataclasses import replace

from catalog.records import ico
from catalog.records.activities import Activity
from catalog.records.ico import ANSWERED, NEEDS_INPUT, PARTLY, QUESTIONS, STATUSES, answer, coverage, question
from salesforce_simulator.definition import shared_data_dir
from tests.catalog.records.regulator_records import activity_record, record
from tests.catalog.records.test_activities import activity_of, field, system


def template_questions() -> dict[str, str]:
    template = json.loads((shared_data_dir() / "regulatory" / "uk_ico_ropa_questions.json").read_text())
    return {each["key"]: each["text"] for group in template["groups"] for each in group["questions"]}


def marketing() -> Activity:
    made: Activity = activity_of("Marketing", fields=(field("Contact", "Email", sent_to="system:ads.example"),),
                                 systems=(system("ads.example", "third_party"),))
    return made


def test_the_mapping_answers_every_question_of_the_ico_template_exactly_once():
    keys = [each.key for each in QUESTIONS]

    assert len(keys) == len(set(keys)) == 42
    assert set(keys) == set(template_questions())


def test_every_question_says_in_our_words_where_it_is_answered_from_and_why():
    texts = template_questions()

    for each in QUESTIONS:
        assert each.column
        assert each.column != texts[each.key]
        assert each.answered_from
        assert each.justification
        assert each.section


def test_a_filled_controller_moves_the_controllers_questions_from_needs_input_to_answered():
    row = activity_record(marketing())

    before = {key: answer(question(key), record(row), row) for key in ("ico_1_1", "ico_1_2")}
    after = {key: answer(question(key), record(row, org={"controller": "Acme Bank, 1 Main St, privacy@acme.test"}),
                         row) for key in ("ico_1_1", "ico_1_2")}

    assert {each.status for each in before.values()} == {NEEDS_INPUT}
    assert {each.status for each in after.values()} == {ANSWERED}
    assert after["ico_1_1"].text == "Acme Bank, 1 Main St, privacy@acme.test"


def test_a_filled_joint_controllers_field_moves_its_question_from_needs_input_to_answered():
    empty, filled = activity_record(marketing()), activity_record(marketing(), {"joint_controllers": "None"})

    assert answer(question("ico_1_3"), record(empty), empty).status == NEEDS_INPUT
    assert answer(question("ico_1_3"), record(filled), filled).status == ANSWERED
    assert answer(question("ico_1_6"), record(filled), filled).text == "Controller; joint controllers: None"


def test_retention_stated_only_by_manifests_is_partly_answered_until_a_privacy_officer_states_it():
    from_manifest = activity_record(marketing(), from_graph={"retention": "ads.example: P90D"})
    stated = activity_record(marketing(), {"retention": "Two years after the customer leaves"})

    assert answer(question("ico_6_1"), record(from_manifest), from_manifest).status == PARTLY
    assert answer(question("ico_6_1"), record(stated), stated).status == ANSWERED


def test_a_third_party_recipient_answers_the_sharing_question_with_its_evidence():
    row = activity_record(marketing())

    shared = answer(question("ico_4_2"), record(row), row)

    assert shared.status == ANSWERED
    assert shared.text.startswith("Yes: ads.example (third party, US)")
    assert shared.evidence == row.activity.sold_or_shared[0].evidence


def test_the_legitimate_interests_questions_are_not_applicable_on_another_basis_and_need_input_on_it():
    consent = activity_record(marketing(), from_graph={"legal_basis": "Consent"})
    interests = activity_record(marketing(), {"legal_basis": "Legitimate interests"})

    assert answer(question("ico_8_2"), record(consent), consent).text == "Not applicable: the legal basis is Consent"
    assert answer(question("ico_8_2"), record(interests), interests).status == NEEDS_INPUT
    assert answer(question("ico_12_1"), record(consent), consent).status == NEEDS_INPUT  # where consent is logged


def test_the_coverage_counts_each_questions_answers_over_the_activities():
    rows = (activity_record(marketing()), activity_record(activity_of("Fraud Prevention"), {"joint_controllers": "x"}))
    made = record(*rows)

    report = coverage(made)

    for each in report.questions:
        statuses = [answer(each.question, made, row).status for row in rows]
        assert (each.answered, each.partly, each.needs_input) == tuple(statuses.count(s) for s in STATUSES)
    assert report.total == 42 * 2 == report.answered + report.partly + report.needs_input
    assert next(each for each in report.questions if each.question.key == "ico_1_3").needs_input == 1


def test_the_table_for_an_export_is_plain_text_one_column_per_question_and_one_row_per_activity():
    made = record(activity_record(marketing()), activity_record(activity_of("Fraud Prevention")))

    header, rows = ico.ico_table(made)

    assert header[:2] == ["Org", "Activity"]
    assert header[2:] == [f"{each.key} {each.column}" for each in QUESTIONS]
    assert [row[:2] for row in rows] == [["acme", "Marketing"], ["acme", "Fraud Prevention"]]
    assert all(len(row) == len(header) and all(isinstance(cell, str) and cell for cell in row) for row in rows)
    assert rows[0][2].startswith("needs input")  # nobody named the controller


def test_a_recipients_contract_is_on_file_when_any_manifest_entry_sending_to_it_says_so():
    [sending] = servicing_to("core.example").recipients
    unsigned = replace(sending, value=replace(sending.value, integration="CoreSync", dpa_signed=None))
    row = activity_record(replace(servicing_to("core.example"), recipients=(sending, unsigned)))

    contracts = answer(question("ico_14_1"), record(row), row)

    assert contracts.status == PARTLY
    assert contracts.text.startswith("core.example: contract on file (")


def test_the_categories_of_personal_data_are_named_in_words():
    row = activity_record(marketing())

    assert answer(question("ico_3_2"), record(row), row).text == "Identifiers"


def servicing_to(host: str) -> Activity:
    made: Activity = activity_of("Account servicing", fields=(field("Contact", "Email", sent_to=f"system:{host}"),),
                                 systems=(system(host, "contractor"),))
    [sending] = made.recipients
    return replace(made, recipients=(replace(sending, value=replace(sending.value, dpa_signed=True)),))

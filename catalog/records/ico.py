"""A record of processing activities in the UK ICO controller template's shape: one row per activity, one column per
question of the template (UK GDPR Art. 30 and the ICO's documentation guidance), and a coverage report saying, per
question, how many activities the record answers from evidence, answers in part, or leaves needing input.

How each question is answered is data (`QUESTIONS`): the part of the record it reads, the rule that reads it and why.
A question the graph cannot answer and no privacy officer's field holds is needs input: never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from catalog.classification.models import CATEGORY_CHOICES
from catalog.records.activities import CCPA, GLBA, Evidence, Recipient, Stated
from catalog.records.services import GRAPH, NEEDS_INPUT, PRIVACY_OFFICER, ActivityRecord, RecordOfProcessing, Shown

ANSWERED = "answered"
PARTLY = "partly answered"
STATUSES = (ANSWERED, PARTLY, NEEDS_INPUT)
DISCLOSING_ROLES = frozenset({"service_provider", "contractor"})  # processors, in the UK GDPR's words
LEGITIMATE_INTERESTS = re.compile(r"legitimate\s+interest", re.IGNORECASE)
CONSENT = re.compile(r"consent", re.IGNORECASE)
# CCPA categories whose sensitive fields are UK GDPR special category data (Art. 9(1)) without a privacy officer's call.
SPECIAL_CATEGORY = frozenset({"biometric_information", "protected_characteristics"})
CATEGORY_WORDS = dict(CATEGORY_CHOICES)


@dataclass(frozen=True)
class Answer:
    """One question answered for one activity: how fully, in words, and the evidence behind it."""

    status: str  # ANSWERED, PARTLY or NEEDS_INPUT
    text: str
    evidence: tuple[Evidence, ...] = ()


Rule = Callable[[RecordOfProcessing, ActivityRecord], Answer]


@dataclass(frozen=True)
class Question:
    """A question of the ICO template, the part of the record it is answered from, and why so."""

    key: str  # the template's question key, e.g. ico_1_1
    section: str  # the Article the question belongs to
    column: str  # the column's heading, in our words
    answered_from: str  # where in the record: record.owned.controller, activity.recipients …
    justification: str
    rule: Rule


# --- the rules --------------------------------------------------------------------------------------------------


def _needs_input(why: str) -> Answer:
    return Answer(NEEDS_INPUT, f"needs input: {why}")


def _shown_answer(shown: Shown, graph_status: str = ANSWERED) -> Answer:
    if shown.answered_by == PRIVACY_OFFICER:
        return Answer(ANSWERED, shown.value or "")
    if shown.answered_by == GRAPH:
        return Answer(graph_status, shown.value or "", shown.evidence)
    return _needs_input(f"“{shown.label}” is not filled")


def _owned(shown: Iterable[Shown], name: str) -> Shown:
    return next(each for each in shown if each.name == name)


def org_field(name: str) -> Rule:
    """The record's own field (controller, DPO, representative): a privacy officer's words or needs input."""
    return lambda record, _row: _shown_answer(_owned(record.owned, name))


def activity_field(name: str, graph_status: str = ANSWERED) -> Rule:
    """An activity's human-owned field: a privacy officer's words, the graph's (at `graph_status`), or needs input."""
    return lambda _record, row: _shown_answer(_owned(row.owned, name), graph_status)


def nobody_holds(why: str) -> Rule:
    """No statement of the graph and no human-owned field answers it: needs input until the record holds it."""
    return lambda _record, _row: _needs_input(why)


def _texts(stated: Iterable[Stated[str]]) -> str:
    return "; ".join(dict.fromkeys(each.value for each in stated))


def _categories(stated: Iterable[Stated[str]]) -> str:
    return "; ".join(dict.fromkeys(CATEGORY_WORDS.get(each.value, each.value) for each in stated))


def _proofs(stated: Iterable[Stated[Any]]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(proof for each in stated for proof in each.evidence))


def _listed(stated: tuple[Stated[str], ...], empty: str) -> Answer:
    return Answer(ANSWERED, _texts(stated), _proofs(stated)) if stated else _needs_input(empty)


def _role_of(row: ActivityRecord) -> Answer:
    if row.activity.origin == "unassigned":
        return _needs_input("no purpose is known for these fields")
    joint = _owned(row.owned, "joint_controllers")
    if joint.answered_by == PRIVACY_OFFICER:
        return Answer(ANSWERED, f"Controller; joint controllers: {joint.value}")
    return Answer(PARTLY, "Controller: the purpose is the business's own (whether jointly, a privacy officer says)",
                  _proofs(row.activity.purposes))


def _purposes(row: ActivityRecord) -> Answer:
    return _listed(row.activity.purposes, "no purpose in the graph reaches these fields")


def _data_subjects(row: ActivityRecord) -> Answer:
    categories = row.activity.consumer_categories
    if not categories:
        return _needs_input("the activity reaches no personal field")
    generic = any(each.value == "consumers" for each in categories)  # an object nothing says whose records it holds
    return Answer(PARTLY if generic else ANSWERED, _texts(categories), _proofs(categories))


def _personal_categories(row: ActivityRecord) -> Answer:
    stated = row.activity.personal_categories
    if not stated:
        return _needs_input("the activity reaches no classified personal field")
    return Answer(ANSWERED, _categories(stated), _proofs(stated))


def _special_category(row: ActivityRecord) -> Answer:
    sensitive = row.activity.sensitive_categories
    if not sensitive:
        return Answer(PARTLY, "No sensitive personal information is classified in this activity's fields")
    special = [each for each in sensitive if each.value in SPECIAL_CATEGORY]
    if special:
        return Answer(ANSWERED, f"Yes: {_categories(special)}", _proofs(special))
    return Answer(PARTLY, f"Sensitive personal information (CCPA): {_categories(sensitive)}; whether it is Art. 9 "
                          "or 10 data, a privacy officer says", _proofs(sensitive))


def _sources(row: ActivityRecord) -> Answer:
    return _listed(row.activity.sources, "no system brings this data in: whether the consumer gives it directly, a "
                                         "privacy officer says")


def _recipient_line(each: Recipient) -> str:
    return f"{each.name or each.host} ({(each.role or 'role undeclared').replace('_', ' ')}, {each.country or '?'})"


def _recipients(row: ActivityRecord) -> Answer:
    recipients = row.activity.recipients
    if not recipients:
        return Answer(ANSWERED, "No system outside the org receives it")
    text = "; ".join(dict.fromkeys(_recipient_line(each.value) for each in recipients))
    undeclared = any(each.value.role is None for each in recipients)
    return Answer(PARTLY if undeclared else ANSWERED, text, _proofs(recipients))


def _third_parties(row: ActivityRecord) -> Answer:
    activity = row.activity
    if activity.sold_or_shared:
        hosts = "; ".join(dict.fromkeys(_recipient_line(each.value) for each in activity.sold_or_shared))
        return Answer(ANSWERED, f"Yes: {hosts}", _proofs(activity.sold_or_shared))
    if any(each.value.role is None for each in activity.recipients):
        return Answer(PARTLY, "No declared third party; some recipients' roles are undeclared",
                      _proofs(activity.recipients))
    return Answer(ANSWERED, "No", _proofs(activity.recipients))


def _transfers(row: ActivityRecord) -> Answer:
    activity = row.activity
    if not activity.recipients:
        return Answer(ANSWERED, "No: no system outside the org receives it")
    countries = "; ".join(dict.fromkeys(f"{each.value.name or each.value.host}: {each.value.country or '?'}"
                                        for each in activity.recipients))
    unknown = any(each.value.country is None for each in activity.recipients)
    moved = "Yes" if activity.transfers else "No recipient outside the business's country"
    return Answer(PARTLY if unknown else ANSWERED, f"{moved}. Recipients' countries: {countries}",
                  _proofs(activity.recipients))


def _retention_followed(row: ActivityRecord) -> Answer:
    """Whether the org keeps the activity's records longer than its period: counted in Salesforce at harvest time."""
    kept = row.activity.kept_past_retention
    if not kept:
        return _needs_input("no harvest has counted records against a retention period for this activity")
    counts = [each.value for each in kept]
    past = "; ".join(each.described for each in counts if each.older)
    uncounted = "; ".join(each.described for each in counts if each.older is None)
    if all(each.older is None for each in counts):
        return _needs_input(uncounted)
    text = (f"No: {past}" if past else f"Yes: no record is older than {counts[0].period}") + (
        f"; {uncounted}" if uncounted else "")
    return Answer(PARTLY if uncounted else ANSWERED, text, _proofs(kept))


def _security(row: ActivityRecord) -> Answer:
    measured = row.activity.security.value
    parts = [f"Shield encryption of {measured.encrypted_sensitive_fields} of {measured.sensitive_fields} sensitive "
             "fields" if measured.sensitive_fields else "No sensitive field to encrypt"]
    if measured.code_enforcing_security:
        parts.append("code enforcing field-level security: " + ", ".join(measured.code_enforcing_security))
    if measured.code_without_sharing:
        parts.append("code running without sharing: " + ", ".join(measured.code_without_sharing))
    return Answer(PARTLY, "; ".join(parts) + " (organisational measures: a privacy officer says)",
                  row.activity.security.evidence)


def _locations(row: ActivityRecord) -> Answer:
    systems = row.activity.systems
    if not systems:
        return _needs_input("no system holds this data in the graph")
    return Answer(PARTLY, _texts(systems) + " (hosting regions: a privacy officer says)", _proofs(systems))


def _basis(row: ActivityRecord) -> str | None:
    shown = _owned(row.owned, "legal_basis")
    return None if shown.needs_input else shown.value


def _when_basis(pattern: re.Pattern[str], what: str) -> Rule:
    """Needed only on one legal basis: not applicable on another, needs input on it or when no basis is known."""
    def rule(_record: RecordOfProcessing, row: ActivityRecord) -> Answer:
        basis = _basis(row)
        if basis is None:
            return _needs_input("the legal basis is not known yet")
        if pattern.search(basis):
            return _needs_input(f"{what} (the legal basis is {basis})")
        return Answer(ANSWERED, f"Not applicable: the legal basis is {basis}")
    return rule


def _when_special(what: str) -> Rule:
    """Needed only where sensitive personal information is processed."""
    def rule(_record: RecordOfProcessing, row: ActivityRecord) -> Answer:
        if row.activity.sensitive_categories:
            return _needs_input(what)
        return Answer(ANSWERED, "Not applicable: no sensitive personal information is classified here")
    return rule


def _profiling(row: ActivityRecord) -> Answer:
    found = row.activity.profiling
    if found:
        return Answer(ANSWERED, f"Yes, profiling: {_texts(found)}", _proofs(found))
    return Answer(PARTLY, "No profiling integration found (decisions made in the org's own code: a privacy officer "
                          "says)")


def _profiling_described(row: ActivityRecord) -> Answer:
    found = row.activity.profiling
    if found:
        return Answer(PARTLY, f"{_texts(found)} (its logic and consequences: a privacy officer says)", _proofs(found))
    return Answer(PARTLY, "Not applicable as far as the graph shows: no profiling integration found")


def _profiling_basis(row: ActivityRecord) -> Answer:
    found, basis = row.activity.profiling, _basis(row)
    if not found:
        return Answer(PARTLY, "Not applicable as far as the graph shows: no profiling integration found")
    if basis is None:
        return _needs_input("the legal basis is not known yet")
    return Answer(PARTLY, f"The activity's legal basis is {basis} (whether Art. 22 rests on it: a privacy officer "
                          "says)", _proofs(found))


def _dpia(row: ActivityRecord) -> Answer:
    indicated = row.activity.dpia_indicated
    if row.activity.origin == "unassigned":
        return _needs_input(indicated.reason)
    return Answer(ANSWERED, f"{'Yes' if indicated.value else 'No'}: {indicated.reason}", indicated.evidence)


def _dpia_where(row: ActivityRecord) -> Answer:
    indicated = row.activity.dpia_indicated
    if row.activity.origin != "unassigned" and not indicated.value:
        return Answer(ANSWERED, f"Not required: {indicated.reason}")
    return _needs_input("where the assessment is kept")


def _rights(row: ActivityRecord) -> Answer:
    regime = row.activity.regime
    if regime.value == CCPA:
        return Answer(PARTLY, "The CCPA's rights (know, delete, correct, opt out, limit) apply; how they are "
                              "exercised, a privacy officer says", regime.evidence)
    if regime.value == GLBA:
        return Answer(PARTLY, "Exempt from most CCPA rights under the GLBA (§1798.145(e)); how UK rights are "
                              "exercised, a privacy officer says", regime.evidence)
    return _needs_input(regime.reason or "which regime applies")


def _consent_record(row: ActivityRecord) -> Answer:
    basis = _basis(row)
    if basis is None:
        return _needs_input("the legal basis is not known yet")
    if CONSENT.search(basis):
        return _needs_input("where the record of consent is kept (the legal basis is consent)")
    return Answer(ANSWERED, f"Not applicable: the legal basis is {basis}")


def _processor_contracts(row: ActivityRecord) -> Answer:
    processors = [each for each in row.activity.recipients if each.value.role in DISCLOSING_ROLES]
    if not processors:
        return Answer(ANSWERED, "Not applicable: no service provider or contractor receives it")
    on_file: dict[str, bool] = {}  # by recipient: a contract on file per any manifest entry sending to it
    for each in processors:
        name = each.value.name or each.value.host
        on_file[name] = on_file.get(name, False) or bool(each.value.dpa_signed)
    said = "; ".join(f"{name}: contract {'on file' if signed else 'not stated'}" for name, signed in on_file.items())
    return Answer(PARTLY if any(on_file.values()) else NEEDS_INPUT,
                  f"{said} (the link to each contract: a privacy officer gives it)", _proofs(processors))


def _reviewed(row: ActivityRecord) -> Answer:
    if row.updated_at is None:
        return _needs_input("no privacy officer has changed this activity's entry yet")
    return Answer(PARTLY, f"Last changed by {row.updated_by} on {row.updated_at:%Y-%m-%d} (a change, not "
                          "necessarily a review)")


def _of_row(read: Callable[[ActivityRecord], Answer]) -> Rule:
    return lambda _record, row: read(row)


# --- the mapping: every question of the template, once ----------------------------------------------------------

QUESTIONS: tuple[Question, ...] = (
    Question("ico_1_1", "Art. 30(1)(a)", "Controller (legal name)", "record.owned.controller",
             "Only the business can state its legal name; the record's controller field holds it.",
             org_field("controller")),
    Question("ico_1_2", "Art. 30(1)(a)", "Controller's contact details", "record.owned.controller",
             "The controller field is its name and contact details.", org_field("controller")),
    Question("ico_1_3", "Art. 30(1)(a)", "Joint controllers and their roles", "activity.owned.joint_controllers",
             "Arrangements under Art. 26 are contracts the graph does not see; the activity's field holds them.",
             activity_field("joint_controllers")),
    Question("ico_1_4", "Art. 30(1)(a)", "Data protection officer", "record.owned.dpo",
             "Who the DPO is lives outside Salesforce; the record's DPO field holds it.", org_field("dpo")),
    Question("ico_1_5", "Art. 30(1)(a)", "UK representative", "record.owned.representative",
             "An Art. 27 representative is appointed by contract; the record's representative field holds it.",
             org_field("representative")),
    Question("ico_1_6", "Art. 30(1)-(2)", "Controller or processor", "activity.purposes, owned.joint_controllers",
             "The org's own purposes make it a controller; only a filled joint-controllers field completes it.",
             _of_row(_role_of)),
    Question("ico_1_7", "Art. 30(1)(a)", "Department responsible", "(nothing)",
             "The graph knows systems and code, not the org chart; no record field holds a department.",
             nobody_holds("no field of the record names the department")),
    Question("ico_1_8", "Art. 30(1)(a)", "Data stewards", "(nothing)",
             "Named stewards are people the graph does not know; no record field holds them.",
             nobody_holds("no field of the record names the stewards")),
    Question("ico_2_1", "Art. 30(1)(b)", "Purposes", "activity.purposes",
             "The activity is one purpose (a DataUsePurpose or a manifest's declared purpose).", _of_row(_purposes)),
    Question("ico_2_2", "Art. 30(1)(b)", "Description of the processing", "activity.owned.description",
             "A privacy officer's description, else the DataUsePurpose's own description.",
             activity_field("description")),
    Question("ico_3_1", "Art. 30(1)(c)", "Categories of individuals", "activity.consumer_categories",
             "Whose records the activity's fields sit on, by object; an unknown object is only 'consumers'.",
             _of_row(_data_subjects)),
    Question("ico_3_2", "Art. 30(1)(c)", "Categories of personal data", "activity.personal_categories",
             "The classified categories of every personal field the activity reaches.",
             _of_row(_personal_categories)),
    Question("ico_3_3", "Art. 9-10", "Special category or criminal offence data", "activity.sensitive_categories",
             "Classification marks CCPA sensitive information; only biometric and protected characteristics map "
             "to Art. 9 without a privacy officer's call.", _of_row(_special_category)),
    Question("ico_3_4", "Art. 14", "Sources of the data", "activity.sources",
             "Systems whose integrations bring the activity's fields in; data typed in by staff has none.",
             _of_row(_sources)),
    Question("ico_4_1", "Art. 30(1)(d)", "Categories of recipients", "activity.recipients",
             "Systems the activity's data is sent to, with the role (service provider, contractor, third party) "
             "the manifest declares.", _of_row(_recipients)),
    Question("ico_4_2", "Art. 30(1)(d)", "Shared with third parties", "activity.sold_or_shared",
             "Recipients declared third parties are sharing; an undeclared role leaves it open.",
             _of_row(_third_parties)),
    Question("ico_5_1", "Art. 30(1)(e)", "Transfers abroad", "activity.transfers, activity.recipients",
             "Every recipient's country as the manifest states it; an unknown country leaves it open.",
             _of_row(_transfers)),
    Question("ico_5_2", "Art. 30(1)(e)", "Transfer safeguards", "activity.owned.transfer_safeguards",
             "The transfer instrument is a contract the graph does not see; a privacy officer states it (the graph "
             "says 'not applicable' when no recipient is abroad).", activity_field("transfer_safeguards")),
    Question("ico_6_1", "Art. 30(1)(f)", "Retention periods", "activity.owned.retention",
             "Manifests state each recipient system's period, not the org's own per category: partly, until a "
             "privacy officer states it.", activity_field("retention", graph_status=PARTLY)),
    Question("ico_6_2", "Art. 30(1)(f)", "Retention policy (reference)", "(nothing)",
             "The policy is a document outside the graph; no record field holds its reference.",
             nobody_holds("no field of the record holds the retention policy's reference")),
    Question("ico_6_3", "Art. 30(1)(f)", "Retention followed", "activity.kept_past_retention",
             "Each object's records older than the longest period the activity's manifests state, counted in "
             "Salesforce at harvest time (one COUNT() each); an object not counted leaves it partly answered.",
             _of_row(_retention_followed)),
    Question("ico_6_4", "Art. 30(1)(f)", "Reason for not following retention", "(nothing)",
             "A deviation's reason is a human's account; no record field holds it.",
             nobody_holds("no field of the record holds a retention deviation's reason")),
    Question("ico_7_1", "Art. 30(1)(g)", "Security measures", "activity.security",
             "Encryption coverage and the code's sharing and field-level security are measured; organisational "
             "measures are not.", _of_row(_security)),
    Question("ico_7_2", "Art. 30(1)(g)", "Where the data is held", "activity.systems",
             "The org and the outside systems holding the data are known; their hosting regions are not.",
             _of_row(_locations)),
    Question("ico_8_1", "Art. 6", "Lawful basis", "activity.owned.legal_basis",
             "A privacy officer's basis, else the org's DataUseLegalBasis on the purpose.",
             activity_field("legal_basis")),
    Question("ico_8_2", "Art. 6(1)(f)", "Legitimate interests pursued", "activity.owned.legal_basis",
             "Needed only on legitimate interests; no record field holds the interests themselves.",
             _when_basis(LEGITIMATE_INTERESTS, "the legitimate interests pursued")),
    Question("ico_8_3", "Art. 6(1)(f)", "Legitimate interests assessment (reference)", "activity.owned.legal_basis",
             "Needed only on legitimate interests; the assessment is a document outside the graph.",
             _when_basis(LEGITIMATE_INTERESTS, "where the legitimate interests assessment is kept")),
    Question("ico_8_4", "Art. 9(2)", "Art. 9 condition", "activity.sensitive_categories",
             "Needed only where sensitive data is processed; the condition is a legal judgement.",
             _when_special("the Art. 9(2) condition relied on")),
    Question("ico_8_5", "DPA 2018 Sch. 1", "Schedule 1 condition", "activity.sensitive_categories",
             "Needed only where sensitive data is processed; the condition is a legal judgement.",
             _when_special("the DPA 2018 Schedule 1 condition relied on")),
    Question("ico_9_1", "Art. 22", "Profiling or automated decisions", "activity.profiling",
             "Enrichment and scoring integrations are profiling; decisions made in the org's own code are not "
             "identified.", _of_row(_profiling)),
    Question("ico_9_2", "Art. 22", "Profiling described", "activity.profiling",
             "The integrations are named; the logic and its consequences are not in the graph.",
             _of_row(_profiling_described)),
    Question("ico_9_3", "Art. 22", "Lawful basis for profiling", "activity.profiling, owned.legal_basis",
             "The activity's basis is known; whether Art. 22(2) rests on it is a legal judgement.",
             _of_row(_profiling_basis)),
    Question("ico_10_1", "Art. 35", "Impact assessment required", "activity.dpia_indicated",
             "Sensitive data, profiling and third-party recipients indicate one, each with its reason.",
             _of_row(_dpia)),
    Question("ico_10_2", "Art. 35", "Impact assessment (reference)", "activity.dpia_indicated",
             "When none is indicated the reason answers it; else where it is kept is a human's reference.",
             _of_row(_dpia_where)),
    Question("ico_11_1", "Arts. 12-22", "Individuals' rights", "activity.regime",
             "The regime says which rights apply; how they are exercised is not in the graph.", _of_row(_rights)),
    Question("ico_11_2", "Arts. 13-14", "Privacy policy (reference)", "(nothing)",
             "The public policy's address is not in the graph; no record field holds it.",
             nobody_holds("no field of the record holds the privacy policy's address")),
    Question("ico_11_3", "Arts. 13-14", "Notices at collection (reference)", "(nothing)",
             "Notices at collection points are outside the graph; no record field holds them.",
             nobody_holds("no field of the record holds the notices at collection")),
    Question("ico_12_1", "Art. 7", "Record of consent (reference)", "activity.owned.legal_basis",
             "Needed only where consent is the basis; where its log is kept is a human's reference.",
             _of_row(_consent_record)),
    Question("ico_13_1", "Art. 33", "Breach notification", "(nothing)",
             "The breach procedure is organisational; no record field holds it.",
             nobody_holds("no field of the record describes the breach procedure")),
    Question("ico_13_2", "Art. 33(5)", "Breach register (reference)", "(nothing)",
             "The breach register is kept outside the graph; no record field holds its reference.",
             nobody_holds("no field of the record holds the breach register's reference")),
    Question("ico_14_1", "Art. 28", "Processor contracts", "activity.recipients",
             "Manifests say whether a contract is on file for each service provider or contractor, not where.",
             _of_row(_processor_contracts)),
    Question("ico_15_1", "Art. 5(2)", "Last reviewed", "activity.updated_by, activity.updated_at",
             "The last privacy officer's change is known; a review that changed nothing is not.", _of_row(_reviewed)),
)


# --- the table and its coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IcoRow:
    org: str
    activity_key: str
    activity_name: str
    answers: tuple[Answer, ...]  # in the order of QUESTIONS


@dataclass(frozen=True)
class QuestionCoverage:
    question: Question
    answered: int
    partly: int
    needs_input: int


@dataclass(frozen=True)
class Coverage:
    """How much of the template an org's record answers, per question and in all."""

    org: str
    record: RecordOfProcessing
    rows: tuple[IcoRow, ...]
    questions: tuple[QuestionCoverage, ...]

    @property
    def answered(self) -> int:
        return sum(each.answered for each in self.questions)

    @property
    def partly(self) -> int:
        return sum(each.partly for each in self.questions)

    @property
    def needs_input(self) -> int:
        return sum(each.needs_input for each in self.questions)

    @property
    def total(self) -> int:
        return self.answered + self.partly + self.needs_input


def answer(question: Question, record: RecordOfProcessing, row: ActivityRecord) -> Answer:
    return question.rule(record, row)


def ico_rows(record: RecordOfProcessing) -> tuple[IcoRow, ...]:
    """One row per activity, each question answered from the record."""
    return tuple(IcoRow(record.alias, each.activity.key, each.activity.name,
                        tuple(answer(question, record, each) for question in QUESTIONS))
                 for each in record.activities)


def coverage(record: RecordOfProcessing) -> Coverage:
    rows = ico_rows(record)
    return Coverage(record.alias, record, rows, tuple(
        QuestionCoverage(question, *(sum(1 for row in rows if row.answers[index].status == status)
                                     for status in STATUSES))
        for index, question in enumerate(QUESTIONS)))


def ico_table(record: RecordOfProcessing) -> tuple[list[str], list[list[str]]]:
    """The template as plain text for an export: the header (org, activity, one column per question, headed by its
    key and our label) and one row per activity, each answer's text ("needs input: …" where nobody has answered)."""
    header = ["Org", "Activity"] + [f"{each.key} {each.column}" for each in QUESTIONS]
    body = [[row.org, row.activity_name] + [each.text for each in row.answers] for row in ico_rows(record)]
    return header, body


def question(key: str) -> Question:
    return next(each for each in QUESTIONS if each.key == key)


__all__ = ["ANSWERED", "NEEDS_INPUT", "PARTLY", "QUESTIONS", "STATUSES", "Answer", "Coverage", "IcoRow",
           "Question", "QuestionCoverage", "coverage", "ico_rows", "ico_table", "question"]

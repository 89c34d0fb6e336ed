"""Which CCPA category a field holds, and whether it is sensitive personal information (CPRA).

Rules read the field's API name, label, type and the org's own ComplianceGroup tags; the first rule
that matches wins, and its name travels with the field as evidence of why it was classified so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class CcpaCategory(StrEnum):
    """The categories of personal information of Cal. Civ. Code § 1798.140(v)."""

    IDENTIFIERS = "identifiers"
    CUSTOMER_RECORDS = "customer_records"  # § 1798.80(e): financial, insurance, medical details …
    PROTECTED_CHARACTERISTICS = "protected_characteristics"
    COMMERCIAL = "commercial_information"
    BIOMETRIC = "biometric_information"
    INTERNET_ACTIVITY = "internet_activity"
    GEOLOCATION = "geolocation"
    SENSORY = "sensory_data"
    PROFESSIONAL = "professional_information"
    EDUCATION = "education_information"
    INFERENCES = "inferences"


@dataclass(frozen=True)
class Classification:
    category: CcpaCategory | None
    sensitive: bool
    rule: str


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    category: CcpaCategory
    sensitive: bool = False


def _rule(name: str, words: str, category: CcpaCategory, *, sensitive: bool = False) -> _Rule:
    return _Rule(name, re.compile(words, re.IGNORECASE), category, sensitive)


# Order matters: the most specific and the sensitive rules come first.
NAME_RULES: tuple[_Rule, ...] = (
    _rule("government id", r"ssn|social_?security|tax_?id|\btin\b|itin|national_?id|taxpayer",
          CcpaCategory.IDENTIFIERS, sensitive=True),
    _rule("driver's licence or passport", r"driver'?s?_?licen[cs]e|passport", CcpaCategory.IDENTIFIERS, sensitive=True),
    _rule("account credentials", r"password|security_?(code|answer)|\bpin\b|cvv|cvc", CcpaCategory.CUSTOMER_RECORDS,
          sensitive=True),
    _rule("card number", r"card_?number|\bpan\b|credit_?card|debit_?card", CcpaCategory.CUSTOMER_RECORDS,
          sensitive=True),
    _rule("financial account number", r"account_?number|routing|iban|\bbic\b|swift", CcpaCategory.CUSTOMER_RECORDS),
    _rule("health", r"health|medical|diagnos|disabilit", CcpaCategory.CUSTOMER_RECORDS, sensitive=True),
    _rule("biometric", r"biometric|fingerprint|face_?(id|print)|voice_?print", CcpaCategory.BIOMETRIC, sensitive=True),
    _rule("racial, religious or union data", r"\brace\b|ethnic|religio|union_?member",
          CcpaCategory.PROTECTED_CHARACTERISTICS, sensitive=True),
    _rule("precise geolocation", r"latitude|longitude|geolocation|\bgps\b", CcpaCategory.GEOLOCATION, sensitive=True),
    _rule("protected characteristic", r"birth|\bdob\b|\bage\b|gender|\bsex\b|marital|citizenship|veteran",
          CcpaCategory.PROTECTED_CHARACTERISTICS),
    _rule("credit inference", r"credit_?score|risk_?(score|rating)|propensity|segment|churn",
          CcpaCategory.INFERENCES),
    _rule("financial information", r"balance|income|salary|net_?worth|loan|debt|asset",
          CcpaCategory.CUSTOMER_RECORDS),
    _rule("purchases and transactions", r"transaction|purchase|amount|merchant", CcpaCategory.COMMERCIAL),
    _rule("employment", r"employer|job_?title|occupation|employment", CcpaCategory.PROFESSIONAL),
    _rule("education", r"school|degree|education", CcpaCategory.EDUCATION),
    _rule("online identifier", r"ip_?address|device_?id|cookie|user_?agent|advertising_?id",
          CcpaCategory.INTERNET_ACTIVITY),
    _rule("contact details", r"e_?mail|phone|mobile|\bfax\b|street|city|postal|zip|address",
          CcpaCategory.IDENTIFIERS),
    _rule("name", r"(first|last|middle|full|maiden)_?name|salutation|suffix", CcpaCategory.IDENTIFIERS),
)

TYPE_RULES: dict[str, Classification] = {
    "email": Classification(CcpaCategory.IDENTIFIERS, False, "email field type"),
    "phone": Classification(CcpaCategory.IDENTIFIERS, False, "phone field type"),
    "address": Classification(CcpaCategory.IDENTIFIERS, False, "address field type"),
    "location": Classification(CcpaCategory.GEOLOCATION, True, "geolocation field type"),
}

# Objects whose records are people, so their `Name` is a person's name.
PERSON_OBJECTS = frozenset({"Contact", "Lead", "Individual", "User", "PersonAccount"})
PERSONAL_GROUPS = frozenset({"PII", "CCPA", "GDPR", "GLBA", "PCI", "HIPAA", "COPPA"})
UNCLASSIFIED = Classification(None, False, "no rule matched")


def classify_field(
    sobject: str, name: str, label: str, field_type: str, compliance_groups: tuple[str, ...] = (),
    compound_parent: str = "",
) -> Classification:
    if name == "Name" and sobject in PERSON_OBJECTS:
        return Classification(CcpaCategory.IDENTIFIERS, False, "a person's name")
    # A part of a compound field (MailingState of MailingAddress) is read with its parent's name.
    words = " ".join(_words(text) for text in (name, label, compound_parent))
    for rule in NAME_RULES:
        if rule.pattern.search(words):
            return Classification(rule.category, rule.sensitive, rule.name)
    if field_type in TYPE_RULES:
        return TYPE_RULES[field_type]
    if PERSONAL_GROUPS & {group.upper() for group in compliance_groups}:
        return Classification(CcpaCategory.IDENTIFIERS, False, "tagged personal by the org's ComplianceGroup")
    return UNCLASSIFIED


def _words(text: str) -> str:
    """`FinServ__AccountNumber__c` → `finserv_account_number_c`: camel case and namespaces split into words."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text.replace("__", "_"))
    return re.sub(r"[^A-Za-z0-9']+", "_", spaced).lower()

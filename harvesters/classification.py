"""Which CCPA category a field holds, and whether it is sensitive personal information (CPRA).

A field is read as words: its API name and label are split on `_`, camel case and spaces (namespace and
`__c` suffix dropped), so `Contact_PIN__c` is `contact pin` and "Waiting" is never `itin`. Rules match whole
words or phrases, never fragments. Whether a rule applies depends on the object's context: contact details on
a company's Account or a field on a configuration object are not a consumer's personal information, and a
latitude taken from a postal address is the address, not precise geolocation (§ 1798.140(w)). When no word rule
decides, the context does: on a custom object about people its custom dates, choices, free text and lookups are the
person's, on a person their custom dates and free text are; a system's stamp (`Checked_At__c`) is not.

The first rule that matches decides; its description, with the words that matched and the law it applies,
travels with the field (`classification_rule`, and `sensitivity_rule` when the field is sensitive).

A field about a person whose name says nothing sensitive is sensitive still when the matter it belongs to is, as a
privacy officer would read it: its object's name (every field but the system fields of a `Visa__c` record about a
person), its lookup's target (a lookup to an `Immigration_Case__c`), its description or help text ("UK Biometric
Residence Permit number"; strong phrases only, and not right after a negation: "not the SSN"), or, when its name
says nothing at all, one of its picklist values, inactive ones included ("COVID positive").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import Any


class CcpaCategory(StrEnum):
    """The categories of personal information of Cal. Civ. Code § 1798.140(v)(1)."""

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
    # Personal information of none of the listed categories: (v)(1) "includes, but is not limited to" them.
    OTHER = "other_personal_information"


class Context(Enum):
    """What an object's records are: it decides which rules may apply to its fields."""

    PERSON = "its records are people"
    ABOUT_PEOPLE = "its records are about people"
    ORGANISATION = "its records are organisations"
    CONFIGURATION = "it holds configuration, not consumers' records"
    UNKNOWN = "nothing says its records are about people"


@dataclass(frozen=True)
class ObjectContext:
    name: str
    context: Context
    reason: str
    label: str = ""

    @property
    def about_people(self) -> bool:
        return self.context in {Context.PERSON, Context.ABOUT_PEOPLE}

    def describe(self) -> str:
        return f"{self.name}: {self.context.value} ({self.reason})"


@dataclass(frozen=True)
class Classification:
    category: CcpaCategory | None
    sensitive: bool
    rule: str  # why this category (or why none)
    sensitivity_rule: str | None = None  # why sensitive; None when it is not

    @property
    def personal(self) -> bool:
        return self.category is not None


class Scope(Enum):
    """Where a rule may fire."""

    ANYWHERE = "on any object holding records"  # the words alone say it is personal (an SSN is an SSN)
    PEOPLE = "on objects about people"  # ordinary words (phone, balance) that are personal only there
    PERSON = "on objects whose records are people"  # e.g. a job title is a person's only on a person


@dataclass(frozen=True)
class Rule:
    id: str
    what: str
    terms: tuple[tuple[str, ...], ...]  # phrases of whole words; a trailing `*` matches a word's beginning
    category: CcpaCategory | None  # None: the words say the field is not a consumer's (a company's revenue)
    law: str
    scope: Scope = Scope.PEOPLE
    sensitive: bool = False

    def applies_in(self, context: Context) -> bool:
        if context is Context.CONFIGURATION:
            return False
        if self.scope is Scope.ANYWHERE:
            return True
        if self.scope is Scope.PERSON:
            return context is Context.PERSON
        return context in {Context.PERSON, Context.ABOUT_PEOPLE}

    def text(self, matched: str, where: str) -> str:
        category = self.category.value if self.category else "not personal"
        sensitivity = "sensitive, " if self.sensitive else ""
        return (f"{self.id}: {where} word `{matched}` → {self.what} ({category}, {sensitivity}{self.law}; "
                f"{self.scope.value})")


def _terms(*phrases: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(phrase.split()) for phrase in phrases)


def _rule(rule_id: str, what: str, phrases: str, category: CcpaCategory | None, law: str, *,
          scope: Scope = Scope.PEOPLE, sensitive: bool = False) -> Rule:
    return Rule(rule_id, what, _terms(*phrases.split("|")), category, law, scope, sensitive)


_A = "§1798.140(v)(1)(A)"
_B = "§1798.140(v)(1)(B), §1798.80(e)"
SPI_ID = "§1798.140(ae)(1)(A)"

# Order matters: the sensitive and most specific rules come first.
NAME_RULES: tuple[Rule, ...] = (
    # (ae)(1)(A) names the numbers: an ID's kind, issuer, state or dates are personal but not sensitive.
    _rule("identity_document_detail", "The kind, issuer, state or dates of an identity document, not its number",
          "passport expir*|passport issu*|passport country|passport type|drivers license state|driver license state|"
          "drivers licence state|driver licence state|drivers license expir*|driver license expir*|"
          "drivers licence expir*|driver licence expir*|driving licence expir*|drivers license issu*|"
          "driver license issu*|drivers licence issu*|driver licence issu*|driving licence issu*|tax id type",
          CcpaCategory.IDENTIFIERS, _A, scope=Scope.ANYWHERE),
    _rule("government_id", "Government identifiers",
          "ssn|social security|social security number|tax id|taxpayer id|tin|itin|national id|national identifier|"
          "tax identification number|state id|state identification|sin|national insurance number",
          CcpaCategory.IDENTIFIERS, SPI_ID,
          scope=Scope.ANYWHERE, sensitive=True),
    _rule("identity_document", "Identity document numbers (driver's licence, passport, state ID)",
          "drivers license|drivers licence|driver license|driver licence|driving licence|passport|"
          "id document number|identity document number|id card number|identity card number|"
          "identification document number", CcpaCategory.IDENTIFIERS, SPI_ID, scope=Scope.ANYWHERE, sensitive=True),
    _rule("account_credentials", "Account log-in credentials and card security codes",
          "password|passcode|pin|cvv|cvc|cvv2|security code|security answer|security question answer|"
          "access code", CcpaCategory.CUSTOMER_RECORDS, "§1798.140(ae)(1)(B)", scope=Scope.ANYWHERE, sensitive=True),
    _rule("privacy_choice", "A consumer's privacy and contact choices",
          "opted out|opt out|opted out of*|do not call|do not contact|do not email|dont|consent|forget|"
          "undeliverable|ferpa", CcpaCategory.OTHER, "§1798.140(v)(1)"),
    # "Medical" that names a job: a staff member's category is employment information, no health fact.
    _rule("medical_profession", "A job in medicine (medical staff, director, school, licence), not health",
          "medical staff|medical director|medical school|medical licence|medical license|medical specialty",
          CcpaCategory.PROFESSIONAL, "§1798.140(v)(1)(I)", scope=Scope.PERSON),
    _rule("medical_profession_elsewhere", "A job in medicine on a record that is not a person: no health fact",
          "medical staff|medical director|medical school|medical licence|medical license|medical specialty",
          None, "§1798.140(ae)(2)(B) does not apply", scope=Scope.ANYWHERE),
    _rule("health", "Health information",
          "health|medical|diagnosis|diagnoses|diagnos*|disability|disabilities|disabled|medication*|pregnan*|"
          "allerg*|illness|treatment|blood type|blood group|mrn|hipaa", CcpaCategory.CUSTOMER_RECORDS,
          "§1798.140(ae)(2)(B)",
          scope=Scope.ANYWHERE, sensitive=True),
    # The words forms and universities use for a disability: the need discloses the condition.
    _rule("disability_needs", "A person's accessibility needs or adjustments for a disability",
          "accessibility need*|access need*|special need*|reasonable adjustment*|reasonable accommodation*|"
          "disability accommodation*", CcpaCategory.CUSTOMER_RECORDS, "§1798.140(ae)(2)(B)", sensitive=True),
    _rule("genetic_biometric", "Biometric and genetic information",
          "biometric*|fingerprint*|face id|faceprint|face print|voiceprint|voice print|retina|iris scan|genetic*|dna",
          CcpaCategory.BIOMETRIC, "§1798.140(ae)(1)(F), (ae)(2)(A)", scope=Scope.ANYWHERE, sensitive=True),
    _rule("origin_beliefs_union", "Racial or ethnic origin, citizenship or immigration status, religion, union",
          "race|racial|ethnic|ethnicity|religion|religious|religious affiliation|philosophical belief*|"
          "union member|union membership|citizenship|immigration status|immigration|visa status|visa type|"
          "visa category|nationality|hispanic|latino|latina|latinx",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(ae)(1)(D)", scope=Scope.ANYWHERE, sensitive=True),
    _rule("card_brand", "A payment card named by its brand (a Visa card is no travel visa)",
          "visa card|visa debit|visa credit", CcpaCategory.CUSTOMER_RECORDS, _B, scope=Scope.ANYWHERE),
    # Only a non-citizen holds a visa, a permit or an admission record: any fact of one discloses that status.
    _rule("immigration_document", "A person's visa, work or residence permit, SEVIS or I-94 record",
          "visa|visas|work authorization|work authorisation|work permit|residence permit|sevis|i 94",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(ae)(1)(D)", sensitive=True),
    _rule("sex_life", "Sex life or sexual orientation", "sexual orientation|sexual*|sex life",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(ae)(2)(C)", scope=Scope.ANYWHERE, sensitive=True),
    _rule("message_contents", "Contents of a consumer's mail, email or text messages",
          "email body|message body|sms body|text body|email content|message content", CcpaCategory.OTHER,
          "§1798.140(ae)(1)(E)", sensitive=True),
    _rule("device_geolocation", "Precise geolocation from a device",
          "gps|geolocation|device location|current location|last known location|device latitude|device longitude",
          CcpaCategory.GEOLOCATION, "§1798.140(ae)(1)(C), (w)", sensitive=True),
    _rule("coordinates", "Coordinates not taken from a postal address (cautiously, precise geolocation)",
          "latitude|longitude|coordinates|lat long", CcpaCategory.GEOLOCATION, "§1798.140(ae)(1)(C), (w)",
          sensitive=True),
    _rule("card_number", "Payment card numbers (not sensitive without the code that opens the account)",
          "card number|credit card|debit card|pan|card last four|last four|card token", CcpaCategory.CUSTOMER_RECORDS,
          _B, scope=Scope.ANYWHERE),
    _rule("financial_account", "Financial account numbers",
          "account number|bank account|iban|financial account",
          CcpaCategory.CUSTOMER_RECORDS, _B),
    _rule("identity_document_type", "The kind of identity document a person showed (not its number)",
          "id document type|identity document type|document type|id type", CcpaCategory.IDENTIFIERS, _A),
    _rule("birth_age", "Date of birth and age (age is a protected characteristic)",
          "birth|birthdate|birthday|dob|date of birth|age|birth date|birth year",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(v)(1)(C)", scope=Scope.ANYWHERE),
    _rule("protected_characteristic", "Characteristics of protected classifications",
          "gender|gender identity|sex|pronoun*|marital|marital status|veteran|military|deceased",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(v)(1)(C)"),
    _rule("online_identifier", "Online identifiers and network activity",
          "ip address|ip|device id|cookie*|user agent|advertising id|browser|login ip", CcpaCategory.INTERNET_ACTIVITY,
          "§1798.140(v)(1)(F)"),
    _rule("email_address", "Email addresses", "email|e mail|email address", CcpaCategory.IDENTIFIERS, _A),
    _rule("contact_details", "Postal addresses and telephone numbers",
          "phone|mobile|fax|telephone|area code|street|city|postal|postal code|zip|zip code|address|mailing|"
          "province|county|country|state|sms", CcpaCategory.IDENTIFIERS, _A),
    _rule("person_name", "A person's name",
          "first name|last name|middle name|full name|maiden name|nickname|preferred name|salutation|suffix|"
          "assistant name|contact name|cardholder name|administrator name|applicant name|supplied name|greeting",
          CcpaCategory.IDENTIFIERS, _A),
    _rule("account_name", "A person's user or account name", "username|user name|alias|community nickname",
          CcpaCategory.IDENTIFIERS, _A, scope=Scope.PERSON),
    _rule("organisation_fact", "A fact about an organisation, not a consumer",
          "duns|duns number|naics|sic|ticker|ticker symbol|tradestyle|number of employees|employees|annual revenue|"
          "industry|year started|ownership|matching gift|funding focus|grantmaker|sla|routing number|bic|swift|"
          "sort code", None, "§1798.140(v)(1)"),
    _rule("credit_inference", "Credit scores and inferences drawn to profile a consumer",
          "credit score|credit rating|risk score|risk rating|propensity|segment|churn|score|income band|"
          "household size|lifetime value|rating|upsell|up sell|cross sell", CcpaCategory.INFERENCES,
          "§1798.140(v)(1)(K)"),
    _rule("financial_information", "Financial information",
          "balance|income|salary|salaries|wage*|net worth|loan|loans|debt|debts|credit limit|liabilit*|"
          "adverse action|requested amount|interest rate|credit line|assets|total assets|financial aid",
          CcpaCategory.CUSTOMER_RECORDS, _B),
    _rule("commercial", "Products, purchases, transactions and giving histories",
          "transaction*|purchase*|amount|merchant*|gift|gifts|donation*|membership|soft credit|soft credits|opp|"
          "opps|orders|order number|order date|order total|last order|subscription*|product|products|card type|"
          "sustainer|recurring gift*",
          CcpaCategory.COMMERCIAL, "§1798.140(v)(1)(D)"),
    _rule("employment", "Professional or employment information",
          "employer|employer name|job title|occupation|employment|title|department|affiliation|reports to|"
          "position|role|skills|division|right to work",
          CcpaCategory.PROFESSIONAL, "§1798.140(v)(1)(I)", scope=Scope.PERSON),
    _rule("employer_on_record", "Employer named on a consumer's record", "employer|employer name|occupation|company",
          CcpaCategory.PROFESSIONAL, "§1798.140(v)(1)(I)"),
    _rule("education", "Education information", "school|degree|education|university|college|gpa",
          CcpaCategory.EDUCATION, "§1798.140(v)(1)(J)"),
    _rule("photo", "A photograph of a person", "photo|photo url|avatar|picture", CcpaCategory.SENSORY,
          "§1798.140(v)(1)(H)", scope=Scope.PERSON),
    _rule("household", "Information about a consumer's household", "household|households|hh",
          CcpaCategory.OTHER, "§1798.140(v)(1) (a consumer or household)"),
    _rule("language", "Languages a person speaks", "language|languages", CcpaCategory.OTHER, "§1798.140(v)(1)"),
    # On a record that is a person, an "… ID" that is no lookup is a number another system gives that person.
    _rule("person_identifier", "An identifier a system gives the person the record is", "id|identifier",
          CcpaCategory.IDENTIFIERS, f"{_A}, §1798.140(aj)", scope=Scope.PERSON),
    _rule("free_text", "Free text written about a consumer or their request",
          "description|comments|comment|notes|note|subject", CcpaCategory.OTHER, "§1798.140(v)(1)"),
)


_IMMIGRATION = "§1798.140(ae)(1)(D)"
_HEALTH = "§1798.140(ae)(2)(B)"

# Sensitive matters named in prose (a description, help text) or in an object's or lookup target's name: strong
# phrases only, each of which names the matter itself ("immigration status", not "immigration"; a person's visa,
# not "Visa"), so a field that merely mentions a neighbouring subject is not called sensitive.
MATTER_RULES: tuple[Rule, ...] = (
    _rule("card_brand", "A payment card named by its brand (a Visa card is no travel visa)",
          "visa card|visa cards|visa debit|visa credit|visa payment*|visa transaction*|visa or mastercard|"
          "visa mastercard|mastercard or visa|mastercard visa", None, "not (ae)(1)(D)", scope=Scope.ANYWHERE),
    _rule("immigration_document", "A person's immigration status, visa, permit or admission record",
          "immigration status|immigration document*|immigration form*|immigration case*|immigration record*|"
          "visa status|visa type|student visa|work visa|their visa|his visa|her visa|your visa|"
          "contacts visa|persons visa|students visa|applicants visa|employees visa|individuals visa|customers visa|"
          "clients visa|candidates visa|biometric residence permit|residence permit|work permit|"
          "work authorization|work authorisation|confirmation of acceptance for studies|"
          "academic technology approval scheme|certificate of sponsorship|leave to remain|green card|"
          "permanent resident card|sevis|i 94|i 20|ds 2019|i 797|citizenship",
          CcpaCategory.PROTECTED_CHARACTERISTICS, _IMMIGRATION, scope=Scope.ANYWHERE, sensitive=True),
    _rule("government_id", "A government identifier or identity document number",
          "social security number|ssn|social insurance number|national insurance number|passport number|"
          "drivers license number|driver license number|drivers licence number|driving licence number|"
          "taxpayer identification number|tax identification number", CcpaCategory.IDENTIFIERS, SPI_ID,
          scope=Scope.ANYWHERE, sensitive=True),
    _rule("health", "A health condition, diagnosis, disability or treatment",
          "diagnosis|diagnoses|diagnosed|medical condition*|health condition*|medical history|medical record*|"
          "health record*|mental health|disability|disabilities|pregnancy|pregnant|covid*|coronavirus|hiv|"
          "vaccination status|vaccinated|medication*|allerg*|hipaa|protected health information|accessibility need*|"
          "access need*|special need*|reasonable adjustment*|reasonable accommodation*",
          CcpaCategory.CUSTOMER_RECORDS, _HEALTH, scope=Scope.ANYWHERE, sensitive=True),
    _rule("genetic_biometric", "Biometric or genetic information",
          "biometric data|biometric information|biometric identifier*|fingerprint*|face geometry|faceprint*|"
          "voiceprint*|genetic*|dna", CcpaCategory.BIOMETRIC, "§1798.140(ae)(1)(F), (ae)(2)(A)",
          scope=Scope.ANYWHERE, sensitive=True),
    _rule("origin_beliefs", "Racial or ethnic origin, religious beliefs, union membership, sex life or orientation",
          "racial|ethnic origin|ethnicity|religious belief*|religion|union membership|sexual orientation|sex life",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(ae)(1)(D), (ae)(2)(C)", scope=Scope.ANYWHERE,
          sensitive=True),
)

# An object's or a lookup target's name is a noun naming what its records are: there "Visa" alone is the matter.
OBJECT_MATTER_RULES: tuple[Rule, ...] = (
    MATTER_RULES[0],
    _rule("immigration_record", "A record of a person's visa or immigration matter", "visa|visas|immigration",
          CcpaCategory.PROTECTED_CHARACTERISTICS, _IMMIGRATION, scope=Scope.ANYWHERE, sensitive=True),
    *MATTER_RULES[1:],
)

# Picklist values that name a person's health status, orientation, religion or immigration status: a record that
# holds one discloses it, whatever the field is called (inactive values too: old records keep them). Not
# "Disabled" or "Quarantined": they name a switched-off setting or a held email as often.
VALUE_RULES: tuple[Rule, ...] = (
    _rule("health_status_value", "A value naming a health status",
          "covid*|coronavirus|diagnosed|hiv|pregnant|self isolating|symptomatic|"
          "asymptomatic|tested positive|test positive", CcpaCategory.CUSTOMER_RECORDS, _HEALTH,
          scope=Scope.ANYWHERE, sensitive=True),
    _rule("immigration_status_value", "A value naming an immigration status or document",
          "permanent resident|refugee|asylee|asylum seeker|undocumented|green card|i 20|ds 2019|i 94|i 797|"
          "h 1b|student visa|work visa|work permit|residence permit", CcpaCategory.PROTECTED_CHARACTERISTICS,
          _IMMIGRATION, scope=Scope.ANYWHERE, sensitive=True),
    _rule("orientation_value", "A value naming a sexual orientation",
          "gay|lesbian|bisexual|heterosexual|homosexual|asexual|pansexual", CcpaCategory.PROTECTED_CHARACTERISTICS,
          "§1798.140(ae)(2)(C)", scope=Scope.ANYWHERE, sensitive=True),
    _rule("religion_value", "A value naming a religion",
          "christian|muslim|jewish|hindu|buddhist|sikh|catholic|protestant|atheist|agnostic",
          CcpaCategory.PROTECTED_CHARACTERISTICS, "§1798.140(ae)(1)(D)", scope=Scope.ANYWHERE, sensitive=True),
)

# Words that, shortly before a matter in the same sentence, say the field is not it ("not the SSN").
NEGATIONS = frozenset({"not", "no", "never", "dont", "doesnt", "isnt", "without", "instead", "rather", "except",
                       "excluding", "unlike", "nor"})
NEGATION_REACH = 4  # words before the matter a negation may stand
_SENTENCE_END = re.compile(r"[.;!?]\s|[.;!?]$|\n")
# Rules that decided deliberately that a field is not sensitive: what a field says of itself does not overturn them.
NOT_SENSITIVE_BY_LAW = frozenset({
    "identity_document_detail", "card_brand", "medical_profession", "medical_profession_elsewhere",
    "geocode_accuracy", "address_geocode", "record_keeping", "record_id", "hierarchy", "organisation_fact",
})


@dataclass(frozen=True)
class FieldText:
    """What a field says of itself besides its name: its description, help text and picklist values (active and
    inactive), and whether Salesforce numbers it (an auto-number Name says nothing of the person)."""

    description: str = ""
    help_text: str = ""
    picklist_values: tuple[str, ...] = ()
    auto_number: bool = False


NO_TEXT = FieldText()


# Field types that say what a field holds, whatever its name.
TYPE_RULES: dict[str, Rule] = {
    "email": Rule("type_email", "Salesforce type email", (), CcpaCategory.IDENTIFIERS, _A, Scope.ANYWHERE),
    "phone": Rule("type_phone", "Salesforce type phone", (), CcpaCategory.IDENTIFIERS, _A),
    "address": Rule("type_address", "Salesforce type address (a postal address)", (), CcpaCategory.IDENTIFIERS, _A),
    "location": Rule("type_location", "Salesforce type location (a geolocation, cautiously taken as precise)", (),
                     CcpaCategory.GEOLOCATION, "§1798.140(ae)(1)(C)", Scope.PEOPLE, sensitive=True),
}

# Objects whose records are people.
PERSON_OBJECTS = frozenset({"Contact", "Lead", "Individual", "User", "PersonAccount"})
# Objects whose records are one of a person's email addresses, phones or addresses, named by it.
CONTACT_POINT_OBJECTS = frozenset({"ContactPointEmail", "ContactPointPhone", "ContactPointAddress"})
# Lookups whose target is a person or a consumer's own record: the value identifies or links to the consumer.
PERSON_TARGETS = frozenset({"Contact", "Lead", "Individual", "Account", "PersonAccount"})
CONSUMER_RECORD_TARGETS = frozenset({"Asset", "Opportunity", "Order", "Contract", "Quote"})
# Words in a lookup's target that say it holds a person's household or address.
PERSONAL_TARGET_WORDS = frozenset({"household", "address", "contact", "individual", "person"})
# Managed packages whose objects hold customers' records (Financial Services Cloud).
CONSUMER_NAMESPACES = frozenset({"FinServ"})
# Words in an object's name or label that say its records are about people.
PEOPLE_WORDS = frozenset({"customer", "client", "applicant", "patient", "member", "consumer", "borrower", "donor",
                          "employee", "person", "household", "beneficiary", "guarantor", "kyc", "consent", "party"})
# Standard objects that hold the org's configuration or metadata, not consumers' records.
CONFIGURATION_OBJECTS = frozenset({
    "Report", "Dashboard", "CronJobDetail", "CronTrigger", "DataUsePurpose", "DataUseLegalBasis", "RecordType",
    "Profile", "PermissionSet", "PermissionSetAssignment", "Group", "Folder", "EmailTemplate", "ApexClass",
    "ApexTrigger", "AsyncApexJob", "Organization", "BusinessHours", "OperatingHours", "Pricebook2", "Product2",
    "Campaign", "CampaignMember", "ListView", "Document", "StaticResource", "FlowDefinitionView", "NamedCredential",
    "ConnectedApplication", "UserRole", "Territory", "Holiday", "Period", "FiscalYearSettings",
})
CONFIGURATION_SUFFIXES = ("__mdt", "__e", "Share", "History", "Feed", "ChangeEvent")
PERSONAL_GROUPS = frozenset({"PII", "CCPA", "GDPR", "GLBA", "PCI", "HIPAA", "COPPA", "PHI"})
SENSITIVE_GROUPS = frozenset({"HIPAA", "PHI"})
# Fields every record has that describe the record, not the person it is about.
RECORD_KEEPING = frozenset({
    "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp",
    "LastViewedDate", "LastReferencedDate", "LastActivityDate", "OwnerId", "RecordTypeId", "CurrencyIsoCode",
    "Jigsaw", "JigsawContactId", "JigsawCompanyId", "CleanStatus", "LastCURequestDate", "LastCUUpdateDate",
    "ConnectionReceivedId", "ConnectionSentId",
})
# Rules that decide a field is personal by its place on a person's record alone: a sensitive matter it holds says
# more (a date on a medical condition record is health information, not just some fact of the person).
CONTEXT_RULES = frozenset({"persons_record", "own_record_link"})
# Lookup targets that are the org's staff: on a consumer's record they name a user, not the consumer.
STAFF_TARGETS = frozenset({"User", "Group", "Queue"})
DATE_TYPES = frozenset({"date", "datetime", "time"})
# What a custom field on a person's own record says of them, by type: dates of their events, free text about them,
# and, on an object about one person, the choices recorded for them (on Contact or Account custom picklists are as
# often the org's configuration, as NPSP's are). Numbers and short text say too little without their words.
PERSON_FIELD_KINDS = {"date": "date", "datetime": "date and time", "time": "time", "textarea": "free text"}
OWN_RECORD_FIELD_KINDS = {**PERSON_FIELD_KINDS, "picklist": "choice", "multipicklist": "choice",
                          "boolean": "yes/no fact"}
# Words that make a date a system's stamp (when it synced, imported, processed or updated the record).
STAMP_WORDS = frozenset({"sync", "synced", "synchronized", "synchronised", "imported", "processed", "modified",
                         "updated"})
ADDRESS_PREFIXES = frozenset({"mailing", "billing", "shipping", "other", "street", "address", "postal"})
UNCLASSIFIED = Classification(None, False, "no_rule: no rule matched")


def object_context(describe: Mapping[str, Any]) -> ObjectContext:
    """Read from an object's describe whether its records are people, about people, or neither."""
    return replace(_context_of(describe), label=str(describe.get("label") or ""))


def _context_of(describe: Mapping[str, Any]) -> ObjectContext:
    name = str(describe.get("name") or "")
    fields: list[Mapping[str, Any]] = list(describe.get("fields") or [])
    names = {str(raw.get("name")) for raw in fields}
    if name in PERSON_OBJECTS:
        return ObjectContext(name, Context.PERSON, f"standard person object {name}")
    if name == "Account":
        return _account_context(name, names, fields)
    if describe.get("customSetting") or name.endswith(CONFIGURATION_SUFFIXES) or name in CONFIGURATION_OBJECTS:
        return ObjectContext(name, Context.CONFIGURATION, "a custom setting, metadata or setup object")
    parts = _person_name_parts(fields)
    if parts:
        return ObjectContext(name, Context.PERSON, f"person name fields {', '.join(parts)}")
    links = [f"{raw['name']} → {target}" for raw in fields for target in raw.get("referenceTo") or []
             if target in PERSON_TARGETS and raw.get("type") == "reference"]
    if links:
        return ObjectContext(name, Context.ABOUT_PEOPLE, f"looks up {', '.join(links[:3])}")
    namespace = name.split("__")[0] if name.count("__") >= 2 else ""
    if namespace in CONSUMER_NAMESPACES:
        return ObjectContext(name, Context.ABOUT_PEOPLE, f"a {namespace} object (customers' financial records)")
    said = PEOPLE_WORDS & set(words_of(name) + words_of(str(describe.get("label") or "")))
    if said:
        return ObjectContext(name, Context.ABOUT_PEOPLE, f"its name says `{sorted(said)[0]}`")
    return ObjectContext(name, Context.UNKNOWN, "no person fields and no lookup to a person")


def _account_context(name: str, names: set[str], fields: list[Mapping[str, Any]]) -> ObjectContext:
    if "IsPersonAccount" in names or any(field.startswith("Person") for field in names) \
            or any(field.endswith("__pc") for field in names):
        return ObjectContext(name, Context.PERSON, "person accounts (IsPersonAccount, Person* and __pc fields)")
    parts = _person_name_parts(fields)
    if parts:
        return ObjectContext(name, Context.PERSON, f"person name fields {', '.join(parts)}")
    return ObjectContext(name, Context.ORGANISATION, "business accounts: no person-account fields")


def _person_name_parts(fields: list[Mapping[str, Any]]) -> list[str]:
    """FirstName/LastName that Salesforce marks as parts of a person's name (`Name` alone is every Account's)."""
    return [str(raw["name"]) for raw in fields
            if raw.get("extraTypeInfo") in {"personname", "switchablepersonname"} and raw.get("name") != "Name"]


def unknown_context(sobject: str) -> ObjectContext:
    """The context of an object known only by name (no describe at hand)."""
    return object_context({"name": sobject, "fields": []})


def classify_field(
    sobject: str | ObjectContext, name: str, label: str, field_type: str, compliance_groups: tuple[str, ...] = (),
    compound_parent: str = "", references: tuple[str, ...] = (), text: FieldText = NO_TEXT,
) -> Classification:
    """The CCPA category of one field, and whether it is sensitive, with the rule that decided each."""
    context = sobject if isinstance(sobject, ObjectContext) else unknown_context(sobject)
    decided = _structural(context, name, field_type, compound_parent, references) \
        or _by_words(context, name, label, compound_parent) \
        or _consent_record(context) \
        or _by_type(context, field_type) \
        or _by_groups(compliance_groups) \
        or _of_a_persons_record(context, name, field_type)
    decided = _with_matter_sensitivity(decided or _unclassified(context, name), context, name, references, text)
    return _with_group_sensitivity(decided, compliance_groups)


def _structural(context: ObjectContext, name: str, field_type: str, compound_parent: str,
                references: tuple[str, ...]) -> Classification | None:
    """Rules read from the field's place in the record rather than its words."""
    words = words_of(name)
    if words[-2:] == ["geocode", "accuracy"]:
        return Classification(None, False, "geocode_accuracy: how precisely Salesforce geocoded an address "
                                           "(Address, Street, Zip …), nothing about a person")
    if words and words[-1] in {"latitude", "longitude"} and _from_address(words, compound_parent):
        return _address_geocode(context, name, compound_parent)
    if name in RECORD_KEEPING:
        return Classification(None, False, "record_keeping: a system field describing the record (audit stamp, "
                                           "owner, view dates), not the person it is about")
    if field_type == "id":
        return _record_id(context)
    if field_type == "reference":
        return _lookup(context, name, references)
    if name == "Name" and context.name in CONTACT_POINT_OBJECTS:
        return Classification(CcpaCategory.IDENTIFIERS, False,
                              f"contact_point_name: a {context.name} record is named by its email address, phone "
                              f"number or address ({_A})")
    if name == "Name" and context.context is Context.PERSON:
        return Classification(CcpaCategory.IDENTIFIERS, False,
                              f"person_name_field: the Name of a record that is a person ({context.describe()}; {_A})")
    return None


def _from_address(words: list[str], compound_parent: str) -> bool:
    parent = words_of(compound_parent)
    return "address" in parent or (len(words) > 1 and words[-2] in ADDRESS_PREFIXES) or (
        len(words) > 2 and words[0] == "person" and words[1] in ADDRESS_PREFIXES)


def _address_geocode(context: ObjectContext, name: str, compound_parent: str) -> Classification:
    source = compound_parent or "a postal address"
    if not context.about_people:
        return Classification(None, False, f"address_geocode: {name} is the geocode of {source} on an object whose "
                                           f"records are not people ({context.describe()})")
    return Classification(CcpaCategory.IDENTIFIERS, False,
                          f"address_geocode: {name} is the geocode of {source}, i.e. the postal address "
                          f"({_A}); derived from an address, not a device, so not precise geolocation "
                          f"(§1798.140(w))")


def _record_id(context: ObjectContext) -> Classification:
    if context.context is Context.PERSON:
        return Classification(CcpaCategory.IDENTIFIERS, False,
                              f"person_record_id: the Id of a record that is a person, a unique personal identifier "
                              f"(§1798.140(aj)) ({context.describe()})")
    return Classification(None, False, f"record_id: the Id of a record that is not a person ({context.describe()})")


def _lookup(context: ObjectContext, name: str, references: tuple[str, ...]) -> Classification:
    if context.name in references and (name == "ParentId" or context.context is not Context.PERSON):
        return Classification(None, False, f"hierarchy: {name} points to another {context.name} (the record "
                                           f"hierarchy), not to a person")
    people = [target for target in references if target in PERSON_OBJECTS or target in {"Contact", "Lead"}]
    if not context.about_people and not (people and context.context is Context.ORGANISATION):
        return Classification(None, False, f"lookup: a lookup on an object whose records are not about people "
                                           f"({context.describe()})")
    personal = [target for target in references if _personal_target(target)]
    if not personal:
        targets = ", ".join(references) or "nothing"
        return _consent_record(context) or _own_record_link(context, name, references) or Classification(
            None, False, f"lookup: points to {targets}, not to a person or a consumer's own record")
    return Classification(CcpaCategory.IDENTIFIERS, False,
                          f"person_lookup: links the record to {personal[0]} (a person or a consumer's own record), "
                          f"a persistent identifier of the consumer ({_A}, §1798.140(aj)) ({context.describe()})")


def _personal_target(target: str) -> bool:
    if target in PERSON_TARGETS or target in CONSUMER_RECORD_TARGETS or target.split("__")[0] in CONSUMER_NAMESPACES:
        return True
    return bool(PERSONAL_TARGET_WORDS & set(words_of(target)))


def _own_record_link(context: ObjectContext, name: str, references: tuple[str, ...]) -> Classification | None:
    """On a custom object whose records are about a person, a custom lookup links that person's record to what they
    did or hold (the course they missed, the shift they work); a lookup to a user names staff, not the consumer."""
    if not _persons_own_record(context, name) or not references or set(references) & STAFF_TARGETS:
        return None
    return Classification(CcpaCategory.OTHER, False,
                          f"own_record_link: links a record about a person to {references[0]}, what that person "
                          f"did or holds (§1798.140(v)(1): relates to the consumer) [{context.describe()}]")


def _of_a_persons_record(context: ObjectContext, name: str, field_type: str) -> Classification | None:
    """What an organisation added to a person's record, or to a custom object whose records are about one person,
    is about that person when it is a date of their events, free text or (on the object about them) a choice."""
    kinds = PERSON_FIELD_KINDS if context.context is Context.PERSON else OWN_RECORD_FIELD_KINDS
    if not _custom_field(name) or field_type not in kinds or (
            context.context is not Context.PERSON and not _persons_own_record(context, name)):
        return None
    if field_type in DATE_TYPES and _system_stamp(words_of(name)):
        return Classification(None, False, f"system_stamp: {name} dates what a system did with the record (a sync, "
                                           f"a match, a check), not an event of the person [{context.describe()}]")
    kind = kinds[field_type]
    return Classification(CcpaCategory.OTHER, False,
                          f"persons_record: a custom {kind} on {context.name}, whose records are or are about people, "
                          f"is that person's (§1798.140(v)(1): describes or relates to the consumer) "
                          f"[{context.describe()}]")


def _persons_own_record(context: ObjectContext, name: str) -> bool:
    """A custom field of a custom object about people: the organisation made the object to keep facts of a person
    (a standard object's own fields — a Case's status, an Event's times — are the business's process)."""
    return context.context is Context.ABOUT_PEOPLE and context.name.endswith("__c") and _custom_field(name)


def _custom_field(name: str) -> bool:
    return name.endswith(("__c", "__pc"))


def _system_stamp(words: list[str]) -> bool:
    """`Checked_At__c`, `Core_Last_Synced__c`: when a system did something, as `CreatedDate` is."""
    return bool(words) and (words[-1] == "at" or bool(STAMP_WORDS & set(words)))


def _consent_record(context: ObjectContext) -> Classification | None:
    """Every field of a consent record (purpose, channel, dates, source) is part of a consumer's recorded choice."""
    if not context.about_people or "consent" not in words_of(context.name):
        return None
    return Classification(CcpaCategory.OTHER, False,
                          f"consent_record: a field of {context.name}, a consumer's recorded privacy choice "
                          f"(§1798.140(v)(1)) [{context.describe()}]")


def _by_words(context: ObjectContext, name: str, label: str, compound_parent: str) -> Classification | None:
    """The first word rule that matches the API name, the label or (for a compound part) the parent's name."""
    texts = (("name", words_of(name)), ("label", _without(words_of(label), words_of(context.label))),
             ("compound field", words_of(compound_parent)))
    index = _name_rule_index()
    found = [(where, index.first_terms(words)) for where, words in texts]
    for position in sorted(set().union(*(terms for _, terms in found))):
        rule = index.rules[position]
        if not rule.applies_in(context.context):
            continue
        where, term = next((where, terms[position]) for where, terms in found if position in terms)
        text = rule.text(" ".join(rule.terms[term]), where) + f" [{context.describe()}]"
        return Classification(rule.category, rule.sensitive, text, text if rule.sensitive else None)
    return None


def _by_type(context: ObjectContext, field_type: str) -> Classification | None:
    rule = TYPE_RULES.get(field_type)
    if rule is None or not rule.applies_in(context.context):
        return None
    text = f"{rule.id}: {rule.what} → {rule.category} ({rule.law}) [{context.describe()}]"
    return Classification(rule.category, rule.sensitive, text, text if rule.sensitive else None)


def _by_groups(compliance_groups: tuple[str, ...]) -> Classification | None:
    tagged = sorted(PERSONAL_GROUPS & {group.upper() for group in compliance_groups})
    if not tagged:
        return None
    return Classification(CcpaCategory.OTHER, False,
                          f"compliance_group: Salesforce compliance group {', '.join(tagged)} set by the org marks it "
                          f"personal (§1798.140(v)(1))")


def _with_matter_sensitivity(decided: Classification, context: ObjectContext, name: str,
                             references: tuple[str, ...], text: FieldText) -> Classification:
    """A field about a person is sensitive when the matter it belongs to is: its object's (a Visa__c record), its
    lookup's target (a lookup to an Immigration_Case__c), its description or help text (a "Biometric Residence
    Permit number"), or, when its name says nothing, its picklist values ("COVID positive")."""
    if decided.sensitive or not context.about_people or _rule_id(decided) in NOT_SENSITIVE_BY_LAW \
            or (name == "Name" and text.auto_number):
        return decided
    from_context = _rule_id(decided) in CONTEXT_RULES  # decided by where the field is, not by what it says
    found = _object_matter(context) or _target_matter(references) or _prose_matter(text) \
        or (_value_matter(text) if decided.category is None or from_context else None)
    if found is None:
        return decided
    category, why = found
    if decided.category is None or from_context:
        return Classification(category, True, why, why)
    return Classification(decided.category, True, decided.rule, why)


def _rule_id(decided: Classification) -> str:
    return decided.rule.split(":", 1)[0]


def _object_matter(context: ObjectContext) -> tuple[CcpaCategory, str] | None:
    words = [*words_of(context.name), ".", *words_of(context.label)]
    return _matter_in(_object_matter_index(), words, f"object_matter: {context.name}'s records are about a person's",
                      f" — every field but its system fields is ({context.describe()})")


def _target_matter(references: tuple[str, ...]) -> tuple[CcpaCategory, str] | None:
    for target in references:
        found = _matter_in(_object_matter_index(), words_of(target), f"lookup_matter: points to {target}, a person's",
                           " record: the link discloses it")
        if found:
            return found
    return None


def _prose_matter(text: FieldText) -> tuple[CcpaCategory, str] | None:
    for where, prose in (("description", text.description), ("help text", text.help_text)):
        for sentence in _SENTENCE_END.split(prose or ""):
            found = _matter_in(_matter_index(), words_of(sentence), f"described_matter: its {where} names",
                               f" (\"{sentence.strip()[:120]}\")", negatable=True)
            if found:
                return found
    return None


def _value_matter(text: FieldText) -> tuple[CcpaCategory, str] | None:
    for value in text.picklist_values:
        found = _matter_in(_value_index(), words_of(value), f"picklist_value: its value \"{value}\" names",
                           ", which a record holding it discloses (the field's name says nothing)")
        if found:
            return found
    return None


def _matter_in(index: TermIndex, words: list[str], before: str, after: str,
               negatable: bool = False) -> tuple[CcpaCategory, str] | None:
    """The first matter rule whose term is in `words` (and, in prose, not negated just before it)."""
    for position, term in sorted(_matches(index, words, negatable).items()):
        rule = index.rules[position]
        if rule.category is None or not rule.sensitive:
            return None  # a guard (a Visa card) matched first: no sensitive matter here
        phrase = " ".join(rule.terms[term])
        return rule.category, f"{before} `{phrase}` → {rule.what} (sensitive, {rule.law}){after}"
    return None


def _matches(index: TermIndex, words: list[str], negatable: bool) -> dict[int, int]:
    """Rule position → term position of each match; in prose, a match right after a negation does not count."""
    if not negatable:
        return index.first_terms(words)
    found: dict[int, int] = {}
    for start in range(len(words)):
        if _negated(words, start):
            continue
        for term in index.terms_at(words, start):
            found[term.rule] = min(term.position, found.get(term.rule, term.position))
    return found


def _negated(words: list[str], start: int) -> bool:
    """A negation stands in the few words before `start`; "No" in "Yes/No" or "yes or no" is an answer, not one."""
    before = range(max(0, start - NEGATION_REACH), start)
    return any(words[at] in NEGATIONS and not (at and words[at - 1] in {"yes", "or"}) for at in before)


@functools.cache
def _matter_index() -> TermIndex:
    return TermIndex(MATTER_RULES)


@functools.cache
def _object_matter_index() -> TermIndex:
    return TermIndex(OBJECT_MATTER_RULES)


@functools.cache
def _value_index() -> TermIndex:
    return TermIndex(VALUE_RULES)


def _with_group_sensitivity(decided: Classification, compliance_groups: tuple[str, ...]) -> Classification:
    """Health-data groups (HIPAA, PHI) make a field sensitive whatever decided its category (§1798.140(ae)(2)(B))."""
    tagged = sorted(SENSITIVE_GROUPS & {group.upper() for group in compliance_groups})
    if not tagged or decided.sensitive:
        return decided
    return Classification(decided.category or CcpaCategory.CUSTOMER_RECORDS, True, decided.rule,
                          f"compliance_group: Salesforce compliance group {', '.join(tagged)} marks health information "
                          f"(sensitive, §1798.140(ae)(2)(B))")


def _unclassified(context: ObjectContext, name: str) -> Classification:
    if context.context is Context.CONFIGURATION:
        return Classification(None, False, f"configuration_object: {context.describe()}")
    return UNCLASSIFIED


def words_of(text: str) -> list[str]:
    """`FinServ__AccountNumber__c` → ["account", "number"]: namespace and suffix dropped, camel case split."""
    return list(_words(text)) if text else []


_SUFFIX = re.compile(r"__[a-z]{1,3}$")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


# Cached: a field reads its name, label, compound parent and object several times, and names recur across objects.
@functools.lru_cache(maxsize=65_536)
def _words(text: str) -> tuple[str, ...]:
    core = _SUFFIX.sub("", text)
    core = core.split("__", 1)[1] if "__" in core else core
    core = core.replace("'", "")
    return tuple(word.lower() for part in _SEPARATORS.split(core) for word in _WORD.findall(part))


def _without(words: list[str], phrase: list[str]) -> list[str]:
    """A label without its object's label ("Asset Name" on Asset is "Name"): the object must not classify its fields."""
    size = len(phrase)
    for start in range(len(words) - size + 1) if size else ():
        if words[start:start + size] == phrase:
            return words[:start] + words[start + size:]
    return words


class TermIndex:
    """The terms of a table of word rules by their first word: a field's words are read once, and at each word only
    the terms that may begin there are compared (hundreds of terms cost a few look-ups a word, not a walk of all)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._by_word: dict[str, list[_Term]] = {}
        self._by_beginning: dict[str, list[_Term]] = {}  # terms whose first word ends in `*`, by what precedes it
        self._in_any_words: list[_Term] = []  # an empty term is in any words
        for rule_position, rule in enumerate(self.rules):
            for term_position, words in enumerate(rule.terms):
                self._add(_Term(rule_position, term_position, words))
        self._beginning_sizes = sorted({len(beginning) for beginning in self._by_beginning})

    def _add(self, term: _Term) -> None:
        if not term.words:
            self._in_any_words.append(term)
        elif term.words[0].endswith("*"):
            self._by_beginning.setdefault(term.words[0][:-1], []).append(term)
        else:
            self._by_word.setdefault(term.words[0], []).append(term)

    def first_terms(self, words: Sequence[str]) -> dict[int, int]:
        """For each rule with a term in `words` (by the rule's position): the position of its first such term."""
        found = {term.rule: term.position for term in reversed(self._in_any_words)}
        for start, word in enumerate(words):
            for term in self._starting_with(word):
                if term.position < found.get(term.rule, len(self.rules[term.rule].terms)) \
                        and _phrase_at(words, start, term.words):
                    found[term.rule] = term.position
        return found

    def terms_at(self, words: Sequence[str], start: int) -> list[_Term]:
        """The terms whose phrase begins at `words[start]`."""
        return [term for term in self._starting_with(words[start]) if _phrase_at(words, start, term.words)]

    def _starting_with(self, word: str) -> list[_Term]:
        terms = list(self._by_word.get(word, ()))
        for size in self._beginning_sizes:
            if size > len(word):
                break
            terms += self._by_beginning.get(word[:size], ())
        return terms


@dataclass(frozen=True)
class _Term:
    rule: int  # the rule's position in its table
    position: int  # the term's position in its rule's terms
    words: tuple[str, ...]


@functools.cache
def _name_rule_index() -> TermIndex:
    return TermIndex(NAME_RULES)


def _phrase_at(words: Sequence[str], start: int, term: tuple[str, ...]) -> bool:
    return len(words) - start >= len(term) and all(
        _word_matches(word, pattern) for word, pattern in zip(words[start:], term, strict=False))


def _word_matches(word: str, pattern: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern

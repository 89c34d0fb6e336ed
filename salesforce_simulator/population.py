"""Deterministic synthetic consumers: the ``population:`` section of an org definition.

Consumer ``i`` is a pure function of (seed, i) — a person Account, Contact, Individual,
contact points, one consent per purpose, financial accounts with transactions and cards,
and maybe a loan application and a KYC check — so row N of any object is produced without
rows 0..N-1 and a million consumers stream in constant memory. Knobs: docs/org-definition.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from salesforce_simulator import definition
from salesforce_simulator.describe import CompactField, CompactObject
from salesforce_simulator.org import (
    ChainedRecordSource,
    IndexedRecordSource,
    Org,
    Record,
    RecordSource,
    record_id,
    sf_epoch,
)

GENERATED_POD = "8g"  # literal ids use pod 8d, so generated ids never collide with them
_MASK64 = (1 << 64) - 1

FIRST_NAMES = (
    "Ada", "Bea", "Cyrus", "Dara", "Eli", "Farah", "Gus", "Hana", "Ivo", "June", "Kofi", "Lena",
    "Milo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tao", "Uma", "Vik", "Wren", "Yara",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Baptiste", "Chen", "Dubois", "Eze", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Mensah", "Nakamura", "Okafor", "Petrov", "Rossi", "Silva",
    "Tanaka", "Umarov", "Vargas", "Weber", "Xu", "Young",
)  # fmt: skip
CITIES_BY_STATE = {
    "CA": (("San Francisco", "94105", "415"), ("Oakland", "94607", "510"), ("Los Angeles", "90012", "213"),
           ("San Diego", "92101", "619"), ("Sacramento", "95814", "916"), ("Fresno", "93721", "559")),
    "OR": (("Portland", "97204", "503"), ("Eugene", "97401", "541")),
    "WA": (("Seattle", "98104", "206"), ("Spokane", "99201", "509")),
    "NV": (("Las Vegas", "89101", "702"), ("Reno", "89501", "775")),
    "AZ": (("Phoenix", "85004", "602"), ("Tucson", "85701", "520")),
    "TX": (("Austin", "78701", "512"), ("Houston", "77002", "713")),
}  # fmt: skip
DEFAULT_STATES = {"CA": 0.8, "OR": 0.05, "WA": 0.05, "NV": 0.04, "AZ": 0.03, "TX": 0.03}
DEFAULT_PURPOSES = ("Marketing", "Service", "Analytics")
CONSENT_STATUSES = ("OptIn", "OptOut", "NotSeen", "Seen")
MERCHANTS = (("Corner Grocery", "5411"), ("Bay Transit", "4111"), ("Sunrise Cafe", "5814"),
             ("City Utilities", "4900"), ("Online Books", "5942"), ("Payroll Deposit", "0000"))  # fmt: skip


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 rounds): cheap, stable across runs and platforms."""
    state = 0x9E3779B97F4A7C15
    for part in parts:
        state = (state ^ (part & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
        state = (state ^ (state >> 31)) * 0x94D049BB133111EB & _MASK64
        state ^= state >> 29
    return state


def fraction(*parts: int) -> float:
    """A deterministic number in [0, 1)."""
    return mix(*parts) / 2**64


def pick(options: tuple[Any, ...] | list[Any], *parts: int) -> Any:
    return options[mix(*parts) % len(options)]


def weighted(weights: Mapping[str, float], roll: float) -> str:
    """The key whose share of the cumulative weights ``roll`` (0..1) lands in."""
    total = sum(weights.values()) or 1.0
    running = 0.0
    for key, weight in weights.items():
        running += weight / total
        if roll < running:
            return key
    return next(reversed(list(weights)))


@dataclass(frozen=True)
class ConsentRule:
    """One consent per consumer for a purpose (the ``population.consents`` entries)."""

    purpose: str  # DataUsePurpose Id
    contact_point_type: str = "Email"
    statuses: Mapping[str, float] = field(default_factory=dict)  # empty: consent_opt_out_rate
    follows_processing_opt_out: bool = True


@dataclass(frozen=True)
class PopulationSettings:
    consumers: int = 0
    seed: int = 0
    person_accounts: bool = True
    email_domain: str = "example.com"
    created_span_days: int = 1500
    states: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_STATES))
    opt_out_processing_rate: float = 0.0
    opt_out_solicit_rate: float | None = None  # None: same as the processing opt-out
    opt_out_tracking_rate: float | None = None
    opt_out_profiling_rate: float | None = None
    should_forget_rate: float = 0.0
    consent_opt_out_rate: float = 0.15
    consents: tuple[ConsentRule, ...] = ()  # empty: one Email consent per DataUsePurpose
    capture_sources: Mapping[str, float] = field(default_factory=lambda: {"Web": 0.6, "Branch": 0.4})
    contact_points: Mapping[str, float] = field(default_factory=lambda: {"email": 1.0, "phone": 1.0})
    financial_accounts_per_consumer: int = 1
    financial_accounts: Mapping[str, Any] = field(default_factory=dict)
    transactions_per_account: int = 0
    cards_per_checking_account: int = 0
    loan_application_rate: float = 0.0
    kyc_check_rate: float = 0.0
    deleted_rate: float = 0.0  # share of consumers soft-deleted (seen by queryAll only)

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any]) -> PopulationSettings:
        known = set(cls.__dataclass_fields__)
        values = {key: value for key, value in section.items() if key in known}
        values["consents"] = tuple(
            ConsentRule(**{k: v for k, v in rule.items() if k in ConsentRule.__dataclass_fields__})
            for rule in section.get("consents") or ()
        )
        return cls(**values)

    @property
    def accounts_range(self) -> tuple[int, int]:
        """(fewest, most) financial accounts per consumer."""
        bounds = self.financial_accounts.get("per_consumer")
        if bounds:
            return int(bounds[0]), int(bounds[1])
        return self.financial_accounts_per_consumer, self.financial_accounts_per_consumer


@dataclass(frozen=True)
class Person:
    """What every record of one consumer agrees on."""

    index: int
    first: str
    last: str
    email: str
    phone: str
    area_code: str
    street: str
    city: str
    state: str
    postal: str
    birthdate: str
    created: int  # epoch seconds
    modified: int
    deleted: bool
    opted_out: bool


class ConsumerPopulation:
    """Row makers for every object of the population, each a function of an index."""

    def __init__(self, settings: PopulationSettings, now: datetime, prefixes: Mapping[str, str],
                 purposes: list[Record], owner_id: str) -> None:  # fmt: skip
        self.settings = settings
        self.prefixes = prefixes
        self.owner_id = owner_id
        self.now = int(now.timestamp())
        self.rules = settings.consents or tuple(
            ConsentRule(str(p["Id"])) for p in purposes if p.get("Id")
        )
        self.purpose_names = {str(p.get("Id")): str(p.get("Name", "Purpose")) for p in purposes}
        self.max_accounts = max(1, settings.accounts_range[1])

    def _id(self, object_name: str, index: int) -> str:
        return record_id(self.prefixes[object_name], index, GENERATED_POD)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one population per org, lives as long
    def person(self, i: int) -> Person:
        seed, s = self.settings.seed, self.settings
        names, contact, flags = mix(seed, i, 1), mix(seed, i, 2), mix(seed, i, 3)
        first = FIRST_NAMES[names % len(FIRST_NAMES)]
        last = LAST_NAMES[(names >> 8) % len(LAST_NAMES)]
        state = weighted(s.states, ((names >> 16) & 0xFFFF) / 65536)
        cities = CITIES_BY_STATE.get(state, CITIES_BY_STATE["CA"])
        city, postal, area = cities[(names >> 32) % len(cities)]
        created = self.now - 60 * ((names >> 24) % max(1, s.created_span_days * 1440) + 60)
        return Person(
            index=i, first=first, last=last,
            email=f"{first.lower()}.{last.lower()}.{i}@{s.email_domain}",
            phone=f"+1{area}{contact % 10_000_000:07d}", area_code=area,
            street=f"{1 + (contact >> 24) % 9000} Market St", city=city, state=state, postal=postal,
            birthdate=f"{1940 + (names >> 48) % 65}-{1 + (contact >> 40) % 12:02d}-{1 + (contact >> 44) % 28:02d}",
            created=created, modified=min(self.now, created + 86400 * ((contact >> 50) % 400)),
            deleted=self._deleted(i),
            opted_out=(flags >> 32) / 2**32 < s.opt_out_processing_rate,
        )  # fmt: skip

    def _audit(self, p: Person, created: int | None = None) -> Record:
        made = sf_epoch(created if created is not None else p.created)
        changed = sf_epoch(max(p.modified, created or 0))
        return {"IsDeleted": p.deleted, "OwnerId": self.owner_id, "CreatedDate": made,
                "CreatedById": self.owner_id, "LastModifiedDate": changed,
                "LastModifiedById": self.owner_id, "SystemModstamp": changed}  # fmt: skip

    def _flag(self, p: Person, rate: float | None, salt: int) -> bool:
        if rate is None:
            return p.opted_out
        return fraction(self.settings.seed, p.index, salt) < rate

    # -- one row per consumer ---------------------------------------------------------------

    def individual(self, i: int) -> Record:
        p, s = self.person(i), self.settings
        return {
            "Id": self._id("Individual", i), "FirstName": p.first, "LastName": p.last,
            "Name": f"{p.first} {p.last}", "BirthDate": p.birthdate,
            "HasOptedOutProcessing": p.opted_out,
            "HasOptedOutSolicit": self._flag(p, s.opt_out_solicit_rate, 31),
            "HasOptedOutTracking": self._flag(p, s.opt_out_tracking_rate, 32),
            "HasOptedOutProfiling": self._flag(p, s.opt_out_profiling_rate, 33),
            "HasOptedOutGeoTracking": self._flag(p, s.opt_out_tracking_rate, 32),
            "ShouldForget": fraction(s.seed, i, 34) < s.should_forget_rate,
            "SendIndividualData": False, "CanStorePiiElsewhere": not p.opted_out,
            **self._audit(p),
        }  # fmt: skip

    def contact(self, i: int) -> Record:
        p = self.person(i)
        return {
            "Id": self._id("Contact", i),
            "AccountId": self._id("Account", i) if self.settings.person_accounts else None,
            "FirstName": p.first, "LastName": p.last, "Name": f"{p.first} {p.last}",
            "Email": p.email, "MobilePhone": p.phone, "Birthdate": p.birthdate,
            "MailingStreet": p.street, "MailingCity": p.city, "MailingState": p.state,
            "MailingPostalCode": p.postal, "MailingCountry": "US",
            "IndividualId": self._id("Individual", i), "HasOptedOutOfEmail": p.opted_out,
            "LeadSource": pick(("Web", "Branch", "Referral", "Mobile App"), self.settings.seed, i, 30),
            **self._audit(p),
        }  # fmt: skip

    def person_account(self, i: int) -> Record:
        p = self.person(i)
        return {
            "Id": self._id("Account", i), "Name": f"{p.first} {p.last}",
            "FirstName": p.first, "LastName": p.last, "IsPersonAccount": True,
            "PersonContactId": self._id("Contact", i), "PersonEmail": p.email,
            "PersonMobilePhone": p.phone, "PersonBirthdate": p.birthdate,
            "PersonMailingStreet": p.street, "PersonMailingCity": p.city,
            "PersonMailingState": p.state, "PersonMailingPostalCode": p.postal,
            "PersonMailingCountry": "US", "PersonIndividualId": self._id("Individual", i),
            "PersonHasOptedOutOfEmail": p.opted_out, "Type": "Customer", **self._audit(p),
        }  # fmt: skip

    def contact_point_email(self, i: int) -> Record | None:
        if fraction(self.settings.seed, i, 35) >= self.settings.contact_points.get("email", 1.0):
            return None
        p = self.person(i)
        return {
            "Id": self._id("ContactPointEmail", i), "Name": p.email,
            "ParentId": self._id("Individual", i), "EmailAddress": p.email,
            "EmailDomain": p.email.rpartition("@")[2], "IsPrimary": True,
            "ActiveFromDate": sf_epoch(p.created)[:10], **self._audit(p),
        }  # fmt: skip

    def contact_point_phone(self, i: int) -> Record | None:
        if fraction(self.settings.seed, i, 36) >= self.settings.contact_points.get("phone", 1.0):
            return None
        p = self.person(i)
        return {
            "Id": self._id("ContactPointPhone", i), "Name": p.phone,
            "ParentId": self._id("Individual", i), "TelephoneNumber": p.phone,
            "AreaCode": p.area_code, "PhoneType": "Mobile", "IsSmsCapable": True,
            "IsPrimary": True, "ActiveFromDate": sf_epoch(p.created)[:10], **self._audit(p),
        }  # fmt: skip

    def loan_application(self, i: int) -> Record | None:
        seed = self.settings.seed
        if fraction(seed, i, 60) >= self.settings.loan_application_rate:
            return None
        p = self.person(i)
        decided = min(self.now, p.modified + 3600)
        return {
            "Id": self._id("Loan_Application__c", i), "Name": f"LA-{i:07d}",
            "Applicant__c": self._id("Account", i),
            "Loan_Type__c": pick(("Personal", "Auto", "Credit Line"), seed, i, 61),
            "Requested_Amount__c": float(1000 * (1 + mix(seed, i, 62) % 50)),
            "Annual_Income__c": float(1000 * (30 + mix(seed, i, 63) % 170)),
            "Applicant_SSN__c": f"900-{mix(seed, i, 64) % 90 + 10:02d}-{mix(seed, i, 65) % 9000 + 1000:04d}",
            "Credit_Score__c": 560 + mix(seed, i, 66) % 290,
            "Decision__c": pick(("Approved", "Approved", "Declined", "Referred"), seed, i, 67),
            "Decision_Date__c": sf_epoch(decided), **self._audit(p, p.modified),
        }  # fmt: skip

    def kyc_check(self, i: int) -> Record | None:
        seed = self.settings.seed
        if fraction(seed, i, 70) >= self.settings.kyc_check_rate:
            return None
        p = self.person(i)
        return {
            "Id": self._id("KYC_Check__c", i), "Name": f"KYC-{i:07d}", "Account__c": self._id("Account", i),
            "Check_Status__c": pick(("Passed",) * 18 + ("Manual Review", "Failed"), seed, i, 71),
            "Id_Document_Type__c": pick(("Driver License", "Passport", "State ID"), seed, i, 72),
            "Id_Document_Number__c": f"D{mix(seed, i, 73) % 10**7:07d}", "Date_Of_Birth__c": p.birthdate,
            "Watchlist_Hit__c": fraction(seed, i, 74) < 0.005,
            "Vendor_Reference__c": f"idv_{mix(seed, i, 75) % 16**8:08x}",
            "Checked_At__c": sf_epoch(p.created + 600), **self._audit(p, p.created + 600),
        }  # fmt: skip

    # -- one row per consumer and purpose ---------------------------------------------------

    def consent(self, k: int) -> Record:
        """Consent ``k``: consumer k // R for consent rule k % R."""
        i, slot = divmod(k, max(1, len(self.rules)))
        p, rule, seed = self.person(i), self.rules[slot], self.settings.seed
        source = weighted(self.settings.capture_sources, fraction(seed, k, 40))
        purpose = self.purpose_names.get(rule.purpose, "Purpose")
        return {
            "Id": self._id("ContactPointTypeConsent", k),
            "Name": f"{purpose} consent {p.first} {p.last}",
            "PartyId": self._id("Individual", i), "DataUsePurposeId": rule.purpose,
            "ContactPointType": rule.contact_point_type,
            "PrivacyConsentStatus": self._consent_status(p, rule, k),
            "EffectiveFrom": sf_epoch(p.created), "EffectiveTo": None,
            "CaptureDate": sf_epoch(p.created), "CaptureSource": source,
            "CaptureContactPointType": "Web", "DoubleConsentCaptureDate": None, **self._audit(p),
        }  # fmt: skip

    def _consent_status(self, p: Person, rule: ConsentRule, k: int) -> str:
        if p.opted_out and rule.follows_processing_opt_out:
            return "OptOut"
        roll = fraction(self.settings.seed, k, 41)
        if rule.statuses:
            return weighted(rule.statuses, roll)
        if roll < self.settings.consent_opt_out_rate:
            return "OptOut"
        return "OptIn" if roll < 0.9 else pick(("NotSeen", "Seen"), self.settings.seed, k, 42)

    # -- id and lookup columns without their rows (what an index reads) ----------------------

    def columns(self, object_name: str) -> dict[str, Callable[[int], Any]]:
        """Row n's Id, deletion and links to the consumer's other records, equal to the row's own values
        (an index or `SELECT Id` reads a million of them: making each whole row costs twenty times as much)."""
        individual = functools.partial(self._id, "Individual")
        per_consumer: dict[str, dict[str, Callable[[int], Any]]] = {
            "Individual": {"IsDeleted": self._deleted},
            "Contact": {"IndividualId": individual, "AccountId": self._contact_account, "IsDeleted": self._deleted},
            "Account": {"PersonIndividualId": individual, "PersonContactId": functools.partial(self._id, "Contact"),
                        "IsPersonAccount": _always_true, "IsDeleted": self._deleted},
            "ContactPointEmail": {"ParentId": individual, "IsDeleted": self._deleted},
            "ContactPointPhone": {"ParentId": individual, "IsDeleted": self._deleted},
            "ContactPointTypeConsent": {"PartyId": self._consent_party, "IsDeleted": self._consent_deleted},
        }
        return {"Id": functools.partial(self._id, object_name), **per_consumer.get(object_name, {})}

    def _deleted(self, i: int) -> bool:
        return (mix(self.settings.seed, i, 3) & 0xFFFFFFFF) / 2**32 < self.settings.deleted_rate

    def _consent_deleted(self, k: int) -> bool:
        return self._deleted(k // max(1, len(self.rules)))

    def _contact_account(self, i: int) -> str | None:
        return self._id("Account", i) if self.settings.person_accounts else None

    def _consent_party(self, k: int) -> str:
        return self._id("Individual", k // max(1, len(self.rules)))

    # -- financial accounts and what hangs off them -------------------------------------------

    def _account_count(self, i: int) -> int:
        fewest, most = self.settings.accounts_range
        return fewest + mix(self.settings.seed, i, 50) % (most - fewest + 1)

    def _account_type(self, k: int) -> str:
        types = self.settings.financial_accounts.get("types") or {"Checking": 0.6, "Savings": 0.4}
        return weighted(types, fraction(self.settings.seed, k, 51))

    def financial_account(self, k: int) -> Record | None:
        i, slot = divmod(k, self.max_accounts)
        if slot >= self._account_count(i):
            return None
        p, seed = self.person(i), self.settings.seed
        kind = self._account_type(k)
        low, high = self.settings.financial_accounts.get("balance") or (0, 50000)
        balance = low + (mix(seed, k, 52) % max(1, int((high - low) * 100))) / 100
        number = f"{mix(seed, k, 53) % 10**12:012d}"
        return {
            "Id": self._id("FinServ__FinancialAccount__c", k), "Name": f"{kind} {number[-4:]}",
            "FinServ__FinancialAccountNumber__c": number,
            "FinServ__RoutingNumber__c": str(self.settings.financial_accounts.get("routing_number", "")) or None,
            "FinServ__Balance__c": round(balance, 2), "FinServ__FinancialAccountType__c": kind,
            "FinServ__PrimaryOwner__c": self._id("Account", i),
            "FinServ__Status__c": "Open" if fraction(seed, k, 54) < 0.93 else "Closed",
            "FinServ__OpenDate__c": sf_epoch(p.created)[:10],
            "FinServ__InterestRate__c": 0.1 if kind == "Checking" else 3.5,
            "Core_Account_Id__c": f"TF-{kind[:3].upper()}-{number[-10:]}",
            "Core_Last_Synced__c": sf_epoch(self.now - 3600), **self._audit(p),
        }  # fmt: skip

    def transaction(self, t: int) -> Record | None:
        per_account = max(1, self.settings.transactions_per_account)
        k, n = divmod(t, per_account)
        account = self.financial_account(k)
        if account is None:
            return None
        seed = self.settings.seed
        p = self.person(k // self.max_accounts)
        merchant, code = pick(MERCHANTS, seed, t, 80)
        credit = code == "0000"
        when = self.now - 86400 * (1 + n * 3) - mix(seed, t, 81) % 86400
        return {
            "Id": self._id("FinServ__FinancialAccountTransaction__c", t), "Name": f"TXN-{t:09d}",
            "FinServ__FinancialAccount__c": account["Id"],
            "FinServ__Amount__c": round((mix(seed, t, 82) % 300_000) / 100 + (2000 if credit else 0), 2),
            "FinServ__TransactionDate__c": sf_epoch(when), "FinServ__PostDate__c": sf_epoch(when)[:10],
            "FinServ__TransactionType__c": "Credit" if credit else "Debit",
            "FinServ__TransactionStatus__c": "Posted", "FinServ__Description__c": merchant,
            "Merchant_Name__c": merchant, "Merchant_Category_Code__c": code,
            "Core_Transaction_Id__c": f"TF-{t:012d}", **self._audit(p, when),
        }  # fmt: skip

    def card(self, c: int) -> Record | None:
        per_account = max(1, self.settings.cards_per_checking_account)
        k, _ = divmod(c, per_account)
        account = self.financial_account(k)
        if account is None or account["FinServ__FinancialAccountType__c"] != "Checking":
            return None
        seed = self.settings.seed
        i = k // self.max_accounts
        p = self.person(i)
        last_four = f"{mix(seed, c, 90) % 10000:04d}"
        return {
            "Id": self._id("FinServ__Card__c", c), "Name": f"Debit {last_four}",
            "FinServ__FinancialAccount__c": account["Id"], "FinServ__AccountHolder__c": self._id("Account", i),
            "FinServ__CardType__c": "Debit", "FinServ__Active__c": True,
            "FinServ__ExpirationDate__c": f"{2027 + mix(seed, c, 91) % 4}-{1 + mix(seed, c, 92) % 12:02d}-28",
            "Cardholder_Name__c": f"{p.first} {p.last}".upper(), "Card_Last_Four__c": last_four,
            "Card_Token__c": f"tok_{mix(seed, c, 93):016x}", **self._audit(p),
        }  # fmt: skip


def _always_true(_: int) -> bool:
    return True


def _f(name: str, kind: str, label: str, **extra: Any) -> CompactField:
    return CompactField(name, kind, label, custom=extra.pop("custom", False), **extra)


POPULATION_OBJECTS: dict[str, list[CompactField]] = {
    "Individual": [
        _f("FirstName", "string", "First Name", length=40), _f("LastName", "string", "Last Name", length=80),
        _f("BirthDate", "date", "Birth Date"),
        _f("HasOptedOutProcessing", "boolean", "Don't Process"),
        _f("HasOptedOutTracking", "boolean", "Don't Track"),
        _f("HasOptedOutGeoTracking", "boolean", "Don't Track Location"),
        _f("HasOptedOutProfiling", "boolean", "Don't Profile"),
        _f("HasOptedOutSolicit", "boolean", "Don't Market"),
        _f("ShouldForget", "boolean", "Forget this Individual"),
        _f("SendIndividualData", "boolean", "Export Individual's Data"),
        _f("CanStorePiiElsewhere", "boolean", "OK to Store PII Data Elsewhere"),
    ],
    "ContactPointEmail": [
        _f("ParentId", "reference", "Parent ID", reference_to=["Individual", "Account"], relationship_name="Parent"),
        _f("EmailAddress", "email", "Email Address"), _f("EmailDomain", "string", "Email Domain"),
        _f("IsPrimary", "boolean", "Primary"), _f("ActiveFromDate", "date", "Active from Date"),
    ],
    "ContactPointPhone": [
        _f("ParentId", "reference", "Parent ID", reference_to=["Individual", "Account"], relationship_name="Parent"),
        _f("TelephoneNumber", "phone", "Phone Number"), _f("AreaCode", "string", "Area Code", length=10),
        _f("PhoneType", "picklist", "Phone Type", picklist_values=["Home", "Mobile", "Work"]),
        _f("IsSmsCapable", "boolean", "SMS Capable"), _f("IsPrimary", "boolean", "Primary"),
        _f("ActiveFromDate", "date", "Active from Date"),
    ],
    "ContactPointTypeConsent": [
        _f("PartyId", "reference", "Party ID", reference_to=["Individual"], relationship_name="Party"),
        _f("DataUsePurposeId", "reference", "Data Use Purpose ID", reference_to=["DataUsePurpose"],
           relationship_name="DataUsePurpose"),
        _f("ContactPointType", "picklist", "Contact Point Type",
           picklist_values=["Email", "Phone", "Web", "Social", "MailingAddress"]),
        _f("PrivacyConsentStatus", "picklist", "Privacy Consent Status", picklist_values=list(CONSENT_STATUSES)),
        _f("EffectiveFrom", "datetime", "Effective From"), _f("EffectiveTo", "datetime", "Effective To"),
        _f("CaptureDate", "datetime", "Capture Date"), _f("CaptureSource", "string", "Capture Source"),
        _f("CaptureContactPointType", "picklist", "Capture Contact Point Type",
           picklist_values=["Email", "Phone", "Web", "Social"]),
        _f("DoubleConsentCaptureDate", "datetime", "Double Consent Capture Date"),
    ],
    "DataUsePurpose": [
        _f("Description", "textarea", "Description"),
        _f("CanDataSubjectOptOut", "boolean", "Can Data Subject Opt Out"),
        _f("LegalBasisId", "reference", "Legal Basis ID", reference_to=["DataUseLegalBasis"],
           relationship_name="LegalBasis"),
    ],
    "FinServ__FinancialAccount__c": [
        _f("FinServ__FinancialAccountNumber__c", "string", "Financial Account Number", length=30, custom=True,
           classification="Restricted", compliance_groups=["PCI", "GLBA"]),
        _f("FinServ__RoutingNumber__c", "string", "Routing Number", length=9, custom=True),
        _f("FinServ__PrimaryOwner__c", "reference", "Primary Owner", reference_to=["Account"],
           relationship_name="FinServ__PrimaryOwner__r", custom=True),
        _f("FinServ__FinancialAccountType__c", "picklist", "Financial Account Type", custom=True,
           picklist_values=["Checking", "Savings", "Brokerage"]),
        _f("FinServ__Balance__c", "currency", "Balance", custom=True),
        _f("FinServ__Status__c", "picklist", "Status", picklist_values=["Open", "Closed"], custom=True),
        _f("FinServ__OpenDate__c", "date", "Open Date", custom=True),
        _f("FinServ__InterestRate__c", "percent", "Interest Rate", custom=True),
        _f("Core_Account_Id__c", "string", "Core Account Id", custom=True, external_id=True),
        _f("Core_Last_Synced__c", "datetime", "Core Last Synced", custom=True),
    ],
    "Contact": [
        _f("AccountId", "reference", "Account ID", reference_to=["Account"], relationship_name="Account"),
        _f("FirstName", "string", "First Name", length=40), _f("LastName", "string", "Last Name", length=80),
        _f("Email", "email", "Email"), _f("MobilePhone", "phone", "Mobile Phone"),
        _f("Birthdate", "date", "Birthdate"), _f("MailingStreet", "textarea", "Mailing Street"),
        _f("MailingCity", "string", "Mailing City", length=40),
        _f("MailingState", "string", "Mailing State/Province", length=80),
        _f("MailingPostalCode", "string", "Mailing Zip/Postal Code", length=20),
        _f("MailingCountry", "string", "Mailing Country", length=80),
        _f("IndividualId", "reference", "Individual ID", reference_to=["Individual"], relationship_name="Individual"),
        _f("HasOptedOutOfEmail", "boolean", "Email Opt Out"),
        _f("LeadSource", "picklist", "Lead Source", picklist_values=["Web", "Branch", "Referral", "Mobile App"]),
    ],
    "Account": [
        _f("FirstName", "string", "First Name", length=40), _f("LastName", "string", "Last Name", length=80),
        _f("Type", "picklist", "Account Type", picklist_values=["Customer", "Partner", "Prospect"]),
        _f("IsPersonAccount", "boolean", "Is Person Account"),
        _f("PersonContactId", "reference", "Person Contact ID", reference_to=["Contact"],
           relationship_name="PersonContact"),
        _f("PersonEmail", "email", "Email"), _f("PersonMobilePhone", "phone", "Mobile"),
        _f("PersonBirthdate", "date", "Birthdate"), _f("PersonMailingStreet", "textarea", "Mailing Street"),
        _f("PersonMailingCity", "string", "Mailing City", length=40),
        _f("PersonMailingState", "string", "Mailing State/Province", length=80),
        _f("PersonMailingPostalCode", "string", "Mailing Zip/Postal Code", length=20),
        _f("PersonMailingCountry", "string", "Mailing Country", length=80),
        _f("PersonIndividualId", "reference", "Individual ID", reference_to=["Individual"],
           relationship_name="PersonIndividual"),
        _f("PersonHasOptedOutOfEmail", "boolean", "Email Opt Out"),
    ],
}  # fmt: skip

# Objects generated only when their knob asks for them and the org declares them.
OPTIONAL_OBJECTS = ("FinServ__FinancialAccountTransaction__c", "FinServ__Card__c", "Loan_Application__c",
                    "KYC_Check__c")  # fmt: skip


def ensure_population_objects(org: Org) -> None:
    """Declare, compactly, whichever population objects the org does not already have."""
    missing = [
        CompactObject(name, custom=name.endswith("__c"), fields=list(fields),
                      last_modified=org.now - timedelta(days=90))
        for name, fields in POPULATION_OBJECTS.items()
        if org.sobject(name) is None
    ]  # fmt: skip
    definition.assign_key_prefixes(org, missing)
    for obj in missing:
        definition.register_compact_object(org, obj)


def populate(org: Org, section: Mapping[str, Any]) -> ConsumerPopulation:
    """Add a streaming consumer population to ``org``, after its literal records."""
    settings = PopulationSettings.from_mapping(section)
    ensure_population_objects(org)
    purposes = _purposes(org)
    names = [*POPULATION_OBJECTS, *(name for name in OPTIONAL_OBJECTS if org.sobject(name))]
    prefixes = {name: org.sobject(name).key_prefix or "a00" for name in names}  # type: ignore[union-attr]
    owner_id = org.users[0].id if org.users else record_id("005", 1)
    population = ConsumerPopulation(settings, org.now, prefixes, purposes, owner_id)
    for name, (size, make, sparse) in _sources(org, settings, population).items():
        _add_source(org, name, size, make, sparse, settings, population.columns(name))
    return population


Maker = Callable[[int], "Record | None"]


def _sources(org: Org, s: PopulationSettings, pop: ConsumerPopulation) -> dict[str, tuple[int, Maker, bool]]:
    n, accounts = s.consumers, s.consumers * pop.max_accounts
    sources: dict[str, tuple[int, Maker, bool]] = {
        "Individual": (n, pop.individual, False),
        "Contact": (n, pop.contact, False),
        "ContactPointEmail": (n, pop.contact_point_email, s.contact_points.get("email", 1.0) < 1),
        "ContactPointPhone": (n, pop.contact_point_phone, s.contact_points.get("phone", 1.0) < 1),
        "ContactPointTypeConsent": (n * len(pop.rules), pop.consent, False),
        "FinServ__FinancialAccount__c": (accounts, pop.financial_account, s.accounts_range[0] != s.accounts_range[1]),
    }  # fmt: skip
    if s.person_accounts:
        sources["Account"] = (n, pop.person_account, False)
    optional = {
        "FinServ__FinancialAccountTransaction__c": (accounts * s.transactions_per_account, pop.transaction),
        "FinServ__Card__c": (accounts * s.cards_per_checking_account, pop.card),
        "Loan_Application__c": (n if s.loan_application_rate > 0 else 0, pop.loan_application),
        "KYC_Check__c": (n if s.kyc_check_rate > 0 else 0, pop.kyc_check),
    }
    for name, (size, make) in optional.items():
        if size and org.sobject(name) is not None:
            sources[name] = (size, make, True)
    return sources


def _add_source(org: Org, name: str, size: int, make: Maker, sparse: bool, settings: PopulationSettings,
                columns: Mapping[str, Callable[[int], Any]]) -> None:
    known = _field_names(org, name)
    sample = next((row for row in map(make, range(min(size, 50))) if row is not None), None)
    unknown = tuple(key for key in (sample or {}) if key not in known)
    shaped = functools.partial(_trimmed, make, unknown) if unknown else make
    source = IndexedRecordSource(org.sobject(name).key_prefix or "a00", size, shaped)  # type: ignore[union-attr]
    source.sparse = sparse
    source.deleted_free = settings.deleted_rate <= 0
    source.columns = {field: column for field, column in columns.items() if field in known}  # trimmed: not served
    existing = org.record_sources.get(name)
    org.record_sources[name] = source if existing is None else ChainedRecordSource([existing, source])


def _purposes(org: Org) -> list[Record]:
    literal = [row for row in org.records("DataUsePurpose") if not row.get("IsDeleted")]
    if literal:
        return literal
    prefix = org.objects["DataUsePurpose"].key_prefix or "0oN"
    rows = [
        {"Id": record_id(prefix, n, GENERATED_POD), "Name": name, "IsDeleted": False,
         "CanDataSubjectOptOut": True, "Description": f"{name} communications"}
        for n, name in enumerate(DEFAULT_PURPOSES)
    ]  # fmt: skip
    org.add_records("DataUsePurpose", rows)
    return rows


def _field_names(org: Org, object_name: str) -> frozenset[str]:
    obj = org.sobject(object_name)
    if obj is None:
        return frozenset()
    return frozenset(f["name"] for f in obj.describe(org.max_api_version)["fields"])


def _trimmed(make: Maker, unknown: tuple[str, ...], index: int) -> Record | None:
    """Row ``index`` without the fields the object's describe does not declare."""
    row = make(index)
    if row is not None:
        for key in unknown:
            row.pop(key, None)
    return row


__all__ = ["ConsumerPopulation", "PopulationSettings", "RecordSource", "fraction", "mix", "pick", "populate"]

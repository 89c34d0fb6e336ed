"""Consents and subjects source: consumers, their records and their consent choices, keyed by HMAC only.

What is read. Individuals (with their opt-out flags), ContactPointEmail and ContactPointPhone, Contacts,
person Accounts, Leads and ContactPointTypeConsent, plus DataUsePurpose (with its legal basis).

Who a consumer is. The Individual is the person: every record linked to one Individual (a contact point's
ParentId, a Contact's or Lead's IndividualId, a person Account's PersonIndividualId, a consent's PartyId)
belongs to one `Subject`, keyed by `subject_hmac_for` over the Individual's Id (as an external id); a record
linked to no Individual is keyed by its own Id. Ids do not change when a person changes their email or
phone, so the subject stays one across such a change. Every identifier of the group (each email, each phone
in E.164, each record id, each external id of another system: the fields the org's manifests name as where it keeps
the id a system knows the consumer by, `consumer_id_field`) is
normalised and hashed (`lineage.identifiers`) into an `Identifier` that IDENTIFIES the subject: the index a
look-up reads, in which a Lead and a Contact sharing an address are found together by that address. A subject
the index already knows by its stable id's hash, under the current key or a previous one (`SubjectKeys`), keeps
its key, so re-keying after a key rotation rewrites the hashes and never splits a subject. No email, phone or
name leaves this module: subject and identifier nodes hold only HMACs, edges hold record ids and dates.

Planning. One Composite call of describes tells which objects and fields this org has (no person
accounts, no leads, an older API version: the queries ask only for what exists), and two Composite
calls count each object's rows and read the purposes.

Streaming. Each object is one query read in the order of its link to the Individual; the streams are
merged on that link, so each Individual's rows arrive together and memory holds one page per stream plus
one chunk of consumers, never the org. A REST query asks for that order (ORDER BY the link); a Bulk query
does not, because ORDER BY turns off the PK chunking that makes Bulk fit large objects, so its rows are
put in link order here (`in_link_order`: runs of `SORT_RUN_ROWS` sorted in memory and spilled to
temporary files, then merged), whatever order the job returns them in.
Objects above `bulk_threshold` records travel through a Bulk API 2.0
query job (one call per results page of `bulk_page_size` rows, asked for as maxRecords, plus the job's
creation and status polls); smaller ones through REST query pages of 2,000 (one call each). A read submits
all its Bulk jobs before it awaits any, so Salesforce runs them side by side, and awaits the largest first
with a growing wait between polls: the others are complete by then, a poll or two each. Every page goes through
`OrgClient.call`, so a session that expires between pages is renewed (a bare `query_all_iter`
generator would not be). The merge assumes Salesforce orders 18-character ids case-insensitively (they
are unique that way, which is why the 3-character suffix exists); a stream arriving in another order
stops the harvest with `ConsentOrderError` rather than splitting people silently.

Ranges. A full read of a large org does not fit one task's time limit (100,000 consumers took about 300 s
on the harvest benchmark; a million would take some 3,000 s), so `consumer_ranges` splits it by the
Individual id: one count, then the Individual ids (Bulk, pages of `BULK_ID_PAGE_SIZE`) give the bounds of
ranges of about `HARVEST_CONSUMERS_PER_TASK` consumers. Each range is one task reading every object with
`link >= lower AND link < upper` (REST or Bulk by the object's whole count, as an unsplit read: a range of a
large org is itself large); the first range also reads the records linked to no Individual (`link = null`),
which would otherwise cost a range of their own, a Bulk job per object for a handful of rows. Every row of a
consumer carries the same Individual id, so no consumer is split, and a killed task redoes its range only.
A range costs what an unsplit read of its rows costs plus its fixed part: the plan (three Composite calls)
and, per Bulk object, a job's creation, two status polls and one partly filled results page. Bounds are
kept only where they rise both case-insensitively and by their case-sensitive 15-character form, so the
ranges cover every id whichever way the org compares them.

Individual-level opt-outs. `HasOptedOutProcessing`, `HasOptedOutProfiling`, `HasOptedOutSolicit`,
`HasOptedOutTracking`, `HasOptedOutGeoTracking`, `ShouldForget` (true) and `CanStorePiiElsewhere`
(false) are choices about all processing of a kind, not about one DataUsePurpose; a person account's
`PersonHasOptedOutOfEmail` and `PersonDoNotCall` are the same for one channel. They record what a consumer
chose, not why the business processes data, so none is a `Purpose`: each checkbox the org has becomes a
`Preference` named after its field (`Individual.HasOptedOutProcessing`, `Account.PersonDoNotCall`; `meaning`
says what it asks), and a raised checkbox becomes a CONSENTED edge from the subject to it, with
status `opt_out` (channel Email / Phone for the person-account ones, none for the Individual's) and
`captured_at` = the record's LastModifiedDate (the flag was set then or earlier: the closest Salesforce
records without field history); the edge's evidence names the record. A checkbox left alone writes no
edge. An opt-out withdrawn later is retired by the next full run (the CONSENTS scope); until then the
graph errs on the side of the opt-out.

Incremental runs (`since`). The Composite calls that count rows in a full run ask instead for the rows
changed after `since` (SystemModstamp, or LastModifiedDate where a row has no SystemModstamp), so an
unchanged org costs three calls. The changed rows name the Individuals touched; each touched Individual
is then read again whole (every linked object, 200 ids to a query, 5 queries to a Composite call), so
its subject key and its record ids stay complete. Changed records linked to no Individual are written
on their own. Deltas are expected to be small: above `HARVEST_CONSENTS_FULL_READ_ABOVE` changed rows the
source reads the org whole instead (the re-reads, 200 consumers a query, would cost more) and says so in a
warning of the run. `since` is the source's watermark (harvesters.watermarks), on Salesforce's clock.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import io
import itertools
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import IO, Any

from django.conf import settings
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.util import call_salesforce

from harvesters.chunk import Chunk
from harvesters.client import OrgClient
from harvesters.composite import SubResponse, answer_records, describe_many, query_many
from harvesters.manifests import ConsumerIdField
from lineage import (
    ConsentEdge,
    ConsentStatus,
    EdgeRecord,
    HasRecordEdge,
    IdentifierRecord,
    IdentifiesEdge,
    NodeRecord,
    NodeRef,
    PreferenceRecord,
    PurposeRecord,
    SubjectRecord,
    get_graph,
    preference_key,
    purpose_key,
    sobject_key,
    subject_hmac_for,
)
from lineage.identifiers import IdentifierKind, InvalidIdentifier, identifier_hmac, key_id, normalised_record_id
from lineage.identifiers import normalised as normal_form
from lineage.queries.subjects import IdentifierMatch, subjects_by_identifier
from lineage.vocabulary import Label

log = logging.getLogger(__name__)

Row = dict[str, Any]
DEFAULT_BULK_THRESHOLD = 10_000  # records of one object; above it Bulk is cheaper than 2,000-row REST pages
DEFAULT_BULK_PAGE_SIZE = 50_000
BULK_ID_PAGE_SIZE = 250_000  # rows of one id each (about 5 MB of CSV): the range bounds of a million in 4 calls
DEFAULT_CONSUMERS_PER_CHUNK = 2_000
INCREMENTAL_IDS_PER_QUERY = 200  # keeps an IN (...) list well inside a GET URL
BULK_POLL_START_S = 0.5
BULK_POLL_MAX_S = 30.0  # a long job is polled a few times, not every 10 s: each poll is an API call of the org's
BULK_TIMEOUT_S = 3_600.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STANDALONE = ""  # the merge key of rows linked to no Individual (nulls sort first)
SORT_RUN_ROWS = 200_000  # Bulk rows sorted in memory at a time; more spill to temporary files

STATUSES = {"OptIn": ConsentStatus.OPT_IN, "OptOut": ConsentStatus.OPT_OUT, "Seen": ConsentStatus.SEEN,
            "NotSeen": ConsentStatus.NOT_SEEN}
BOOLEAN_FIELDS = frozenset({"HasOptedOutProcessing", "HasOptedOutProfiling", "HasOptedOutSolicit",
                            "HasOptedOutTracking", "HasOptedOutGeoTracking", "ShouldForget",
                            "CanStorePiiElsewhere", "PersonHasOptedOutOfEmail", "PersonDoNotCall", "IsPrimary"})


@dataclass(frozen=True)
class OptOutFlag:
    """A checkbox that records a consumer's objection; `raised_when` is the value that means "opted out"."""

    sobject: str
    field: str
    raised_when: bool
    meaning: str
    channel: str | None = None

    def preference(self, org_id: str) -> PreferenceRecord:
        return PreferenceRecord(org_id=org_id, sobject=self.sobject, field=self.field, meaning=self.meaning,
                                opted_out_when=self.raised_when, channel=self.channel,
                                evidence=f"describe:{self.sobject}")


OPT_OUT_FLAGS = (
    OptOutFlag("Individual", "HasOptedOutProcessing", True,
               "Don't Process: the consumer objects to any processing of their data."),
    OptOutFlag("Individual", "HasOptedOutProfiling", True, "Don't Profile: no profiling or automated decisions."),
    OptOutFlag("Individual", "HasOptedOutSolicit", True, "Don't Market: no solicitation or marketing."),
    OptOutFlag("Individual", "HasOptedOutTracking", True, "Don't Track: no tracking of behaviour."),
    OptOutFlag("Individual", "HasOptedOutGeoTracking", True, "Block Geolocation Tracking."),
    OptOutFlag("Individual", "ShouldForget", True, "Forget this Individual: the consumer asked for deletion."),
    OptOutFlag("Individual", "CanStorePiiElsewhere", False,
               "Not OK to store PII elsewhere: keep it out of other systems."),
    OptOutFlag("Account", "PersonHasOptedOutOfEmail", True, "Email Opt Out of a person account: send no email.",
               "Email"),
    OptOutFlag("Account", "PersonDoNotCall", True, "Do Not Call of a person account: make no calls.", "Phone"),
)


@dataclass(frozen=True)
class ConsumerObject:
    """One object holding consumers' records: what to select and which field links it to the Individual."""

    name: str
    link: str
    fields: tuple[str, ...]
    where: str = ""
    requires: tuple[str, ...] = ()  # fields `where` filters on

    def soql(self, condition: str = "", *, ordered: bool = True) -> str:
        columns = ", ".join(dict.fromkeys(("Id", self.link, *self.fields)))
        filters = " AND ".join(part for part in (self.where, condition) if part)
        where = f" WHERE {filters}" if filters else ""
        order = f" ORDER BY {self.link}" if ordered else ""
        return f"SELECT {columns} FROM {self.name}{where}{order}"  # noqa: S608 - names and dates only

    def count_soql(self) -> str:
        return f"SELECT COUNT() FROM {self.name}" + (f" WHERE {self.where}" if self.where else "")  # noqa: S608


INDIVIDUAL = ConsumerObject("Individual", "Id", (
    *(flag.field for flag in OPT_OUT_FLAGS if flag.sobject == "Individual"), "LastModifiedDate"))
CONSENT = ConsumerObject("ContactPointTypeConsent", "PartyId", (
    "DataUsePurposeId", "ContactPointType", "PrivacyConsentStatus", "EffectiveFrom", "EffectiveTo", "CaptureDate"))
CONSUMER_OBJECTS = (
    INDIVIDUAL,
    ConsumerObject("ContactPointEmail", "ParentId", ("EmailAddress", "IsPrimary")),
    ConsumerObject("ContactPointPhone", "ParentId", ("TelephoneNumber", "IsPrimary")),
    ConsumerObject("Account", "PersonIndividualId", ("PersonEmail", "PersonMobilePhone", "PersonHasOptedOutOfEmail",
                                                     "PersonDoNotCall", "LastModifiedDate"), "IsPersonAccount = true",
                   ("IsPersonAccount",)),
    ConsumerObject("Contact", "IndividualId", ("Email", "MobilePhone")),
    ConsumerObject("Lead", "IndividualId", ("Email", "MobilePhone", "Phone")),
    CONSENT,
)
# Where a subject's identifiers come from (each is hashed into the subject's `identifiers`).
EMAIL_SOURCES = (("ContactPointEmail", "EmailAddress"), ("Account", "PersonEmail"), ("Contact", "Email"),
                 ("Lead", "Email"))
PHONE_SOURCES = (("ContactPointPhone", "TelephoneNumber"), ("Account", "PersonMobilePhone"),
                 ("Contact", "MobilePhone"), ("Lead", "MobilePhone"), ("Lead", "Phone"))
# Records that identify a person (their ids are identifiers); consents are about a person, not of one.
IDENTIFYING_OBJECTS = ("Individual", "ContactPointEmail", "ContactPointPhone", "Account", "Contact", "Lead")
DEFAULT_PHONE_REGION = "US"  # the country of a phone number stored without its country code


@dataclass(frozen=True)
class ConsumerRange:
    """The consumers one task of a full read harvests: those whose Individual id lies in [lower, upper) as
    Salesforce compares ids; the first range (no `lower`) also takes the records linked to no Individual, so
    they cost no range of their own. Both bounds empty is the whole org. Every row of one consumer carries
    the same Individual id, so a range never splits a consumer."""

    lower: str | None = None
    upper: str | None = None

    def condition(self, obj: ConsumerObject) -> str:
        if self.lower is None:  # the unlinked rows (null) sort before every id: they belong to the first range
            return f"({obj.link} = null OR {obj.link} < '{api_id(self.upper)}')" if self.upper else ""
        return " AND ".join([f"{obj.link} >= '{api_id(self.lower)}'",
                             *([f"{obj.link} < '{api_id(self.upper)}'"] if self.upper else [])])

    @property
    def first(self) -> bool:
        """The range that reports the plan's errors and warnings (once per run, not once per range)."""
        return self.lower is None


WHOLE_ORG = ConsumerRange()


@dataclass(frozen=True)
class SubjectKeys:
    """The keys subjects are hashed with: `secret` makes every new hash; `previous` are keys a rotation is
    replacing (settings.SUBJECT_HMAC_PREVIOUS_KEYS). A subject the index already knows by its stable id, under any
    of them, keeps its key, so a re-key writes new hashes for the same subject instead of splitting it."""

    secret: bytes
    previous: tuple[bytes, ...] = ()
    # Reads the index (hashes -> live subjects); the graph's by default. None: every subject is new (tests).
    index: Callable[[list[str]], list[IdentifierMatch]] | None = lambda hashes: subjects_by_identifier(
        get_graph(), hashes)

    def known_subjects(self, stable_ids: Iterable[str]) -> dict[str, str]:
        """The subject hmac the index already holds for each of `stable_ids` that it knows."""
        by_hash: dict[str, str] = {}
        for stable_id in stable_ids:
            value = normalised_record_id(stable_id)
            for secret in (self.secret, *self.previous):
                by_hash[identifier_hmac(secret, IdentifierKind.RECORD_ID, value)] = stable_id
        if self.index is None or not by_hash:
            return {}
        known: dict[str, str] = {}
        for match in self.index(sorted(by_hash)):
            held = match.subject_key.removeprefix("subject:")
            known[by_hash[match.hmac]] = min(held, known.get(by_hash[match.hmac], held))
        return known


class ConsentOrderError(RuntimeError):
    """A stream did not arrive ordered by its Individual link, so merging it would split people."""


@dataclass
class ConsumerGroup:
    """Every row linked to one Individual (or one unlinked row), by object name."""

    individual_id: str | None
    rows: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, sobject: str, row: Row) -> None:
        self.rows.setdefault(sobject, []).append(row)


@dataclass(frozen=True)
class HarvestPlan:
    """Which objects exist and how each travels (REST pages or a Bulk job)."""

    objects: tuple[ConsumerObject, ...]
    bulk: frozenset[str]
    purposes: dict[str, str]  # DataUsePurpose Id -> Name
    nodes: tuple[PurposeRecord | PreferenceRecord, ...]  # written before any consumer: purposes, opt-out flags
    errors: tuple[str, ...] = ()
    changed: dict[str, SubResponse] = field(default_factory=dict)  # incremental: first page of changed rows
    warnings: tuple[str, ...] = ()  # objects of the consent model this org does not have
    rows: dict[str, int] = field(default_factory=dict)  # a full read: each object's count of rows
    consumer_ids: tuple[ConsumerIdField, ...] = ()  # the manifests' consumer-id fields this org has


# --- the source ------------------------------------------------------------------------------------


def consent_chunks(
    client: OrgClient, org_id: str, *, since: datetime | None = None, keys: SubjectKeys | None = None,
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD, bulk_page_size: int = DEFAULT_BULK_PAGE_SIZE,
    consumers_per_chunk: int = DEFAULT_CONSUMERS_PER_CHUNK, full_read_above: int | None = None,
    consumers: ConsumerRange = WHOLE_ORG, consumer_ids: Sequence[ConsumerIdField] = (),
) -> Iterator[Chunk]:
    """Purposes and preferences first, then subjects with HAS_RECORD and CONSENTED edges, `consumers_per_chunk`
    at a time.

    `keys` default to the configured ones (`subject_keys`). The SObject nodes the edges point at are the schema
    source's: write them first (an edge whose endpoint is missing is skipped by the writer). An incremental
    run that finds more than `full_read_above` changed rows (default HARVEST_CONSENTS_FULL_READ_ABOVE) reads
    the org whole instead, and says so in a warning. `consumers` narrows a full read to one range of
    consumers (`consumer_ranges`), which one task can read within its time limit. `consumer_ids`: the fields
    the org's manifests say hold the ids other systems know a consumer by (`manifests.consumer_id_fields`).
    """
    hashing = keys if keys is not None else subject_keys()
    plan = plan_harvest(client, org_id, bulk_threshold, since, consumer_ids)
    warnings = list(plan.warnings)
    limit = settings.HARVEST_CONSENTS_FULL_READ_ABOVE if full_read_above is None else full_read_above
    if since is not None and (changed := changed_rows(plan)) > limit:
        warnings.append(f"consents: {changed} rows changed since {since.isoformat()}, more than {limit}: "
                        "read whole instead of consumer by consumer")
        since, plan = None, plan_harvest(client, org_id, bulk_threshold, consumer_ids=consumer_ids)
    yield Chunk(nodes=list(plan.nodes), errors=list(plan.errors) if consumers.first else [],
                warnings=warnings if consumers.first else [])
    groups = changed_groups(client, plan) if since else consumer_groups(
        consumer_streams(client, plan, consumers, bulk_page_size))
    for batch in _batched(groups, consumers_per_chunk):
        yield group_chunk(org_id, batch, hashing, plan.purposes, plan.consumer_ids)


def changed_rows(plan: HarvestPlan) -> int:
    """How many consent-model rows an incremental plan found changed (Salesforce's totalSize, every page)."""
    return sum(int(answer.body.get("totalSize", 0)) for answer in plan.changed.values())


def consumer_ranges(
    client: OrgClient, consumers_per_range: int, *, bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
) -> list[ConsumerRange]:
    """Ranges of about `consumers_per_range` Individuals each (the first also holds the records linked to
    none); [WHOLE_ORG] for an org that fits one range (one call) or has no Individuals.

    The bounds are the org's own Individual ids (read once, Bulk above `bulk_threshold`), kept only where
    they rise both case-insensitively and by their case-sensitive 15-character form, so the ranges cover
    every id whichever way Salesforce compares them."""
    try:
        total = int(client.call(lambda sf: sf.query(INDIVIDUAL.count_soql()))["totalSize"])
    except SalesforceError as error:  # no consent model (INVALID_TYPE): nothing to split
        log.info("consents: Individuals not counted (%s); read whole", error)
        return [WHOLE_ORG]
    if total <= consumers_per_range:
        return [WHOLE_ORG]
    soql = "SELECT Id FROM Individual"
    ids = (bulk_rows(client, soql, page_size=BULK_ID_PAGE_SIZE) if total > bulk_threshold
           else rest_rows(client, soql + " ORDER BY Id"))
    bounds: list[str] = []
    for position, row in enumerate(in_link_order(ids, "Id")):
        candidate = str(row["Id"])
        if position and position % consumers_per_range == 0 and (
                not bounds or (merge_key(candidate) > merge_key(bounds[-1]) and candidate[:15] > bounds[-1][:15])):
            bounds.append(candidate)
    edges: list[str | None] = [None, *bounds, None]
    return [ConsumerRange(lower, upper) for lower, upper in itertools.pairwise(edges)]


def subject_secret() -> bytes:
    return str(settings.SUBJECT_HMAC_KEY).encode()


def previous_subject_secrets() -> tuple[bytes, ...]:
    """Keys a rotation is replacing (SUBJECT_HMAC_PREVIOUS_KEYS), without the current one."""
    current = subject_secret()
    previous = (str(key).encode() for key in getattr(settings, "SUBJECT_HMAC_PREVIOUS_KEYS", ()) if key)
    return tuple(key for key in dict.fromkeys(previous) if key != current)


def subject_keys() -> SubjectKeys:
    return SubjectKeys(subject_secret(), previous_subject_secrets())


def plan_harvest(
    client: OrgClient, org_id: str, bulk_threshold: int = DEFAULT_BULK_THRESHOLD, since: datetime | None = None,
    consumer_ids: Sequence[ConsumerIdField] = (),
) -> HarvestPlan:
    """Which objects and fields this org has (one Composite call of describes), how many rows each holds,
    and the purposes (two Composite calls of queries); the `consumer_ids` fields are read with their objects.

    A full run counts the rows; an incremental run asks for the rows changed since `since` instead (their
    first pages come back in the same calls, so an unchanged org costs nothing more).
    """
    described = described_fields(client, [*(obj.name for obj in CONSUMER_OBJECTS), "DataUsePurpose",
                                          "DataUseLegalBasis"])
    wanted = [with_id_fields(obj, consumer_ids) for obj in CONSUMER_OBJECTS]
    objects = [narrowed for obj in wanted if (narrowed := available(obj, described.get(obj.name)))]
    warnings = [f"consents: {obj.name} not read: the org does not have it (or its {obj.link} field)"
                for obj in CONSUMER_OBJECTS if obj.name not in {kept.name for kept in objects}]
    read = {(obj.name, name) for obj in objects for name in obj.fields}
    ids = tuple(each for each in consumer_ids if (each.sobject, each.field) in read)
    warnings += [f"consents: {each.sobject}.{each.field}, where the manifest keeps {each.system}'s consumer ids, "
                 "is not read: the org does not have it" for each in consumer_ids if each not in ids]
    queries = [(obj.name, obj.count_soql() if since is None else obj.soql(changed_since(since), ordered=False))
               for obj in objects]
    if "DataUsePurpose" in described:
        queries.append(("DataUsePurpose", purpose_soql(described["DataUsePurpose"], "DataUseLegalBasis" in described)))
    answers = {answer.reference: answer for answer in query_many(client, queries)}
    errors = [f"{reference}: {answer.error_message()}" for reference, answer in answers.items() if not answer.ok]
    objects = [obj for obj in objects if answers[obj.name].ok]
    rows = {obj.name: int(answers[obj.name].body.get("totalSize", 0)) for obj in objects}
    bulk = {name for name, count in rows.items() if count > bulk_threshold}
    purposes = answers.get("DataUsePurpose")
    purpose_rows: list[Row] = purposes.body.get("records", []) if purposes and purposes.ok else []
    changed = {obj.name: answers[obj.name] for obj in objects} if since else {}
    return HarvestPlan(tuple(objects), frozenset(bulk), {row["Id"]: row["Name"] for row in purpose_rows},
                       (*purpose_records(org_id, purpose_rows), *preference_records(org_id, objects)),
                       tuple(errors), changed, tuple(warnings),
                       {} if since else rows, ids)


def described_fields(client: OrgClient, names: list[str]) -> dict[str, frozenset[str]]:
    """The field names of each object this org has; an object it lacks (no person accounts, no consent
    model, no leads) is simply absent."""
    fields: dict[str, frozenset[str]] = {}
    for answer in describe_many(client, names):
        if answer.ok:
            fields[answer.reference] = frozenset(item["name"] for item in answer.body.get("fields", []))
        else:
            log.info("consents: %s not harvested (%s)", answer.reference, answer.error_message())
    return fields


def with_id_fields(obj: ConsumerObject, consumer_ids: Sequence[ConsumerIdField]) -> ConsumerObject:
    """`obj` reading also the consumer-id fields declared on it."""
    extra = [each.field for each in consumer_ids if each.sobject == obj.name and each.field not in obj.fields]
    return replace(obj, fields=(*obj.fields, *dict.fromkeys(extra))) if extra else obj


def available(obj: ConsumerObject, fields: frozenset[str] | None) -> ConsumerObject | None:
    """`obj` narrowed to the fields the org has; None when it lacks the object, its link or its filter."""
    if fields is None or obj.link not in fields or not set(obj.requires) <= fields:
        return None
    return replace(obj, fields=tuple(name for name in obj.fields if name in fields))


def purpose_soql(fields: frozenset[str], has_legal_bases: bool) -> str:
    legal_basis = ", LegalBasis.Name" if "LegalBasisId" in fields and has_legal_bases else ""
    description = ", Description" if "Description" in fields else ""
    return f"SELECT Id, Name{description}{legal_basis} FROM DataUsePurpose"  # noqa: S608 - constant names


def changed_since(since: datetime) -> str:
    """Rows changed after `since`: SystemModstamp is the indexed stamp; LastModifiedDate covers rows without one."""
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"(SystemModstamp > {stamp} OR LastModifiedDate > {stamp})"


def purpose_records(org_id: str, rows: Iterable[Row]) -> list[PurposeRecord]:
    """A Purpose per DataUsePurpose: the org's own purposes, nothing else."""
    return [
        PurposeRecord(org_id=org_id, name=row["Name"], description=row.get("Description"),
                      legal_basis=(row.get("LegalBasis") or {}).get("Name"), data_use_purpose=row["Id"],
                      evidence=f"DataUsePurpose:{row['Id']}")
        for row in rows
    ]


def preference_records(org_id: str, objects: Iterable[ConsumerObject]) -> list[PreferenceRecord]:
    """A Preference per opt-out checkbox the org has (`objects` as `available` narrowed them)."""
    present = {(obj.name, name) for obj in objects for name in obj.fields}
    return [flag.preference(org_id) for flag in OPT_OUT_FLAGS if (flag.sobject, flag.field) in present]


# --- streams ---------------------------------------------------------------------------------------


def consumer_streams(client: OrgClient, plan: HarvestPlan, consumers: ConsumerRange,
                     bulk_page_size: int) -> dict[str, Iterator[Row]]:
    """Each object's rows of `consumers`, in link order. Every Bulk job is submitted before any is awaited,
    so Salesforce runs them side by side, and the largest is awaited first: by the time it is complete the
    others are too, and each costs a poll or two instead of a wait of its own."""
    jobs = {obj.name: submit_bulk_query(client, obj.soql(consumers.condition(obj), ordered=False))
            for obj in plan.objects if obj.name in plan.bulk}  # no ORDER BY: it would turn PK chunking off
    for name in sorted(jobs, key=lambda name: plan.rows.get(name, 0), reverse=True):
        _wait_for_job(client, jobs[name])
    return {obj.name: (in_link_order(job_results(client, jobs[obj.name], page_size=bulk_page_size), obj.link)
                       if obj.name in jobs else rest_rows(client, obj.soql(consumers.condition(obj))))
            for obj in plan.objects}


def in_link_order(rows: Iterable[Row], link: str, *, run_rows: int = SORT_RUN_ROWS) -> Iterator[Row]:
    """`rows` sorted by their Individual link as `merge_key` orders it, in bounded memory: sorted runs of
    `run_rows` spill to temporary files (JSON lines) and are merged."""
    def key(row: Row) -> str:
        return merge_key(row.get(link))

    source = iter(rows)
    with contextlib.ExitStack() as files:
        runs: list[IO[str]] = []
        while batch := list(itertools.islice(source, run_rows)):
            batch.sort(key=key)
            if not runs and len(batch) < run_rows:  # the whole stream fitted in one run
                yield from batch
                return
            run = files.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
            run.writelines(json.dumps(row) + "\n" for row in batch)
            run.seek(0)
            runs.append(run)
        yield from heapq.merge(*((json.loads(line) for line in run) for run in runs), key=key)


def rest_rows(client: OrgClient, soql: str) -> Iterator[Row]:
    """A query's rows, page by page (2,000 a call), each page through `client.call` to survive expiry."""
    page: dict[str, Any] = client.call(lambda sf: sf.query(soql))
    while True:
        yield from (normalised(row) for row in page["records"])
        next_url = page.get("nextRecordsUrl")
        if page.get("done", True) or not next_url:
            return
        page = client.call(lambda sf, url=next_url: sf.query_more(url, identifier_is_url=True))  # type: ignore[misc]


def bulk_rows(client: OrgClient, soql: str, *, page_size: int = DEFAULT_BULK_PAGE_SIZE) -> Iterator[Row]:
    """A Bulk API 2.0 query's rows: the job is created when the first row is asked for."""
    job_id = submit_bulk_query(client, soql)
    _wait_for_job(client, job_id)
    yield from job_results(client, job_id, page_size=page_size)


def submit_bulk_query(client: OrgClient, soql: str) -> str:
    """Create a Bulk API 2.0 query job (one call); Salesforce starts running it at once. Its id."""
    return str(_json(client, "jobs/query", method="POST", json={"operation": "query", "query": soql})["id"])


def job_results(client: OrgClient, job_id: str, *, page_size: int = DEFAULT_BULK_PAGE_SIZE) -> Iterator[Row]:
    """A complete job's rows: CSV pages of `page_size` (maxRecords), one call each, by Sforce-Locator."""
    locator = ""
    while True:
        text, locator = client.call(lambda sf, at=locator: _results_page(sf, job_id, at, page_size))  # type: ignore[misc]
        yield from (normalised(row) for row in csv.DictReader(io.StringIO(text)))
        if not locator or locator == "null":
            return


def _wait_for_job(client: OrgClient, job_id: str) -> None:
    delay, deadline = BULK_POLL_START_S, time.monotonic() + BULK_TIMEOUT_S
    while time.monotonic() < deadline:
        status = _json(client, f"jobs/query/{job_id}")
        if status["state"] == "JobComplete":
            return
        if status["state"] in ("Aborted", "Failed"):
            raise SalesforceError(f"jobs/query/{job_id}", 400, job_id, status.get("errorMessage", status["state"]))
        time.sleep(delay)
        delay = min(delay * 2, BULK_POLL_MAX_S)
    raise TimeoutError(f"Bulk query job {job_id} did not complete in {BULK_TIMEOUT_S:.0f}s")


def _json(client: OrgClient, path: str, **kwargs: Any) -> dict[str, Any]:
    body = client.call(lambda sf: sf.restful(path, **kwargs))
    if not isinstance(body, dict):
        raise SalesforceError(path, 200, path, str(body).encode())
    return body


def _results_page(sf: Salesforce, job_id: str, locator: str, page_size: int) -> tuple[str, str]:
    params: dict[str, Any] = {"maxRecords": page_size, **({"locator": locator} if locator else {})}
    response = call_salesforce(url=f"{sf.base_url}jobs/query/{job_id}/results", method="GET", session=sf.session,
                               headers={**sf.headers, "Accept": "text/csv"}, params=params)
    return response.content.decode("utf-8"), response.headers.get("Sforce-Locator", "")


def normalised(raw: Mapping[str, Any]) -> Row:
    """REST JSON and Bulk CSV rows alike: no `attributes`, empty text is None, booleans are bool."""
    row: Row = {}
    for name, value in raw.items():
        if name == "attributes":
            continue
        if value == "":
            value = None
        elif name in BOOLEAN_FIELDS and isinstance(value, str):
            value = value.lower() == "true"
        row[name] = value
    return row


# --- grouping --------------------------------------------------------------------------------------


def consumer_groups(streams: Mapping[str, Iterator[Row]]) -> Iterator[ConsumerGroup]:
    """Merge streams ordered by their Individual link into one group per Individual (and per unlinked row)."""
    links = {obj.name: obj.link for obj in CONSUMER_OBJECTS}
    tagged = [_in_link_order(name, links[name], rows) for name, rows in streams.items()]
    for key, items in itertools.groupby(heapq.merge(*tagged, key=itemgetter(0)), key=itemgetter(0)):
        if key == STANDALONE:
            for _, name, row in items:
                yield ConsumerGroup(None, {name: [row]})
            continue
        group = ConsumerGroup(None)
        for _, name, row in items:
            group.add(name, row)
            group.individual_id = group.individual_id or row[links[name]]
        yield group


def _in_link_order(name: str, link: str, rows: Iterator[Row]) -> Iterator[tuple[str, str, Row]]:
    previous = STANDALONE
    for row in rows:
        key = merge_key(row.get(link))
        if key < previous:
            raise ConsentOrderError(f"{name} rows arrived out of {link} order ({key!r} after {previous!r})")
        previous = key
        yield key, name, row


def merge_key(link: str | None) -> str:
    """How Salesforce orders ids in ORDER BY: case-insensitively (18-character ids are unique that way)."""
    return link.lower() if link else STANDALONE


def changed_groups(client: OrgClient, plan: HarvestPlan) -> Iterator[ConsumerGroup]:
    """Unlinked rows changed since the plan's `since`, then every touched Individual read again whole."""
    touched: set[str] = set()
    for obj in plan.objects:
        for row in _all_records(client, plan.changed[obj.name]):
            link = row.get(obj.link)
            if link:
                touched.add(link)
            else:
                yield ConsumerGroup(None, {obj.name: [row]})
    ordered = sorted(touched, key=merge_key)
    for start in range(0, len(ordered), INCREMENTAL_IDS_PER_QUERY):
        yield from _groups_of(client, plan.objects, ordered[start:start + INCREMENTAL_IDS_PER_QUERY])


def _groups_of(client: OrgClient, objects: Iterable[ConsumerObject], ids: list[str]) -> Iterator[ConsumerGroup]:
    listed = ", ".join(f"'{api_id(value)}'" for value in ids)
    queries = [(obj.name, obj.soql(f"{obj.link} IN ({listed})", ordered=False)) for obj in objects]
    groups = {merge_key(value): ConsumerGroup(value) for value in ids}
    links = {obj.name: obj.link for obj in objects}
    for answer in query_many(client, queries):
        for row in _all_records(client, answer):
            groups[merge_key(row[links[answer.reference]])].add(answer.reference, row)
    yield from (group for group in groups.values() if group.rows)  # an Individual deleted since


def _all_records(client: OrgClient, answer: SubResponse) -> Iterator[Row]:
    return (normalised(row) for row in answer_records(client, answer))


def api_id(value: str) -> str:
    """A Salesforce record id, checked before it goes into SOQL."""
    if not (len(value) in (15, 18) and value.isalnum()):
        raise ValueError(f"{value!r} is not a Salesforce id")
    return value


def _batched(groups: Iterable[ConsumerGroup], size: int) -> Iterator[list[ConsumerGroup]]:
    iterator = iter(groups)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# --- records ---------------------------------------------------------------------------------------


def group_chunk(org_id: str, groups: Iterable[ConsumerGroup], keys: SubjectKeys, purposes: Mapping[str, str],
                consumer_ids: Sequence[ConsumerIdField] = ()) -> Chunk:
    chunk = Chunk()
    unread: list[str] = []
    unindexed: list[str] = []
    batch = list(groups)
    known = keys.known_subjects([_stable_id(group) for group in batch])
    for group in batch:
        try:
            nodes, edges = group_records(org_id, group, keys, purposes, unread, unindexed,
                                         subject_hmac=known.get(_stable_id(group)), consumer_ids=consumer_ids)
        except ValueError as error:  # no identifier at all: say which records, never what they hold
            chunk.errors.append(f"consumer {_describe(group)}: {error}")
            continue
        chunk.nodes += nodes
        chunk.edges += edges
    if unread:  # one line per chunk, not one per row: a missing purpose would otherwise flood the run
        chunk.errors.append(f"{len(unread)} ContactPointTypeConsent rows name no known purpose or status, "
                            f"not harvested (first: {unread[0]})")
    if unindexed:
        chunk.warnings.append(f"{len(unindexed)} emails or phones have no normal form, not indexed for look-ups "
                              f"(first: {unindexed[0]})")
    return chunk


def group_records(
    org_id: str, group: ConsumerGroup, keys: SubjectKeys, purposes: Mapping[str, str], unread: list[str],
    unindexed: list[str] | None = None, *, subject_hmac: str | None = None,
    consumer_ids: Sequence[ConsumerIdField] = (),
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """One consumer's Subject, an Identifier per identifier (IDENTIFIES the subject), HAS_RECORD per object,
    CONSENTED per consent and per raised opt-out flag.

    `subject_hmac` is the key the subject already has (found by its stable id under any key); without one it is
    keyed under the current key. Consents naming an unknown purpose or status are left out and their ids added to
    `unread`; emails and phones without a normal form are not indexed and named in `unindexed`."""
    # The evidence names the query, not a record: the Subject node stays a bare HMAC (ids live on HAS_RECORD).
    found_in = INDIVIDUAL.name if group.individual_id else next(iter(group.rows))
    subject = SubjectRecord(hmac=subject_hmac or subject_hmac_of(group, keys.secret), evidence=f"query:{found_in}")
    identifiers = identifier_records(group, keys.secret, [] if unindexed is None else unindexed, consumer_ids)
    edges: list[EdgeRecord] = [
        IdentifiesEdge(source=identifier.ref, target=subject.ref, evidence=identifier.evidence)
        for identifier in identifiers
    ]
    edges += [
        HasRecordEdge(source=subject.ref, target=NodeRef(Label.SOBJECT, sobject_key(org_id, name)),
                      record_ids=tuple(sorted(row["Id"] for row in rows)), evidence=f"query:{name}")
        for name, rows in sorted(group.rows.items())
    ]
    consents: dict[str, ConsentEdge] = {}
    for edge in [*consent_edges(org_id, subject.ref, group.rows.get(CONSENT.name, []), purposes, unread),
                 *opt_out_edges(org_id, subject.ref, group.rows)]:
        kept = consents.get(edge.key)
        if kept is None or _captured(edge) >= _captured(kept):  # the latest choice wins
            consents[edge.key] = edge
    return [subject, *identifiers], [*edges, *consents.values()]


def subject_hmac_of(group: ConsumerGroup, secret: bytes) -> str:
    """A new subject's key: the Individual's Id, else the record's own Id; an email or phone change keeps it."""
    return subject_hmac_for(secret, external_id=_stable_id(group))


def identifier_records(group: ConsumerGroup, secret: bytes, unindexed: list[str],
                       consumer_ids: Sequence[ConsumerIdField] = ()) -> list[IdentifierRecord]:
    """An Identifier per distinct identifier of the group's identifying records (each email, each phone in E.164,
    each record id), hashed under `secret`; the evidence names the first record holding it, never its value."""
    made = key_id(secret)
    found: dict[str, IdentifierRecord] = {}
    for kind, value, evidence in identifier_values(group, unindexed, consumer_ids):
        hashed = identifier_hmac(secret, kind, value)
        found.setdefault(hashed, IdentifierRecord(hmac=hashed, kind=kind, key_id=made, evidence=evidence))
    return [found[hashed] for hashed in sorted(found)]


def identifier_values(group: ConsumerGroup, unindexed: list[str], consumer_ids: Sequence[ConsumerIdField] = ()
                      ) -> Iterator[tuple[IdentifierKind, str, str]]:
    """(kind, normal form, the record and field it was read from) of every identifier of the group; `consumer_ids`
    name the fields holding other systems' ids for the consumer."""
    for name in IDENTIFYING_OBJECTS:
        for row in group.rows.get(name, []):
            yield IdentifierKind.RECORD_ID, normalised_record_id(str(row["Id"])), f"{name}:{row['Id']}"
    for kind, sources in ((IdentifierKind.EMAIL, EMAIL_SOURCES), (IdentifierKind.PHONE, PHONE_SOURCES)):
        for sobject, name in sources:
            for row in group.rows.get(sobject, []):
                if not (raw := row.get(name)) or not str(raw).strip():
                    continue
                try:
                    value = normal_form(kind, str(raw), region=DEFAULT_PHONE_REGION)
                except InvalidIdentifier:
                    unindexed.append(f"{sobject}:{row['Id']} {name}")
                    continue
                yield kind, value, f"{sobject}:{row['Id']}.{name}"
    for source in consumer_ids:
        for row in group.rows.get(source.sobject, []):
            if (raw := row.get(source.field)) and str(raw).strip():
                yield (IdentifierKind.EXTERNAL_ID,
                       normal_form(IdentifierKind.EXTERNAL_ID, str(raw), system=source.system),
                       f"{source.sobject}:{row['Id']}.{source.field}")


def _stable_id(group: ConsumerGroup) -> str:
    return group.individual_id or next(str(row["Id"]) for rows in group.rows.values() for row in rows)


def _values(group: ConsumerGroup, sources: tuple[tuple[str, str], ...]) -> set[str]:
    return {str(row[name]) for sobject, name in sources for row in group.rows.get(sobject, [])
            if row.get(name) and str(row[name]).strip()}


def consent_edges(
    org_id: str, subject: NodeRef, rows: Iterable[Row], purposes: Mapping[str, str], unread: list[str]
) -> Iterator[ConsentEdge]:
    for row in rows:
        purpose = purposes.get(row.get("DataUsePurposeId") or "")
        status = STATUSES.get(row.get("PrivacyConsentStatus") or "")
        if purpose is None or status is None:
            unread.append(f"ContactPointTypeConsent:{row['Id']}")
            continue
        yield ConsentEdge(
            source=subject, target=NodeRef(Label.PURPOSE, purpose_key(org_id, purpose)), status=status,
            channel=row.get("ContactPointType"), captured_at=parse_datetime(row.get("CaptureDate")),
            effective_from=_day(row.get("EffectiveFrom")), effective_to=_day(row.get("EffectiveTo")),
            evidence=f"ContactPointTypeConsent:{row['Id']}",
        )


def opt_out_edges(org_id: str, subject: NodeRef, rows: Mapping[str, list[Row]]) -> Iterator[ConsentEdge]:
    """A CONSENTED edge with status opt_out to the flag's Preference for every raised opt-out checkbox (none for a
    checkbox left alone)."""
    for flag in OPT_OUT_FLAGS:
        target = NodeRef(Label.PREFERENCE, preference_key(org_id, flag.sobject, flag.field))
        for row in rows.get(flag.sobject, []):
            if row.get(flag.field) is flag.raised_when:
                yield ConsentEdge(source=subject, target=target,
                                  status=ConsentStatus.OPT_OUT, channel=flag.channel,
                                  captured_at=parse_datetime(row.get("LastModifiedDate")),
                                  evidence=f"{flag.sobject}:{row['Id']}")


def parse_datetime(value: str | None) -> datetime | None:
    """Salesforce datetimes as REST (`+0000`) and Bulk CSV (`Z`) write them."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))


def _day(value: str | None) -> date | None:
    stamp = parse_datetime(value) if value and "T" in value else None
    return stamp.date() if stamp else (date.fromisoformat(value) if value else None)


def _captured(edge: ConsentEdge) -> tuple[bool, datetime]:
    return edge.captured_at is not None, edge.captured_at or EPOCH


def _describe(group: ConsumerGroup) -> str:
    if group.individual_id:
        return f"Individual:{group.individual_id}"
    name, rows = next(iter(group.rows.items()))
    return f"{name}:{rows[0]['Id']}"

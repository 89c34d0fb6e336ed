"""The in-memory model of one simulated Salesforce org.

Records are reached through ``RecordSource`` objects rather than lists, so a generated org
with a million consumers streams its rows instead of holding them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesforce_simulator.describe import CompactObject
    from salesforce_simulator.indexes import ColumnIndex

Record = dict[str, Any]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


_PAIRS = [a + b for a in _BASE62 for b in _BASE62]  # two base-62 digits per lookup: ids are hot
_UPPER_BITS = str.maketrans({c: ("1" if "A" <= c <= "Z" else "0") for c in _BASE62})


def base62(number: int, width: int) -> str:
    """``number`` in base 62, zero-padded to ``width`` characters."""
    pairs = []
    for _ in range((width + 1) // 2):
        number, pair = divmod(number, 3844)
        pairs.append(_PAIRS[pair])
    text = "".join(reversed(pairs))[-width:] if width % 2 else "".join(reversed(pairs))
    if number or (width % 2 and len(text) and pairs[-1][0] != "0"):
        raise ValueError("number too large for width")
    return text


def to_18(id15: str) -> str:
    """The case-insensitive 18-character form of a 15-character Salesforce id."""
    bits = id15.translate(_UPPER_BITS)
    return (
        id15
        + _CHECKSUM_ALPHABET[int(bits[4::-1], 2)]
        + _CHECKSUM_ALPHABET[int(bits[9:4:-1], 2)]
        + _CHECKSUM_ALPHABET[int(bits[14:9:-1], 2)]
    )


def record_id(key_prefix: str, number: int, pod: str = "8d") -> str:
    """A valid 18-character record id: key prefix, pod, reserved digit, 9-digit counter."""
    if 0 <= number < _FAST_LIMIT and len(key_prefix) == 3 and len(pod) == 2:
        high, low = divmod(number, 3844)
        # generated rows need millions of ids: the first two checksum characters only depend
        # on prefix and pod, the third on the last four counter digits
        return (f"{key_prefix}{pod}000000{_PAIRS[high]}{_PAIRS[low]}{_lead_checksum(key_prefix + pod)}"
                f"{_CHECKSUM_ALPHABET[(_PAIR_UPPER[high] << 1) | (_PAIR_UPPER[low] << 3)]}")
    return to_18(f"{key_prefix}{pod}0{base62(number, 9)}")


_FAST_LIMIT = 3844 * 3844  # counters below 62**4: the first five counter digits are zeros
_PAIR_UPPER = [int(pair[0].isupper() and pair[0].isascii()) | int(pair[1].isupper() and pair[1].isascii()) << 1
               for pair in _PAIRS]  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _lead_checksum(prefix_and_pod: str) -> str:
    return to_18(prefix_and_pod + "0000000000")[15:17]


def id_number(record_id_: str) -> int | None:
    """The counter encoded by ``record_id`` (inverse for ids it produced)."""
    counter = record_id_[6:15]
    if len(counter) != 9:
        return None
    number = 0
    for char in counter:
        index = _BASE62.find(char)
        if index < 0:
            return None
        number = number * 62 + index
    return number


@dataclass
class User:
    id: str
    username: str
    password: str
    security_token: str = ""
    name: str = ""
    email: str = ""
    profile: str = "Standard User"
    extra: dict[str, Any] = field(default_factory=dict)  # further User record fields

    def record(self) -> Record:
        """This user as a row of the ``User`` object."""
        first, _, last = self.name.rpartition(" ")
        row: Record = {
            "Id": self.id,
            "Username": self.username,
            "Name": self.name,
            "FirstName": first or None,
            "LastName": last,
            "Email": self.email,
            "IsActive": True,
            "ProfileName": self.profile,
        }
        row.update(self.extra)
        return row


@dataclass
class OAuthClient:
    name: str
    consumer_key: str
    consumer_secret: str
    jwt_certificate_pem: bytes | None = None  # public certificate JWT bearer tokens must verify against
    run_as: str | None = None  # username the client-credentials flow runs as


class RecordSource:
    """The rows of one object. Subclasses may stream them and look ids up without a scan."""

    def __iter__(self) -> Iterator[Record]:
        raise NotImplementedError

    def known_count(self, include_deleted: bool) -> int | None:
        """How many rows there are, when that is known without producing them."""
        return None

    def get(self, record_id_: str) -> Record | None:
        for row in self:
            if str(row.get("Id", ""))[:15] == record_id_[:15]:
                return row
        return None


class ListRecordSource(RecordSource):
    """Literal records (from the YAML, or added at runtime)."""

    def __init__(self, rows: Iterable[Record] = ()) -> None:
        self.rows: list[Record] = list(rows)
        self._by_id = {str(row["Id"])[:15]: row for row in self.rows if "Id" in row}

    def __iter__(self) -> Iterator[Record]:
        return iter(self.rows)

    def known_count(self, include_deleted: bool) -> int | None:
        if include_deleted:
            return len(self.rows)
        return sum(1 for row in self.rows if not row.get("IsDeleted"))

    def get(self, record_id_: str) -> Record | None:
        return self._by_id.get(record_id_[:15])

    def append(self, row: Record) -> None:
        self.rows.append(row)
        if "Id" in row:
            self._by_id[str(row["Id"])[:15]] = row


class IndexedRecordSource(RecordSource):
    """Rows computed from their index (0..count-1); row N never needs rows 0..N-1.

    ``make`` may answer None for an index with no row (a sparse source), e.g. a consumer
    without a phone.
    """

    def __init__(self, key_prefix: str, count: int, make: Callable[[int], Record | None]) -> None:
        self.key_prefix = key_prefix
        self.count = count
        self.make = make
        self.deleted_free = False  # set when no generated row is ever IsDeleted
        self.sparse = False  # set when make may answer None
        # row n's value of a field without making the row (the id and lookup columns an index reads);
        # for a sparse source also for numbers with no row
        self.columns: dict[str, Callable[[int], Any]] = {}
        self.column_indexes: dict[str, ColumnIndex | None] = {}  # built on first use (indexes.py)

    def __iter__(self) -> Iterator[Record]:
        rows = map(self.make, range(self.count))
        if self.sparse:
            return (row for row in rows if row is not None)
        return rows  # type: ignore[return-value]

    def known_count(self, include_deleted: bool) -> int | None:
        if self.sparse:
            return None
        return self.count if include_deleted or self.deleted_free else None

    def narrow(self, fields: Iterable[str], numbers: Iterable[int] | None = None) -> Iterator[Record] | None:
        """Rows `numbers` (default: every row) with `fields` only, from the column makers; None when a field
        has none or some numbers have no row (a sparse source)."""
        makers = [(name, self.columns.get(name)) for name in fields]
        if self.sparse or any(maker is None for _, maker in makers):
            return None
        present = [(name, maker) for name, maker in makers if maker is not None]
        chosen = range(self.count) if numbers is None else numbers
        return ({name: maker(number) for name, maker in present} for number in chosen)

    def get(self, record_id_: str) -> Record | None:
        if not record_id_.startswith(self.key_prefix):
            return None
        number = id_number(record_id_)
        if number is None or not 0 <= number < self.count:
            return None
        row = self.make(number)
        return row if row is not None and str(row.get("Id", ""))[:15] == record_id_[:15] else None


class ChainedRecordSource(RecordSource):
    """Several sources of one object read as one (literal rows first, then generated)."""

    def __init__(self, sources: Iterable[RecordSource]) -> None:
        self.sources = list(sources)

    def __iter__(self) -> Iterator[Record]:
        for source in self.sources:
            yield from source

    def known_count(self, include_deleted: bool) -> int | None:
        counts = [source.known_count(include_deleted) for source in self.sources]
        return None if None in counts else sum(c for c in counts if c is not None)

    def get(self, record_id_: str) -> Record | None:
        for source in self.sources:
            row = source.get(record_id_)
            if row is not None:
                return row
        return None


@dataclass
class SObjectType:
    """One object: its describe JSON (built lazily) and its describeGlobal entry."""

    name: str
    key_prefix: str | None
    last_modified: datetime
    build_describe: Callable[[str], dict[str, Any]]  # api version → describe JSON
    build_global_entry: Callable[[str], dict[str, Any]]  # api version → describeGlobal entry
    custom: bool = False
    declared: bool = False  # a compact object the definition's ``objects:`` names (wins over captured)
    # builds the compact definition on demand (generated orgs keep none in memory); None
    # for objects served from a real describe file
    load_compact: Callable[[], CompactObject] | None = field(default=None, repr=False)

    @property
    def compact(self) -> CompactObject | None:
        """The compact definition behind this object (None when served from a real file)."""
        return self.load_compact() if self.load_compact is not None else None

    def describe(self, api_version: str) -> dict[str, Any]:
        return self.build_describe(api_version)

    def global_entry(self, api_version: str) -> dict[str, Any]:
        return self.build_global_entry(api_version)


@dataclass
class EventLogEntry:
    event_type: str
    day: int  # offset in days from Org.now (negative = past)
    row: dict[str, Any]


@dataclass
class EventLogConfig:
    days: int = 0
    event_types: list[str] = field(default_factory=list)
    entries: list[EventLogEntry] = field(default_factory=list)
    rows_per_day: int = 20  # generated rows per event type per day, besides literal entries


@dataclass
class Scenario:
    name: str
    kind: str  # "failure" or "negative"
    description: str = ""
    refs: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Org:
    id: str
    name: str
    edition: str = "Enterprise Edition"
    instance_name: str = "SIM1"
    daily_api_limit: int = 100_000
    jwt_audience: str = "https://login.salesforce.com"  # the one `aud` JWT bearer assertions must carry
    api_versions: list[str] = field(default_factory=lambda: ["59.0", "60.0", "61.0", "62.0"])
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    users: list[User] = field(default_factory=list)
    oauth_clients: list[OAuthClient] = field(default_factory=list)
    objects: dict[str, SObjectType] = field(default_factory=dict)
    record_sources: dict[str, RecordSource] = field(default_factory=dict)
    tooling: dict[str, list[Record]] = field(default_factory=dict)
    event_logs: EventLogConfig = field(default_factory=EventLogConfig)
    setup_audit_trail: list[Record] = field(default_factory=list)
    login_history: list[Record] = field(default_factory=list)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    # FieldDefinition classification of fields served from real describe files, by "Object.Field"
    field_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    report_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Report Id
    integration_manifests: list[str] = field(default_factory=list)  # absolute paths
    # organization-wide defaults by object: (internal, external) sharing model, where the definition says
    sharing_models: dict[str, tuple[str, str]] = field(default_factory=dict)
    # extra describeGlobal entries with no describe of their own (e.g. from describe_global.json)
    global_only_entries: list[dict[str, Any]] = field(default_factory=list)
    # Objects and Tooling types the org does not have or the API user may not see (a feature or permission
    # missing): queries of them answer INVALID_TYPE, as Salesforce does
    hidden_types: set[str] = field(default_factory=set)
    # ExternalDataSource rows (Salesforce Connect): where the org's external objects (`__x`) read their rows
    external_data_sources: list[Record] = field(default_factory=list)
    global_encoding: str = "UTF-8"
    global_max_batch_size: int = 200
    source_path: str | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # derived data
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def max_api_version(self) -> str:
        return max(self.api_versions, key=lambda version: float(version))

    def user_by_username(self, username: str) -> User | None:
        return next((user for user in self.users if user.username == username), None)

    def user_by_id(self, user_id: str) -> User | None:
        return next((user for user in self.users if user.id[:15] == user_id[:15]), None)

    def oauth_client(self, consumer_key: str) -> OAuthClient | None:
        return next((c for c in self.oauth_clients if c.consumer_key == consumer_key), None)

    def sobject(self, name: str) -> SObjectType | None:
        """The object named ``name``, matched case-insensitively as Salesforce does."""
        found = self.objects.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        return next((obj for key, obj in self.objects.items() if key.lower() == lowered), None)

    def records(self, object_name: str) -> Iterable[Record]:
        """Every row of ``object_name``, deleted ones included (they carry IsDeleted)."""
        obj = self.sobject(object_name)
        name = obj.name if obj else object_name
        if name == "User":
            return self._user_rows()
        source = self.record_sources.get(name)
        return source if source is not None else ()

    def get_record(self, object_name: str, record_id_: str) -> Record | None:
        if object_name == "User":
            user = self.user_by_id(record_id_)
            extra = self.record_sources.get("User")
            if user is not None:
                return user.record()
            return extra.get(record_id_) if extra else None
        source = self.record_sources.get(object_name)
        return source.get(record_id_) if source is not None else None

    def add_records(self, object_name: str, rows: Iterable[Record]) -> None:
        """Prepend literal rows to an object's source (literal rows come first)."""
        literal = ListRecordSource(rows)
        existing = self.record_sources.get(object_name)
        if existing is None:
            self.record_sources[object_name] = literal
        elif isinstance(existing, ListRecordSource):
            for row in literal:
                existing.append(row)
        else:
            self.record_sources[object_name] = ChainedRecordSource([literal, existing])

    def _user_rows(self) -> Iterator[Record]:
        for user in self.users:
            yield user.record()
        extra = self.record_sources.get("User")
        if extra is not None:
            known = {user.id[:15] for user in self.users}
            yield from (row for row in extra if str(row.get("Id", ""))[:15] not in known)

    def latest_change(self) -> datetime:
        """When the schema last changed (drives If-Modified-Since on describeGlobal)."""
        return max((obj.last_modified for obj in self.objects.values()), default=self.now)


@functools.lru_cache(maxsize=8192)
def _day_text(day: int) -> str:
    return datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")


def sf_epoch(seconds: int) -> str:
    """Whole epoch seconds in Salesforce's datetime format (fast: generated rows need many)."""
    day, rest = divmod(seconds, 86400)
    return f"{_day_text(day)}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}.000+0000"


def sf_datetime(value: datetime) -> str:
    """A datetime as Salesforce's REST API writes it: ``2026-11-20T12:00:00.000+0000``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"

"""The CCPA privacy-policy disclosures made from an org's record of processing activities: the categories of personal
information collected in the last 12 months (Cal. Civ. Code §1798.110(c), §1798.130(a)(5)), their sources, the
business or commercial purposes, the categories disclosed for a business purpose and those sold or shared, each by
category of recipient (§1798.115(c)), retention per category (§1798.100(a)(3)), and sensitive personal information
with its uses. Every line keeps the evidence of the statements it is made of.

"The last 12 months": a statement counts when the graph held it at any moment of the 12 months up to the as-of date.
The graph changes only when a harvest writes it, and only a full harvest retires anything (its run counts what it
retired); so what stood at any moment of the window stood at its start, just before a full harvest inside it retired
it, or at its end. The record is read at those moments (the window's start, the start of each full harvest inside it
that retired something, the as-of date) and united.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from catalog.classification.models import CATEGORY_CHOICES
from catalog.records.activities import GLBA, Activity, Evidence, Recipient, Stated
from catalog.records.services import NEEDS_INPUT, PRIVACY_OFFICER, ActivityRecord, RecordOfProcessing, Shown, record_of
from harvesters.models import HarvestRun, RunStatus

WINDOW_MONTHS = 12
CATEGORY_WORDS = dict(CATEGORY_CHOICES)
# The CCPA's categories of recipient (§1798.115(c), §1798.140(ag), (j), (ai)), in the order a policy lists them.
RECIPIENT_ROLES = {"service_provider": "Service providers", "contractor": "Contractors", "third_party": "Third parties"}
UNDECLARED = "undeclared"
UNDECLARED_WORDS = "Recipients whose role nobody has declared"


@dataclass(frozen=True)
class CategoryLine:
    """What the disclosures say of one category of personal information, from which activities, on what evidence."""

    category: str
    label: str
    said: tuple[str, ...]  # its sources, purposes, retention or uses, as the section asks
    activities: tuple[str, ...]  # the activities (by name) the line is made from
    evidence: tuple[Evidence, ...]
    glba_only: bool  # every activity behind it is GLBA-exempt (§1798.145(e)): the CCPA's disclosure is not owed
    needs_input: str = ""  # what the record cannot say of it, and a privacy officer must

    @property
    def evidence_count(self) -> int:
        return len(self.evidence)

    @property
    def exemption(self) -> str:
        return "GLBA-exempt (§1798.145(e))" if self.glba_only else ""


@dataclass(frozen=True)
class RecipientLine:
    """One category of personal information disclosed to one category of recipient, and the recipients."""

    role: str  # service_provider, contractor, third_party, or UNDECLARED
    role_label: str
    category: str
    label: str
    recipients: tuple[str, ...]  # names (or hosts) of the recipients
    activities: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    reason: str = ""  # sold or shared, and why; or how the category is known to go there

    @property
    def evidence_count(self) -> int:
        return len(self.evidence)


@dataclass(frozen=True)
class Disclosures:
    org: str
    as_of: datetime
    window_start: datetime
    moments: tuple[datetime, ...]  # when the record was read to cover the window
    collected: tuple[CategoryLine, ...]
    sources: tuple[CategoryLine, ...]
    purposes: tuple[CategoryLine, ...]
    disclosed_for_business_purpose: tuple[RecipientLine, ...]
    sold_or_shared: tuple[RecipientLine, ...]
    undeclared_recipients: tuple[RecipientLine, ...]
    retention: tuple[CategoryLine, ...]
    sensitive: tuple[CategoryLine, ...]


# --- the window -------------------------------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` earlier (the month's last day where it is shorter)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    if year < datetime.min.year:  # an as-of date in the first year of the calendar: the window starts with it
        return datetime.min.replace(tzinfo=moment.tzinfo)
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


def window_moments(alias: str, start: datetime, end: datetime) -> tuple[datetime, ...]:
    """The moments whose union is everything the graph held in [start, end]: the start, the start of each full
    harvest inside the window that retired something (just before it retired what it no longer saw), and the end."""
    full_runs = HarvestRun.objects.filter(org__alias=alias, full=True, status=RunStatus.SUCCEEDED,
                                          counts__retired__gt=0, started_at__gt=start, started_at__lt=end)
    inside = sorted({each for each in full_runs.values_list("started_at", flat=True) if each is not None})
    return (start, *inside, end)


# --- the disclosures --------------------------------------------------------------------------------------------


def disclosures_of(alias: str, as_of: datetime | None = None) -> Disclosures:
    """The org's CCPA disclosures as of `as_of` (now when None), from its record over the 12 months before it."""
    current = record_of(alias, as_of)
    start = months_before(current.as_of, WINDOW_MONTHS)
    moments = window_moments(current.alias, start, current.as_of)
    earlier = [record_of(current.alias, moment) for moment in moments[:-1]]
    return disclose(current, earlier, start, moments)


def disclose(current: RecordOfProcessing, earlier: Iterable[RecordOfProcessing], start: datetime,
             moments: tuple[datetime, ...]) -> Disclosures:
    """The disclosures of the activities the record held at any of the moments (`current` is the one at the end)."""
    rows = _every_activity([*earlier, current])
    return Disclosures(
        org=current.alias, as_of=current.as_of, window_start=start, moments=moments,
        collected=_by_category(rows, _collected), sources=_by_category(rows, _sources),
        purposes=_by_category(rows, _purposes),
        disclosed_for_business_purpose=_to_recipients(rows, ("service_provider", "contractor")),
        sold_or_shared=_to_recipients(rows, ("third_party",)), undeclared_recipients=_to_recipients(rows, (None,)),
        retention=_by_category(rows, lambda row, stated: _retention(current, row, stated)),
        sensitive=_by_category(rows, _uses, sensitive=True))


def _every_activity(records: list[RecordOfProcessing]) -> list[ActivityRecord]:
    """Every activity record of every moment, the latest of each activity first (so its name and fields lead)."""
    return [row for record in reversed(records) for row in record.activities]


@dataclass(frozen=True)
class _Said:
    said: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    needs_input: str = ""


def _by_category(rows: list[ActivityRecord], say: Callable[[ActivityRecord, Stated[str]], _Said], *,
                 sensitive: bool = False) -> tuple[CategoryLine, ...]:
    """One line per category, uniting what `say` says of it in each activity that holds it."""
    gathered: dict[str, list[tuple[ActivityRecord, _Said]]] = {}
    for row in rows:
        statements = row.activity.sensitive_categories if sensitive else row.activity.personal_categories
        for stated in statements:
            gathered.setdefault(stated.value, []).append((row, say(row, stated)))
    return tuple(_line(category, found) for category, found in sorted(gathered.items()))


def _line(category: str, found: list[tuple[ActivityRecord, _Said]]) -> CategoryLine:
    said = _unique(text for _, each in found for text in each.said)
    missing = _missing(found)
    return CategoryLine(
        category=category, label=CATEGORY_WORDS.get(category, category.replace("_", " ")), said=said,
        activities=tuple(dict.fromkeys(row.activity.name for row, _ in found)),
        evidence=tuple(dict.fromkeys(proof for _, each in found for proof in each.evidence)),
        glba_only=all(row.activity.regime.value == GLBA for row, _ in found), needs_input=missing)


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    """Each text once, in order; texts differing only in case are one (a purpose named twice)."""
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(text.casefold(), text)
    return tuple(seen.values())


def _missing(found: list[tuple[ActivityRecord, _Said]]) -> str:
    """What the record cannot say, once per reason, with the activities it is missing for."""
    by_reason: dict[str, list[str]] = {}
    for row, each in found:
        if each.needs_input and row.activity.name not in by_reason.get(each.needs_input, []):
            by_reason.setdefault(each.needs_input, []).append(row.activity.name)
    return "; ".join(f"{reason} ({', '.join(names)})" for reason, names in by_reason.items())


def _collected(_row: ActivityRecord, stated: Stated[str]) -> _Said:
    return _Said((), stated.evidence)


def _moved(stated: Stated[str], movement: str, system_key: str | None = None) -> tuple[Evidence, ...]:
    """The category's evidence of fields moved that way (to or from `system_key` when given)."""
    return tuple(each for each in stated.evidence if movement in each.path
                 and (system_key is None or system_key in each.path))


def _sources(row: ActivityRecord, stated: Stated[str]) -> _Said:
    """The systems fields of the category are received from; none: the record cannot say where it comes from."""
    received = _moved(stated, "receives")
    names = {key: source.value for source in row.activity.sources for proof in source.evidence
             for key in proof.path[-1:]}
    systems = tuple(dict.fromkeys(names.get(proof.path[-1], proof.path[-1]) for proof in received))
    if not systems:
        return _Said((), stated.evidence, "no integration brings it in (whether the consumer gives it directly or "
                                          "staff enter it, a privacy officer says)")
    return _Said(systems, received)


def _purposes(row: ActivityRecord, stated: Stated[str]) -> _Said:
    purposes = row.activity.purposes
    if not purposes:
        return _Said((), stated.evidence, "no purpose is known for it")
    return _Said(tuple(each.value for each in purposes),
                 tuple(proof for each in purposes for proof in each.evidence))


def _retention(current: RecordOfProcessing, row: ActivityRecord, stated: Stated[str]) -> _Said:
    """A privacy officer's retention for the activity (as it stands now), else each recipient system's period as
    its manifest states it; the org's own period, when nobody states it, needs input."""
    own = next((each for each in _owned_now(current, row.activity) if each.name == "retention"), None)
    if own is not None and own.answered_by == PRIVACY_OFFICER and own.value:
        return _Said((f"{row.activity.name}: {own.value}",), stated.evidence)
    periods = tuple(f"{each.value.system}: {each.value.period}" + (f" ({each.value.basis})" if each.value.basis
                                                                   else "") for each in row.activity.retention)
    proofs = tuple(proof for each in row.activity.retention for proof in each.evidence)
    return _Said(periods, proofs, f"how long the org itself keeps it is {NEEDS_INPUT}")


def _owned_now(current: RecordOfProcessing, activity: Activity) -> tuple[Shown, ...]:
    found = next((each for each in current.activities if each.activity.key == activity.key), None)
    return found.owned if found else ()


def _uses(row: ActivityRecord, stated: Stated[str]) -> _Said:
    used = _purposes(row, stated)
    return _Said(used.said, used.evidence + stated.evidence, used.needs_input)


# --- by category of recipient -----------------------------------------------------------------------------------


def _to_recipients(rows: list[ActivityRecord], roles: tuple[str | None, ...]) -> tuple[RecipientLine, ...]:
    """Per category of recipient and category of personal information: the recipients and the evidence."""
    gathered: dict[tuple[str, str], list[tuple[ActivityRecord, Stated[Recipient], tuple[Evidence, ...], str]]] = {}
    for row in rows:
        sold = {(each.value.system_key, each.value.integration): each.reason for each in row.activity.sold_or_shared}
        for recipient in row.activity.recipients:
            if recipient.value.role not in roles:
                continue
            reason = sold.get((recipient.value.system_key, recipient.value.integration), "")
            for category, proofs, how in _categories_sent(row.activity, recipient.value):
                gathered.setdefault((recipient.value.role or UNDECLARED, category), []).append(
                    (row, recipient, proofs + recipient.evidence, "; ".join(filter(None, (reason, how)))))
    order = [*RECIPIENT_ROLES, UNDECLARED]
    return tuple(_recipient_line(role, category, found) for (role, category), found
                 in sorted(gathered.items(), key=lambda item: (order.index(item[0][0]), item[0][1])))


def _categories_sent(activity: Activity, recipient: Recipient) -> list[tuple[str, tuple[Evidence, ...], str]]:
    """The categories whose fields the activity sends to the recipient's system; where the graph ties no field to
    it, every category of the activity (the integration sends the activity's data, its fields unnamed)."""
    sent = [(each.value, _moved(each, "sends", recipient.system_key)) for each in activity.personal_categories]
    named = [(category, proofs, "") for category, proofs in sent if proofs]
    if named:
        return named
    return [(each.value, (), "the integration sends the activity's data; which fields, the graph does not say")
            for each in activity.personal_categories]


def _recipient_line(role: str, category: str,
                    found: list[tuple[ActivityRecord, Stated[Recipient], tuple[Evidence, ...], str]]) -> RecipientLine:
    return RecipientLine(
        role=role, role_label=RECIPIENT_ROLES.get(role, UNDECLARED_WORDS), category=category,
        label=CATEGORY_WORDS.get(category, category.replace("_", " ")),
        recipients=tuple(dict.fromkeys(each.value.name or each.value.host for _, each, _, _ in found)),
        activities=tuple(dict.fromkeys(row.activity.name for row, _, _, _ in found)),
        evidence=tuple(dict.fromkeys(proof for _, _, proofs, _ in found for proof in proofs)),
        reason="; ".join(dict.fromkeys(reason for _, _, _, reason in found if reason)))


__all__ = ["RECIPIENT_ROLES", "UNDECLARED", "WINDOW_MONTHS", "CategoryLine", "Disclosures", "RecipientLine",
           "disclose", "disclosures_of", "months_before", "window_moments"]

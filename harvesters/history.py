"""What the harvests pages show: runs listed newest first, and one run with its steps, read-only records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator

from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.runs import planned_steps

RUNS_PER_PAGE = 25


@dataclass(frozen=True)
class RunRow:
    """One run as the list shows it."""

    pk: int
    org_alias: str
    status: str
    status_label: str
    full: bool
    sources: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    api_calls: int | None
    error_count: int
    warning_count: int


@dataclass(frozen=True)
class RunPage:
    """A page of runs, newest first, with what the pager needs."""

    rows: list[RunRow]
    number: int
    page_count: int
    total: int


@dataclass(frozen=True)
class StepState:
    """A step of a run by its name in words, its state (done, running, waiting, not finished) and its figures."""

    name: str
    state: str
    counts: dict[str, int]
    errors: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class RunDetail:
    """One run as its page shows it; the org's daily API limit and what remained of it at the run's start and after
    its latest call are None until the run's first answer from Salesforce reports them."""

    row: RunRow
    reason: str
    chunks_done: int
    chunks_total: int
    counts: dict[str, int]
    steps: list[StepState]
    errors: list[str]
    warnings: list[str]
    daily_api_limit: int | None
    api_remaining_before: int | None
    api_remaining_after: int | None

    @property
    def finished(self) -> bool:
        return self.row.finished_at is not None


def org_aliases() -> list[str]:
    return list(OrgConnection.objects.order_by("alias").values_list("alias", flat=True))


def status_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in RunStatus.choices]


def runs_page(*, org_alias: str = "", status: str = "", page: int | str = 1) -> RunPage:
    """Runs newest first, of one org and in one status when given; a page number out of range gives the last."""
    runs = HarvestRun.objects.select_related("org").order_by("-created_at", "-pk")
    if org_alias:
        runs = runs.filter(org__alias=org_alias)
    if status:
        runs = runs.filter(status=status)
    shown = Paginator(runs, RUNS_PER_PAGE).get_page(page)
    return RunPage(rows=[row_of(run) for run in shown], number=shown.number,
                   page_count=shown.paginator.num_pages, total=shown.paginator.count)


def run_detail(pk: int) -> RunDetail | None:
    run = HarvestRun.objects.select_related("org").filter(pk=pk).first()
    if run is None:
        return None
    return RunDetail(row=row_of(run), reason=run.reason, chunks_done=run.chunks_done, chunks_total=run.chunks_total,
                     counts=spaced(run.counts), steps=steps_of(run), errors=[in_words(item) for item in run.errors],
                     warnings=[in_words(item) for item in run.warnings], daily_api_limit=run.api_daily_limit,
                     api_remaining_before=run.api_remaining_before, api_remaining_after=run.api_remaining_after)


def row_of(run: HarvestRun) -> RunRow:
    return RunRow(pk=run.pk, org_alias=run.org.alias, status=run.status, status_label=run.get_status_display(),
                  full=run.full, sources=list(run.sources), created_at=run.created_at, started_at=run.started_at,
                  finished_at=run.finished_at, api_calls=run.api_calls, error_count=len(run.errors or []),
                  warning_count=len(run.warnings or []))


def steps_of(run: HarvestRun) -> list[StepState]:
    """The steps begun (in the order they began) and then those planned but not begun yet."""
    begun = [StepState(name=step_title(name, run.plan), state=_state(entry["done"], run),
                       counts=spaced(entry["counts"]), errors=[in_words(item) for item in entry["errors"]],
                       warnings=[in_words(item) for item in entry["warnings"]])
             for name, entry in run.steps.items()]
    waiting = sorted(planned_steps(run) - set(run.steps))
    if run.plan is None and "schema" in run.sources:  # the schema's chunks are known once the run is planned
        waiting.insert(0, "schema")
    return begun + [StepState(name=step_title(name, run.plan), state="not run" if run.finished_at else "waiting",
                              counts={}, errors=[], warnings=[]) for name in waiting]


def _state(done: bool, run: HarvestRun) -> str:
    if done:
        return "done"
    return "not finished" if run.finished_at else "running"


def spaced(counts: dict[str, int]) -> dict[str, int]:
    """Counts keyed by words ('skipped edges'), as the pages show them."""
    return {name.replace("_", " "): count for name, count in counts.items()}


def step_title(name: str, plan: list[list[str]] | None) -> str:
    """'schema:Account' as a person reads it: 'schema chunk 1 of 3 (Account, Contact, Lead, …)'."""
    if name == "schema":
        return "schema (its chunks are planned as the run starts)"
    if not name.startswith("schema:"):
        return name.replace(":", ", ")
    chunks = plan or []
    first = name.removeprefix("schema:")
    for number, names in enumerate(chunks, start=1):
        if names and names[0] == first:
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            return f"schema chunk {number} of {len(chunks)} ({shown})"
    return f"schema chunk starting at {first}"


def in_words(item: object) -> str:
    """An error or warning as recorded (words, or a step and its error) as one line of words."""
    if isinstance(item, dict):
        step, said = item.get("step"), item.get("error") or item.get("warning") or item.get("message")
        return f"{step}: {said}" if step and said else "; ".join(f"{key}: {value}" for key, value in item.items())
    return str(item)

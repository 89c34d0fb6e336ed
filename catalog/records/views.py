"""The records' pages: the orgs, one org's record (as of a date) with its own fields, one activity with the
evidence behind every statement, and the forms where a privacy officer fills what the graph cannot know.

Thin views: reading and editing go through catalog.records.services; `as_of` is read as the API reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import ValidationError

from catalog.accounts import roles
from catalog.exports.services import Exporter
from catalog.exports.views import WEB_PAGE
from catalog.inventory.services import NotInCatalogError, org_named
from catalog.pages import found, may_view
from catalog.records import regenerated, services, snapshots
from catalog.records.api import as_of_asked
from catalog.records.export_views import SnapshotExportForm, download
from catalog.records.models import ACTIVITY_FIELDS, MAX_TEXT, ORG_FIELDS, RecordSnapshot
from catalog.records.snapshot_api import SNAPSHOT_PREFIX, records_compared
from harvesters.models import OrgConnection


def _edit_form(fields: dict[str, str]) -> type[forms.Form]:
    declared: dict[str, forms.Field] = {
        name: forms.CharField(label=label, required=False, max_length=MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 2})) for name, label in fields.items()}
    declared["reason"] = forms.CharField(label="Why (kept in the audit log)", required=False,
                                         max_length=services.MAX_REASON_LENGTH)
    return cast(type[forms.Form], type("RecordEditForm", (forms.Form,), declared))


def _may_edit(request: HttpRequest) -> None:
    if not roles.can_edit(request.user):
        raise PermissionDenied


def _as_of(request: HttpRequest) -> tuple[datetime | None, str]:
    try:
        return as_of_asked(request.GET), ""
    except ValidationError:
        return None, "As of: a date such as 2026-11-01, or a date and time; the record is shown as of now."


@require_GET
def record_index(request: HttpRequest) -> HttpResponse:
    """The connected orgs, each a record of processing activities."""
    may_view(request)
    orgs = list(OrgConnection.objects.order_by("alias"))
    return render(request, "records/index.html", {"orgs": orgs})


@require_GET
def record_org(request: HttpRequest, alias: str) -> HttpResponse:
    """The org's record: its own fields, and its activities with what each still needs."""
    may_view(request)
    as_of, error = _as_of(request)
    record = found(services.record_of, alias, as_of)
    context = {"record": record, "as_of_error": error, "can_edit": roles.can_edit(request.user) and as_of is None,
               "as_of_value": request.GET.get("as_of", ""),
               "form": _edit_form(ORG_FIELDS)(initial=_initial(record.owned)),
               "snapshot_form": SnapshotForm(), "snapshots": snapshots.snapshots_of(alias)[:20],
               "regeneration": regenerated.regeneration_of(alias)}
    return render(request, "records/org.html", context, status=400 if error else 200)


@require_GET
def record_activity(request: HttpRequest, alias: str, key: str) -> HttpResponse:
    """One activity: every statement with the evidence behind it, and its human-owned fields."""
    may_view(request)
    as_of, error = _as_of(request)
    record = found(services.activity_of, alias, key, as_of)
    context = {"record": record, "activity": record.activity, "as_of_error": error,
               "can_edit": roles.can_edit(request.user) and as_of is None,
               "as_of_value": request.GET.get("as_of", ""),
               "form": _edit_form(ACTIVITY_FIELDS)(initial=_initial(record.owned))}
    return render(request, "records/activity.html", context, status=400 if error else 200)


@require_GET
def record_changes(request: HttpRequest, alias: str) -> HttpResponse:
    """What changed in the org's record between two dates (a GET form: since, and until or now)."""
    may_view(request)
    found(org_named, alias)
    asked = {"org": alias, "since": request.GET.get("since", ""), "until": request.GET.get("until", "")}
    context: dict[str, object] = {"alias": alias, "since": asked["since"], "until": asked["until"],
                                  "since_words": _side_in_words(alias, asked["since"]),
                                  "until_words": _side_in_words(alias, asked["until"]),
                                  "regeneration": regenerated.regeneration_of(alias)}
    if not asked["since"]:
        return render(request, "records/changes.html", context)
    try:
        context["diff"] = records_compared(asked)
    except ValidationError as error:
        detail = cast(dict[str, list[str]], error.detail)
        context["errors"] = {name: str(messages[0]) for name, messages in detail.items()}
        return render(request, "records/changes.html", context, status=400)
    return render(request, "records/changes.html", context)


@require_POST
def record_org_edit(request: HttpRequest, alias: str) -> HttpResponse:
    may_view(request)
    _may_edit(request)
    found(org_named, alias)
    form = _edit_form(ORG_FIELDS)(request.POST)
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in ORG_FIELDS}
        try:
            services.edit_org_record(alias, values, reason=form.cleaned_data["reason"], actor=request.user)
        except services.RecordInputError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, "The record's own fields are saved.")
            return redirect("record-org", alias)
    record = services.record_of(alias)
    return render(request, "records/org.html", {"record": record, "can_edit": True, "form": form}, status=400)


@require_POST
def record_activity_edit(request: HttpRequest, alias: str, key: str) -> HttpResponse:
    may_view(request)
    _may_edit(request)
    record = found(services.activity_of, alias, key)
    form = _edit_form(ACTIVITY_FIELDS)(request.POST)
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in ACTIVITY_FIELDS}
        try:
            services.edit_activity(alias, key, values, reason=form.cleaned_data["reason"], actor=request.user)
        except services.RecordInputError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"“{record.activity.name}” is saved.")
            return redirect("record-activity", alias, key)
    context = {"record": record, "activity": record.activity, "can_edit": True, "form": form}
    return render(request, "records/activity.html", context, status=400)


def _side_in_words(alias: str, side: str) -> str | None:
    """A diff's side given as snapshot:<id>, in words; None for a date or a snapshot the org does not have."""
    if not side.startswith(SNAPSHOT_PREFIX):
        return None
    try:
        return regenerated.snapshot_in_words(snapshots.snapshot_named(side.removeprefix(SNAPSHOT_PREFIX), alias))
    except NotInCatalogError:
        return None


def _initial(owned: tuple[services.Shown, ...]) -> dict[str, str]:
    """A form starts from the privacy officer's own words (the graph's and "needs input" are not theirs)."""
    return {each.name: each.value or "" for each in owned if each.answered_by == services.PRIVACY_OFFICER}


class SnapshotForm(forms.Form):
    reason = forms.CharField(label="Why freeze it (kept with the snapshot and in the audit log)",
                             max_length=snapshots.MAX_REASON_LENGTH)


@require_POST
def record_snapshot_take(request: HttpRequest, alias: str) -> HttpResponse:
    """Freeze the org's record as of now (privacy officers), and go to the snapshot."""
    may_view(request)
    _may_edit(request)
    found(org_named, alias)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        taken = snapshots.take_snapshot(alias, reason=form.cleaned_data["reason"], actor=request.user)
        messages.success(request, "The record is frozen and signed.")
        return redirect("record-snapshot", alias, str(taken.id))
    record = services.record_of(alias)
    context = {"record": record, "can_edit": True, "form": _edit_form(ORG_FIELDS)(initial=_initial(record.owned)),
               "snapshot_form": form, "snapshots": snapshots.snapshots_of(alias)[:20]}
    return render(request, "records/org.html", context, status=400)


@require_GET
def record_snapshot(request: HttpRequest, alias: str, pk: str) -> HttpResponse:
    """A frozen snapshot: when, by whom and why, whether it is intact, its activities, and its download."""
    may_view(request)
    snapshot = found(snapshots.snapshot_named, pk, alias)
    return render(request, "records/snapshot.html", _snapshot_context(request, snapshot, SnapshotExportForm()))


@require_POST
def record_snapshot_download(request: HttpRequest, alias: str, pk: str) -> HttpResponse | FileResponse:
    """The snapshot in the chosen format, of the record it froze (auditors and privacy officers, with a reason);
    audited. A snapshot not as it was signed is not exported: the page again says why (409)."""
    may_view(request)
    if not roles.can_export(request.user):
        raise PermissionDenied
    snapshot = found(snapshots.snapshot_named, pk, alias)
    form = SnapshotExportForm(request.POST)
    if not form.is_valid():
        return render(request, "records/snapshot.html", _snapshot_context(request, snapshot, form), status=400)
    exporter = Exporter(actor=request.user, reason=form.cleaned_data["reason"], origin=WEB_PAGE)
    try:
        return download(snapshots.export_snapshot(snapshot, form.cleaned_data["format"], exporter))
    except snapshots.SnapshotNotIntactError as error:
        form.add_error(None, str(error))
        return render(request, "records/snapshot.html", _snapshot_context(request, snapshot, form), status=409)


def _snapshot_context(request: HttpRequest, snapshot: RecordSnapshot, form: SnapshotExportForm) -> dict[str, object]:
    return {"snapshot": snapshot, "check": snapshots.verification_of(snapshot), "body": snapshots.body_of(snapshot),
            "can_export": roles.can_export(request.user), "download_form": form}

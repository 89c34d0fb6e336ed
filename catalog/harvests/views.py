"""Thin page views: reading goes through harvesters.history, starting a harvest through harvesters.runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_format
from django.views.decorators.http import require_GET, require_POST

from catalog.accounts import roles
from catalog.harvests.forms import RunFilterForm, StartHarvestForm
from catalog.records import regenerated
from catalog.views import HtmxHttpRequest
from harvesters import runs
from harvesters.history import run_detail, runs_page
from harvesters.models import OrgConnection

RUN_PROGRESS_FRAGMENT = "harvests/_run_progress.html"
ORIGIN = "web page"  # how the audit log says the harvest was started


@require_GET
def harvest_list(request: HttpRequest) -> HttpResponse:
    """Runs newest first, filtered by org and status; the start form for whoever may start one."""
    if not roles.can_view(request.user):
        raise PermissionDenied
    return _list_page(request, StartHarvestForm(initial={"org": request.GET.get("org", "")}))


@require_POST
def harvest_start(request: HttpRequest) -> HttpResponse:
    """Start a harvest as every entry point does; a refusal (bad field, a run in the way) is said on the list."""
    if not roles.can_run_harvests(request.user):
        raise PermissionDenied
    from harvesters.tasks import queue_harvest  # the tasks module imports Celery's app: only a start needs it

    form = StartHarvestForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    org = OrgConnection.objects.get(alias=form.cleaned_data["org"])
    try:
        run = queue_harvest(org, full=form.full, requested_by=request.user, origin=ORIGIN)
    except runs.RunInProgressError as error:
        form.add_error(None, _in_the_way(error))
        return _list_page(request, form, status=409, in_the_way=error.running.pk)
    messages.success(request, f"The {form.cleaned_data['kind']} harvest of {org.alias} has started.")
    return redirect("harvest-detail", pk=run.pk)


@require_GET
def harvest_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One run; while it is unfinished HTMX fetches its progress section every 2 seconds."""
    if not roles.can_view(request.user):
        raise PermissionDenied
    run = run_detail(pk)
    if run is None:
        raise Http404(f"No harvest run {pk}.")
    template = RUN_PROGRESS_FRAGMENT if request.htmx else "harvests/detail.html"
    return render(request, template, {"run": run, "record": regenerated.record_after(pk)})


def _list_page(request: HttpRequest, start_form: StartHarvestForm, *, status: int = 200,
               in_the_way: int | None = None) -> HttpResponse:
    filters = RunFilterForm(request.GET, auto_id="filter_%s")  # ids apart from the start form's
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = runs_page(org_alias=chosen.get("org", ""), status=chosen.get("status", ""),
                     page=request.GET.get("page", 1))
    context = {"page": page, "filters": filters, "form": start_form, "can_start": roles.can_run_harvests(request.user),
               "in_the_way": in_the_way, "query": _query_without_page(request),
               "filtered": bool(chosen.get("org") or chosen.get("status"))}
    return render(request, "harvests/list.html", context, status=status)


def _query_without_page(request: HttpRequest) -> str:
    kept = request.GET.copy()
    kept.pop("page", None)
    return kept.urlencode()


def _in_the_way(error: runs.RunInProgressError) -> str:
    running = error.running
    state = running.get_status_display().lower()
    return (f"{running.org.alias} already has a harvest {state} (run {running.pk}, asked for "
            f"{date_format(running.created_at, 'j M Y, H:i')} UTC). An org is harvested once at a time: wait for "
            f"that run to finish, then start another.")

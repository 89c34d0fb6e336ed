"""The findings pages: the list (the API's filters, ranked by estimated exposure, with the auditors' report), one
finding with its evidence path drawn as the lineage explorer draws lineage, its rule, its history and, for a privacy
officer, its lifecycle forms. Thin views: every change goes through catalog.findings.services.
"""

from __future__ import annotations

import itertools
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.accounts import roles
from catalog.exports.forms import ExportReasonForm
from catalog.exports.services import Exporter
from catalog.exports.views import WEB_PAGE, download, given_filters, may_export
from catalog.findings import exports, services
from catalog.findings.api import FindingFilterSet
from catalog.findings.forms import AcceptRiskForm, NoteForm, ReopenForm
from catalog.findings.models import Finding, FindingState
from catalog.pages import lineage_url, may_view, page_asked, pager_for
from lineage.rules import rule_named

# The explorer draws these kinds of node (lineage.js's shapes): a path step's label, in its words.
KINDS = {"Field": "field", "SObject": "object", "Integration": "integration", "System": "system"}
CHANGES = {"acknowledge": NoteForm, "accept-risk": AcceptRiskForm, "reopen": ReopenForm}


@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    """The findings the filters pass, the largest estimated exposure first, with the counts of the live ones."""
    may_view(request)
    return _list_page(request, FindingFilterSet(request.GET, queryset=services.findings()),
                      ExportReasonForm() if roles.can_export(request.user) else None)


@require_POST
def finding_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The findings report (CSV or PDF) of the filters the list was showing, once a reason is given."""
    may_export(request)
    filterset = FindingFilterSet(request.POST, queryset=services.findings())
    form = ExportReasonForm(request.POST)
    file_format = request.POST.get("format", "")
    if file_format not in exports.FORMATS:
        form.add_error(None, "Choose CSV or PDF.")
    if filterset.is_valid() and form.is_valid():
        exporter = Exporter(actor=request.user, reason=form.cleaned_data["reason"], origin=WEB_PAGE)
        return download(exports.export_findings(filterset.qs, dict(given_filters(filterset.form)), exporter,
                                                file_format))
    return _list_page(request, filterset, form, status=400)


@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    may_view(request)
    return _detail_page(request, _finding(pk), {})


@require_POST
def finding_change(request: HttpRequest, pk: int, change: str) -> HttpResponse:
    """Acknowledge, accept the risk or reopen (a privacy officer's): back to the page, or it again with what was
    wrong."""
    may_view(request)
    if not roles.can_edit(request.user):
        raise PermissionDenied
    if change not in CHANGES:
        raise Http404(f"A finding cannot be changed by {change!r}.")
    finding = _finding(pk)
    form = CHANGES[change](request.POST, prefix=change)  # three forms on one page: their ids never clash
    if form.is_valid():
        try:
            _apply(change, finding, request, form.cleaned_data)
        except services.FindingInputError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        except services.FindingStateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Finding {finding.pk} is now {FindingState(finding.state).label.lower()}.")
            return redirect("finding-detail", pk=finding.pk)
    return _detail_page(request, finding, {change: form}, status=400)


# --- helpers -----------------------------------------------------------------------------------------------------


def _list_page(request: HttpRequest, filterset: FindingFilterSet, export_form: ExportReasonForm | None,
               status: int = 200) -> HttpResponse:
    errors = {name: str(found[0]) for name, found in filterset.errors.items()} if not filterset.is_valid() else {}
    asked, page_errors = page_asked(request)
    errors.update(page_errors)
    rows: list[Finding] = []
    pager = None
    if not errors:
        found = filterset.qs
        total = found.count()
        pager = pager_for(request, asked, total)
        rows = list(found[asked.skip:asked.skip + asked.size])
    context = {"form": filterset.form, "errors": errors, "rows": rows, "pager": pager,
               "counts": services.live_counts(), "export_form": export_form,
               "hidden": given_filters(filterset.form),
               "filtered": any(value for name, value in request.GET.items() if name not in ("page", "page_size"))}
    return render(request, "findings/list.html", context, status=400 if errors else status)


def _detail_page(request: HttpRequest, finding: Finding, bound: dict[str, forms.Form], status: int = 200,
                 ) -> HttpResponse:
    may_edit = roles.can_edit(request.user)
    # Keyed for the template, which reads no hyphen: accept_risk.
    change_forms = ({name.replace("-", "_"): bound.get(name) or form_class(prefix=name)
                     for name, form_class in CHANGES.items()} if may_edit else {})
    steps = [{**step, "explore_url": _explore(step["key"], finding.pk)} for step in finding.path]
    context = {"finding": finding, "rule": rule_named(finding.rule_id), "steps": steps,
               "graph": evidence_graph(finding), "events": finding.events.all(), "forms": change_forms,
               "may_edit": may_edit}
    return render(request, "findings/detail.html", context, status=status)


def evidence_graph(finding: Finding) -> dict[str, Any]:
    """The evidence path as the explorer's graph reads a lineage (catalog.explorer.api.lineage_data): a step per
    column, an edge from each to the next; every node opens the explorer on it, this finding's path outlined."""
    drawn = [step for step in finding.path if step["label"] in KINDS]
    nodes = [{"key": step["key"], "kind": KINDS[step["label"]], "name": step["name"], "label": None, "org": None,
              "hop": hop, "integration_kind": None, "ccpa_category": None, "sensitive": False,
              "url": _explore(step["key"], finding.pk)} for hop, step in enumerate(drawn)]
    edges = [{"key": f"{one['key']}->{other['key']}", "source": one["key"], "target": other["key"],
              "unchecked": False} for one, other in itertools.pairwise(drawn)]
    return {"start": nodes[0] if nodes else None, "nodes": nodes, "edges": edges,
            "evidence": [node["key"] for node in nodes]}


def _apply(change: str, finding: Finding, request: HttpRequest, given: dict[str, Any]) -> None:
    actor: Any = request.user
    if change == "acknowledge":
        services.acknowledge(finding, actor=actor, note=given["note"])
    elif change == "accept-risk":
        services.accept_risk(finding, actor=actor, justification=given["justification"], owner=given["owner"],
                             expires_on=given["expires_on"])
    else:
        services.reopen(finding, actor=actor, note=given["note"])


def _finding(pk: int) -> Finding:
    finding = services.findings().filter(pk=pk).first()
    if finding is None:
        raise Http404(f"There is no finding {pk}.")
    return finding


def _explore(key: str, finding_pk: int) -> str:
    explorer = lineage_url(key)
    return f"{explorer}&finding={finding_pk}" if explorer else ""

"""The classification review page, and the override and withdrawal forms behind the field page's panel.

Thin views: every change goes through catalog.classification.services; the review's filters are the API's.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.accounts import roles
from catalog.classification import services
from catalog.classification.api import OverrideFilterSet
from catalog.classification.forms import OverrideForm, WithdrawalForm
from catalog.inventory.services import NotInCatalogError, org_named

REVIEW_PAGE_SIZE = 50


@require_GET
def classification_review(request: HttpRequest, alias: str) -> HttpResponse:
    """The org's overrides, live and past, filtered as the API filters them, newest first."""
    if not roles.can_view(request.user):
        raise PermissionDenied
    org = _org(alias)
    filterset = OverrideFilterSet(request.GET, queryset=services.overrides_of(alias))
    valid = filterset.is_valid()
    overrides = filterset.qs if valid else services.overrides_of(alias).none()
    page = Paginator(overrides, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {"org": org, "filters": filterset.form, "page": page, "query": kept.urlencode(),
               "filtered": any(request.GET.get(name) for name in filterset.filters),
               "live_count": services.overrides_of(alias, status="live").count()}
    return render(request, "classification/review.html", context, status=200 if valid else 400)


@require_POST
def classification_override(request: HttpRequest, alias: str, name: str, field: str) -> HttpResponse:
    """Override the field's classification from its page's form; a refusal is said on a page of its own."""
    if not roles.can_edit(request.user):
        raise PermissionDenied
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _refused(request, alias, name, field, form)
    try:
        services.override_field(alias, name, field, ccpa_category=form.cleaned_data["ccpa_category"],
                                sensitive=form.sensitive_value, reason=form.cleaned_data["reason"],
                                actor=request.user)
    except NotInCatalogError as error:
        raise Http404(str(error)) from None
    except services.OverrideInputError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _refused(request, alias, name, field, form)
    except services.OverrideConflictError as error:
        form.add_error(None, str(error))
        return _refused(request, alias, name, field, form, status=409)
    messages.success(request, f"{name}.{field} is overridden; the override is in force everywhere from now on.")
    return redirect("catalog-field", alias, name, field)


@require_POST
def classification_withdraw(request: HttpRequest, alias: str, pk: int) -> HttpResponse:
    """Withdraw a live override from its field's page: the harvested classification is in force again."""
    if not roles.can_edit(request.user):
        raise PermissionDenied
    try:
        override = services.override_in(alias, pk)
    except NotInCatalogError as error:
        raise Http404(str(error)) from None
    form = WithdrawalForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.withdraw_override(override, reason=form.cleaned_data["reason"], actor=request.user)
        except services.OverrideConflictError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, f"The override of {override.sobject}.{override.field} is withdrawn; the "
                                      f"harvested classification is in force again.")
            return redirect("catalog-field", alias, override.sobject, override.field)
    context = {"org": override.org, "override": override, "form": form}
    return render(request, "classification/withdraw_refused.html", context, status=status)


def _refused(request: HttpRequest, alias: str, name: str, field: str, form: OverrideForm, *,
             status: int = 400) -> HttpResponse:
    context = {"org": _org(alias), "object_name": name, "field_name": field, "form": form}
    return render(request, "classification/override_refused.html", context, status=status)


def _org(alias: str) -> object:
    try:
        return org_named(alias)
    except NotInCatalogError as error:
        raise Http404(str(error)) from None

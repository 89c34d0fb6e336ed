"""Login, logout and password change (Django's own views, with our pages and plain-words messages), and the
audit log's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET

from catalog.accounts import roles
from catalog.accounts.api import AuditEventFilterSet
from catalog.accounts.audit import HARVEST_RUN, harvest_run_pks
from catalog.accounts.models import AuditEvent
from catalog.views import HtmxHttpRequest

AUDIT_LOG_FRAGMENT = "accounts/_audit_log.html"
EVENTS_PER_PAGE = 50

WRONG_LOGIN = "Wrong username or password. Check both and try again; the password is case-sensitive."
# What a person left out, said as what to do (not "This field is required.").
MISSING = {
    "username": "Enter your username.",
    "password": "Enter your password.",
    "old_password": "Enter your current password.",
    "new_password1": "Enter a new password.",
    "new_password2": "Enter the new password again.",
}


def say_what_is_missing(form: forms.Form) -> None:
    for name, field in form.fields.items():
        if name in MISSING:
            field.error_messages["required"] = MISSING[name]


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": WRONG_LOGIN,
        "inactive": "This account is switched off. Ask an administrator of Recordkeeper to switch it on.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_what_is_missing(self)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_what_is_missing(self)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (a link cannot log anyone out), then shows the login page."""


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):  # type: ignore[type-arg]
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")
    success_message = "Your password has been changed."


@dataclass(frozen=True)
class AuditRow:
    """One event as the audit log's page shows it; `object_url` links the object where it has a page."""

    at: datetime
    actor: str
    token_key: str
    action: str
    object_type: str
    object_key: str
    object_url: str
    reason: str
    details: dict[str, str]


@require_GET
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    """The audit log newest first, filtered by the API's own filterset; no control on it changes an event."""
    if not roles.can_view_audit_log(request.user):
        raise PermissionDenied
    filters = AuditEventFilterSet(given_filters(request.GET), queryset=AuditEvent.objects.all())
    valid = filters.is_valid()
    shown = Paginator(filters.qs if valid else AuditEvent.objects.none(), EVENTS_PER_PAGE).get_page(
        request.GET.get("page", 1))
    context = {"form": filters.form, "page": shown, "rows": rows_of(list(shown)),
               "query": given_filters(request.GET).urlencode(), "filtered": bool(filters.form.data)}
    # A bad filter is a 400 page; HTMX swaps only 2xx answers, so its fragment carries the errors with a 200.
    status = 400 if not valid and not request.htmx else 200
    if not request.htmx:
        return render(request, "accounts/audit_log.html", context, status=status)
    response = render(request, AUDIT_LOG_FRAGMENT, context, status=status)
    response["HX-Push-Url"] = _address(request.path, given_filters(request.GET), request.GET.get("page", ""))
    return response


def given_filters(query: QueryDict) -> QueryDict:
    """The filters a person filled in: a page's form sends its empty fields too, and the page number is not one."""
    given = QueryDict(mutable=True)
    for name, values in query.lists():
        kept = [value for value in values if value.strip()]
        if name != "page" and kept:
            given.setlist(name, kept)
    return given


def _address(path: str, filters: QueryDict, page: str) -> str:
    """The address the browser's history keeps: the filters given, without the empty ones a form sends."""
    query = filters.copy()
    if page.strip() and page.strip() != "1":
        query["page"] = page.strip()
    return f"{path}?{query.urlencode()}" if query else path


def rows_of(events: list[AuditEvent]) -> list[AuditRow]:
    runs = harvest_run_pks([event.object_key for event in events if event.object_type == HARVEST_RUN])
    return [AuditRow(at=event.at, actor=event.actor_name, token_key=event.token_key,
                     action=event.get_action_display(), object_type=event.object_type.replace("_", " "),
                     object_key=event.object_key, object_url=_object_url(event, runs), reason=event.reason,
                     details={name: in_words(value) for name, value in (event.details or {}).items()})
            for event in events]


def in_words(value: object) -> str:
    """A detail's value as a person reads it: a list joined by commas, yes or no for a flag, `name: value` pairs
    (an export's filters), "none" for an empty one."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{name}: {in_words(each)}" for name, each in value.items()) or "none"
    return str(value)


def _object_url(event: AuditEvent, runs: dict[str, int]) -> str:
    if event.object_type == HARVEST_RUN and event.object_key in runs:
        return reverse("harvest-detail", args=[runs[event.object_key]])
    return ""

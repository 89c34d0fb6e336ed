"""The small export form under a filtered list: the list's filters carried on, a stated reason, "Export CSV"."""

from __future__ import annotations

from typing import Any

from django import template

from catalog.accounts import roles
from catalog.exports.forms import ExportReasonForm
from catalog.exports.views import given_filters

register = template.Library()


@register.inclusion_tag("exports/_export_form.html", takes_context=True)
def export_form(context: template.Context, action: str, what: str) -> dict[str, Any]:
    """The form posting the list's filters (its `form`) and a reason to `action`; nothing for a role that may not
    export."""
    request = context.get("request")
    allowed = request is not None and roles.can_export(request.user)
    filters = context.get("form")
    return {"allowed": allowed, "action": action, "what": what, "form": ExportReasonForm(),
            "hidden": given_filters(filters) if filters is not None else [], "csrf_token": context.get("csrf_token")}

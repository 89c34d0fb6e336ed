"""`{% load classification %}{% override_panel field %}`: the field page's override state and, for whoever may
edit the catalog, the forms to override it or withdraw the override (the request comes from the page's context)."""

from __future__ import annotations

from typing import Any

from django import template

from catalog.accounts import roles
from catalog.classification.forms import OverrideForm, WithdrawalForm
from catalog.classification.models import CATEGORY_CHOICES, NOT_PERSONAL
from catalog.classification.services import live_override_of
from lineage.queries.inventory import FieldDetail

register = template.Library()


@register.inclusion_tag("classification/_override_panel.html", takes_context=True)
def override_panel(context: template.Context, field: FieldDetail) -> dict[str, Any]:
    request = context["request"]
    may_edit = roles.can_edit(request.user)
    live = live_override_of(field.key) if may_edit else None
    initial = {"ccpa_category": live.ccpa_category, "sensitive": {None: "", True: "true", False: "false"}[
        live.sensitive]} if live is not None else {}
    return {"field": field, "alias": context["org"].alias, "may_edit": may_edit, "live": live,
            "form": OverrideForm(initial=initial, auto_id="override_%s"),
            "withdrawal": WithdrawalForm(auto_id="withdraw_%s"), "csrf_token": context.get("csrf_token")}


CATEGORY_WORDS = dict(CATEGORY_CHOICES)


@register.filter
def category_words(value: str | None) -> str:
    """A category value in words ("Customer records"); none as "Not personal information"."""
    return CATEGORY_WORDS.get(value or NOT_PERSONAL, str(value))

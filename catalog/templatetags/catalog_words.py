"""Words the pages use for the graph's values: a CCPA category or an integration kind said plainly, an edge's access."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lineage.rules import CODE_SPAN

register = template.Library()

ACCESS_WORDS = {"READS": "Reads", "WRITES": "Writes",
                "ACCESSED": "Seen in the event logs using", "FLOWS_TO": "Sends its data to"}


@register.filter
def words(value: object) -> str:
    """`customer_records` as "Customer records"; nothing as an empty string."""
    return str(value).replace("_", " ").capitalize() if value else ""


@register.filter
def access_words(access: str) -> str:
    return ACCESS_WORDS.get(access, access)


@register.filter
def rule_name(rule: str | None) -> str:
    """A rule as the harvest records it, `name: what it matched and why`: its name."""
    return (rule or "").partition(": ")[0]


@register.filter
def rule_reason(rule: str | None) -> str:
    """What the rule matched and why (the whole text when it has no name)."""
    name, separator, reason = (rule or "").partition(": ")
    return reason if separator else name


@register.filter
def with_code(text: str) -> SafeString:
    """Prose whose `backticked` words are code (a rule's explanation names Apex and SOQL): set as <code>, the rest
    escaped."""
    return mark_safe(CODE_SPAN.sub(r"<code>\1</code>", escape(text)))  # noqa: S308 - escaped before the tags are added

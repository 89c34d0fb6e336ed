"""How a record's page shows evidence: each step of a graph path linked to the node's own page, or to the lineage
explorer drawn from it; relationship types and movements as plain words."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from catalog.navigation import url_or_empty
from catalog.pages import lineage_url
from catalog.records.activities import Evidence

register = template.Library()


@dataclass(frozen=True)
class EvidenceStep:
    text: str
    url: str


@dataclass(frozen=True)
class EvidenceLine:
    steps: tuple[EvidenceStep, ...]
    artefact: str | None


@register.filter
def evidence_lines(evidence: tuple[Evidence, ...]) -> list[EvidenceLine]:
    return [EvidenceLine(tuple(_step(step) for step in each.path), each.artefact) for each in evidence]


def _step(step: str) -> EvidenceStep:
    if step.startswith("integration:"):
        return EvidenceStep(step, url_or_empty("integration-detail", step))
    if step.startswith("system:"):
        return EvidenceStep(step, url_or_empty("system-detail", step))
    if ":" in step:
        return EvidenceStep(step, lineage_url(step))
    return EvidenceStep(step, "")  # a relationship type or a movement

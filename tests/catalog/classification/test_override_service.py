"""Overriding a field's classification through the service: audited, with a reason, one live per field, withdrawn
with a reason, history kept, and mirrored onto the graph where every read query sees it (real Neo4j)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.classification import services
from catalog.classification.models import NOT_PERSONAL, ClassificationOverride
from catalog.inventory.services import NotInCatalogError, field_of, fields_of, objects_of
from harvesters.models import OrgConnection
from lineage import Graph, field_key
from lineage.overrides import OVERRIDE_PROPERTIES
from lineage.provenance import SCHEMA
from lineage.queries.inventory import FieldFilter, PageRequest
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.classification.conftest import ORG_ID, review_fields, write_review_org

pytestmark = pytest.mark.django_db


def listed(alias: str, **filters: object) -> list[str]:
    page = fields_of(alias, FieldFilter(**filters), PageRequest(size=50))  # type: ignore[arg-type]
    return [row.name for row in page.rows]


def test_an_override_is_in_force_on_the_field_with_the_harvested_values_and_who_when_why_beside_it(
        review_bank: OrgConnection):
    officer = privacy_officer()

    made = services.override_field("review-bank", "Contact", "Department", ccpa_category="professional_information",
                                   sensitive=True, reason="  Holds the customer's employer  ", actor=officer)
    detail = field_of("review-bank", "Contact", "Department")

    assert (detail.ccpa_category, detail.sensitive, detail.overridden) == ("professional_information", True, True)
    assert (detail.harvested_ccpa_category, detail.harvested_sensitive) == (None, False)
    assert (detail.override_by, detail.override_reason) == ("olivia-officer", "Holds the customer's employer")
    assert detail.override_at == made.created_at
    assert (made.harvested_ccpa_category, made.harvested_sensitive, made.status) == ("", False, "live")


def test_an_override_is_audited_with_its_reason_and_what_it_changed(review_bank: OrgConnection):
    made = services.override_field("review-bank", "Contact", "Email", ccpa_category=NOT_PERSONAL,
                                   reason="A shared team mailbox, not a person's", actor=privacy_officer())

    event = AuditEvent.objects.get(action=AuditAction.CLASSIFICATION_OVERRIDDEN)

    assert (event.actor_name, event.object_type, event.object_key, event.reason) == (
        "olivia-officer", "field", field_key(ORG_ID, "Contact", "Email"), "A shared team mailbox, not a person's")
    assert event.details == {"override": made.pk, "org": "review-bank", "object": "Contact", "field": "Email",
                             "ccpa_category": NOT_PERSONAL, "sensitive": None,
                             "harvested_ccpa_category": "identifiers", "harvested_sensitive": False,
                             "replaces": None}


@pytest.mark.parametrize("reason", ["", "   \n", "x" * 2001, "because\x00"])
def test_an_override_without_a_reason_the_audit_log_can_keep_is_refused_naming_the_reason(review_bank: OrgConnection,
                                                                                         reason: str):
    with pytest.raises(services.OverrideInputError) as refused:
        services.override_field("review-bank", "Contact", "Email", sensitive=True, reason=reason,
                                actor=privacy_officer())

    assert refused.value.field == "reason"
    assert not ClassificationOverride.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CLASSIFICATION_OVERRIDDEN).exists()


def test_a_category_that_is_not_a_ccpa_category_is_refused_naming_it(review_bank: OrgConnection):
    with pytest.raises(services.OverrideInputError) as refused:
        services.override_field("review-bank", "Contact", "Email", ccpa_category="secret_stuff", reason="why",
                                actor=privacy_officer())

    assert refused.value.field == "ccpa_category"
    assert "secret_stuff" in str(refused.value)


def test_an_override_that_changes_nothing_is_refused(review_bank: OrgConnection):
    with pytest.raises(services.OverrideInputError) as refused:
        services.override_field("review-bank", "Contact", "Email", reason="why", actor=privacy_officer())

    assert refused.value.field == "ccpa_category"


def test_a_field_the_graph_does_not_hold_is_named_in_the_error(review_bank: OrgConnection):
    officer = privacy_officer()
    with pytest.raises(NotInCatalogError, match=r"no field Contact\.Shoe_Size__c"):
        services.override_field("review-bank", "Contact", "Shoe_Size__c", sensitive=True, reason="why",
                                actor=officer)
    with pytest.raises(NotInCatalogError, match=r"(?i)no org with the alias 'nowhere'"):
        services.override_field("nowhere", "Contact", "Email", sensitive=True, reason="why", actor=officer)

    assert not ClassificationOverride.objects.exists()


def test_a_new_override_replaces_the_live_one_which_stays_as_a_past_row(review_bank: OrgConnection):
    officer = privacy_officer()
    first = services.override_field("review-bank", "Contact", "Tax_Id__c", sensitive=False, reason="Masked",
                                    actor=officer)

    second = services.override_field("review-bank", "Contact", "Tax_Id__c", ccpa_category="customer_records",
                                     reason="A loan file number, not a tax id", actor=officer)
    first.refresh_from_db()
    detail = field_of("review-bank", "Contact", "Tax_Id__c")

    assert (first.status, first.replaced_by, first.withdrawn_by_name) == ("replaced", second, "olivia-officer")
    assert first.withdrawal_reason == "Replaced by a newer override: A loan file number, not a tax id"
    assert second.status == "live"
    # The newer override keeps the harvested sensitivity: nothing of the first one's is left on the field.
    assert (detail.ccpa_category, detail.sensitive, detail.override_reason) == (
        "customer_records", True, "A loan file number, not a tax id")
    assert AuditEvent.objects.get(action=AuditAction.CLASSIFICATION_OVERRIDDEN,
                                  details__override=second.pk).details["replaces"] == first.pk


def test_the_database_holds_at_most_one_live_override_per_field(review_bank: OrgConnection):
    services.override_field("review-bank", "Contact", "Email", sensitive=True, reason="why", actor=privacy_officer())
    live = ClassificationOverride.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        ClassificationOverride.objects.create(
            org=review_bank, sobject="Contact", field="Email", field_key=live.field_key, sensitive=False,
            reason="a second live one", created_by_name="someone", created_at=live.created_at)


def test_a_withdrawn_override_gives_the_field_back_its_harvested_classification_and_stays_as_history(
        review_bank: OrgConnection):
    officer = privacy_officer()
    made = services.override_field("review-bank", "Contact", "Email", ccpa_category=NOT_PERSONAL, sensitive=True,
                                   reason="Team mailbox", actor=officer)

    ended = services.withdraw_override(made, reason="It is a person's after all", actor=officer)
    detail = field_of("review-bank", "Contact", "Email")
    event = AuditEvent.objects.get(action=AuditAction.CLASSIFICATION_OVERRIDE_WITHDRAWN)

    assert (detail.ccpa_category, detail.sensitive, detail.overridden, detail.override_by) == (
        "identifiers", False, False, None)
    assert (ended.status, ended.withdrawal_reason, ended.withdrawn_by_name) == (
        "withdrawn", "It is a person's after all", "olivia-officer")
    assert (event.object_key, event.reason) == (made.field_key, "It is a person's after all")
    assert list(services.overrides_of("review-bank", status="past")) == [ended]
    with pytest.raises(services.OverrideConflictError, match="withdrawn already"):
        services.withdraw_override(made, reason="again", actor=officer)
    with pytest.raises(services.OverrideInputError):
        services.withdraw_override(made, reason=" ", actor=officer)


def test_the_field_lists_filters_and_counts_use_the_override(review_bank: OrgConnection):
    officer = privacy_officer()
    services.override_field("review-bank", "Contact", "Department", ccpa_category="professional_information",
                            sensitive=True, reason="Employer", actor=officer)
    services.override_field("review-bank", "Contact", "Tax_Id__c", sensitive=False, reason="Masked to 4 digits",
                            actor=officer)

    contact = objects_of("review-bank", PageRequest()).rows[0]
    department = next(row for row in fields_of("review-bank", FieldFilter(), PageRequest()).rows
                      if row.name == "Department")

    assert listed("review-bank", ccpa_category="professional_information") == ["Department"]
    assert listed("review-bank", sensitive=True) == ["Department"]
    assert listed("review-bank", unclassified=True) == []
    assert listed("review-bank", ccpa_category="identifiers") == ["Email", "Tax_Id__c"]
    assert (contact.personal_field_count, contact.sensitive_field_count) == (3, 1)
    assert (department.overridden, department.ccpa_category, department.sensitive) == (
        True, "professional_information", True)


def test_a_re_harvest_that_rewrites_retires_and_revives_the_field_keeps_its_override(
        review_bank: OrgConnection, review_graph: Graph):
    services.override_field("review-bank", "Contact", "Department", ccpa_category="professional_information",
                            reason="Employer", actor=privacy_officer())
    key = field_key(ORG_ID, "Contact", "Department")

    rewritten = write_review_org(review_graph, "override-test-2", review_fields())  # every property written again
    rewritten.retire_unseen(SCHEMA)
    without = write_review_org(review_graph, "override-test-3", review_fields()[:1])  # Department gone: retired
    without.retire_unseen(SCHEMA)
    retired = review_graph.read("MATCH (f:Field {key: $key}) RETURN f.retired_at AS at", key=key)[0]["at"]
    write_review_org(review_graph, "override-test-4", review_fields())  # described again: revived

    detail = field_of("review-bank", "Contact", "Department")
    assert retired is not None
    assert (detail.overridden, detail.ccpa_category, detail.override_reason) == (
        True, "professional_information", "Employer")


def test_mirroring_an_orgs_overrides_restores_a_lost_mirror_and_clears_one_no_longer_live(
        review_bank: OrgConnection, review_graph: Graph):
    officer = privacy_officer()
    services.override_field("review-bank", "Contact", "Department", sensitive=True, reason="Employer",
                            actor=officer)
    key = field_key(ORG_ID, "Contact", "Department")
    stray = field_key(ORG_ID, "Contact", "Email")
    review_graph.write("MATCH (f:Field {key: $key}) REMOVE f.override_at, f.override_sensitive", key=key)
    review_graph.write("MATCH (f:Field {key: $key}) SET f.override_at = datetime(), f.override_sensitive = true",
                       key=stray)

    mirrored = services.mirror_overrides(review_bank)
    names = review_graph.read("MATCH (f:Field {key: $key}) RETURN keys(f) AS names", key=stray)[0]["names"]

    assert mirrored == 1
    assert field_of("review-bank", "Contact", "Department").sensitive is True
    assert not set(names) & set(OVERRIDE_PROPERTIES)
    assert field_of("review-bank", "Contact", "Email").overridden is False

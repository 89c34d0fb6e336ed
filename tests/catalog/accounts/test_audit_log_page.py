"""The audit log's page: privacy officers browse the events newest first, filtered by the API's own filterset,
with or without JavaScript; nobody else sees it, and nothing on it changes an event."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalog.accounts import audit
from catalog.accounts.models import AuditAction, AuditEvent
from catalog.accounts.views import EVENTS_PER_PAGE
from harvesters import runs
from tests.catalog.accounts.people import admin, auditor, privacy_officer, token_client
from tests.catalog.page_checks import csp_problems
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db
PAGE = "/audit/"


@pytest.fixture
def officer(client: Client) -> Client:
    client.force_login(privacy_officer("olivia"))
    return client


def event_at(at: datetime, action: AuditAction, **fields: str) -> AuditEvent:
    """An event recorded as if at `at` (the log cannot be changed afterwards, so it is written with its time)."""
    return AuditEvent.objects.create(at=at, action=action, **fields)


@pytest.fixture
def three_events(officer: Client) -> list[AuditEvent]:
    """Three events after the officer's login (itself the first event, of user olivia)."""
    now = timezone.now()
    return [
        event_at(now - timedelta(days=3), AuditAction.EXPORTED, actor_name="olivia", object_type="ropa",
                 object_key="2026-q3", reason="quarterly records for the DPO"),
        event_at(now - timedelta(days=1), AuditAction.CLASSIFICATION_OVERRIDDEN, actor_name="omar",
                 object_type="field", object_key="field:00D.Contact.TaxId__c", reason="A tax id is SENSITIVE"),
        event_at(now, AuditAction.EXPORTED, actor_name="omar", object_type="ropa", object_key="2026-q4"),
    ]


def shown_keys(html: str) -> list[str]:
    return re.findall(r'class="object-key"[^>]*>([^<]+)<', html)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"


@pytest.mark.parametrize("someone", [auditor, admin])
def test_an_auditor_or_an_admin_may_not_see_the_audit_log(client: Client, someone):
    client.force_login(someone())

    assert client.get(PAGE).status_code == 403


def test_a_privacy_officer_sees_every_event_newest_first(officer: Client, three_events: list[AuditEvent]):
    response = officer.get(PAGE)

    assert response.status_code == 200
    assert shown_keys(response.content.decode()) == ["2026-q4", "olivia", "field:00D.Contact.TaxId__c", "2026-q3"]
    assert "A tax id is SENSITIVE" in response.content.decode()
    assert csp_problems(response.content.decode()) == []


def test_the_navigation_leads_a_privacy_officer_to_the_audit_log(officer: Client):
    assert f'href="{PAGE}" aria-current="page">Audit log<' in officer.get(PAGE).content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ("action=exported", ["2026-q4", "2026-q3"]),
    ("action=exported&action=classification_overridden&actor=omar", ["2026-q4", "field:00D.Contact.TaxId__c"]),
    ("object_type=field&object_key=field:00D.Contact.TaxId__c", ["field:00D.Contact.TaxId__c"]),
    ("reason=sensitive", ["field:00D.Contact.TaxId__c"]),
])
def test_the_filters_select_the_same_events_as_the_api(officer: Client, three_events: list[AuditEvent],
                                                       query: str, expected: list[str]):
    api = token_client(privacy_officer("api-reader")).get(f"/api/v1/audit-events/?{query}")
    through_api = [event["object_key"] for event in api.json()["results"] if event["action"] != "token_issued"]

    page = officer.get(f"{PAGE}?{query}")

    assert shown_keys(page.content.decode()) == through_api == expected


def test_a_date_range_counts_whole_days_from_the_first_to_the_last(officer: Client, three_events: list[AuditEvent]):
    day_before = (timezone.now() - timedelta(days=1)).date().isoformat()

    only_that_day = officer.get(f"{PAGE}?since={day_before}&until={day_before}")
    since_that_day = officer.get(f"{PAGE}?since={day_before}&action=exported&action=classification_overridden")

    assert shown_keys(only_that_day.content.decode()) == ["field:00D.Contact.TaxId__c"]
    assert shown_keys(since_that_day.content.decode()) == ["2026-q4", "field:00D.Contact.TaxId__c"]


def test_the_empty_fields_a_form_sends_are_no_filter(officer: Client, three_events: list[AuditEvent]):
    response = officer.get(f"{PAGE}?actor=&object_type=&object_key=&since=&until=&reason=&action=exported")

    assert response.status_code == 200
    assert shown_keys(response.content.decode()) == ["2026-q4", "2026-q3"]


def test_bad_filters_are_said_in_words_naming_each_field(officer: Client, three_events: list[AuditEvent]):
    response = officer.get(f"{PAGE}?action=shredded&since=yesterday&until=2026-13-45")
    html = response.content.decode()

    assert response.status_code == 400
    assert "What was done: shredded is not an action the audit log records." in html
    assert "From: Enter a date like 2026-11-28" in html
    assert "To: Enter a date like 2026-11-28" in html
    assert 'href="#id_since"' in html
    assert 'href="#id_action_0"' in html
    assert shown_keys(html) == []


def test_htmx_gets_the_filtered_section_alone_and_its_errors_with_it(officer: Client, three_events: list[AuditEvent]):
    filtered = officer.get(f"{PAGE}?actor=omar&object_key=&since=&page=1", headers={"HX-Request": "true"})
    refused = officer.get(f"{PAGE}?since=yesterday", headers={"HX-Request": "true"})

    assert filtered.status_code == 200
    assert filtered.content.decode().lstrip().startswith('<section id="audit-log"')
    assert shown_keys(filtered.content.decode()) == ["2026-q4", "field:00D.Contact.TaxId__c"]
    assert filtered["HX-Push-Url"] == "/audit/?actor=omar"  # the history keeps the filters given, not the blanks
    assert refused.status_code == 200  # HTMX swaps a 2xx only: the fragment shows the error in its place
    assert "From: Enter a date like 2026-11-28" in refused.content.decode()


def test_the_form_works_without_javascript_and_pushes_its_address_with_it(officer: Client):
    html = officer.get(PAGE).content.decode()
    form = re.search(r"<form method=\"get\" action=\"/audit/\"[^>]*>", html)

    assert form is not None
    assert 'hx-get="/audit/"' in form.group(0)
    assert 'hx-push-url="true"' in form.group(0)
    for field in ("id_actor", "id_object_type", "id_object_key", "id_since", "id_until", "id_reason"):
        assert f'<label for="{field}">' in html
    assert "<legend>What was done" in html


def test_the_events_are_paged_and_the_filters_kept_from_page_to_page(officer: Client):
    for number in range(EVENTS_PER_PAGE + 5):
        audit.record(AuditAction.EXPORTED, actor_name="omar", object_type="ropa", object_key=f"export-{number:03}")

    first = officer.get(f"{PAGE}?actor=omar&reason=").content.decode()
    second = officer.get(f"{PAGE}?actor=omar&page=2").content.decode()

    assert shown_keys(first)[0] == f"export-{EVENTS_PER_PAGE + 4:03}"
    assert 'href="?actor=omar&amp;page=2"' in first
    assert shown_keys(second) == [f"export-{number:03}" for number in range(4, -1, -1)]


def test_a_harvest_start_links_to_its_run_and_says_its_details_in_words(officer: Client):
    org = register_offline_org("acme", "https://acme.my.salesforce.com")
    run = runs.request_harvest(org, full=True, origin="schedule")

    html = officer.get(f"{PAGE}?action=harvest_started").content.decode()

    assert f'<a class="object-key" href="/harvests/{run.pk}/">{run.uid}</a>' in html
    assert "<dt>full</dt><dd>yes</dd>" in html  # details in words, not as Python wrote them


def test_nothing_on_the_page_changes_or_deletes_an_event(officer: Client, three_events: list[AuditEvent]):
    html = officer.get(PAGE).content.decode()
    main = html[html.index("<main"):html.index("</main>")]

    assert "method=\"post\"" not in main.lower()
    assert re.findall(r"<button[^>]*>([^<]*)</button>", main) == ["Show events"]
    assert "/admin/" not in main
    assert officer.post(PAGE, {"action": "exported"}).status_code == 405
    assert AuditEvent.objects.count() == 4  # the login and the three, as they were

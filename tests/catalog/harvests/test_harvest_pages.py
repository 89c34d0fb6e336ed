"""The harvests pages: runs listed newest first and filtered, a harvest started by whoever may run one (and
refused in words otherwise), one run's steps, counts, API calls and errors, followed by HTMX while it runs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalog.accounts import roles
from catalog.accounts.models import AuditAction, AuditEvent
from harvesters.history import RUNS_PER_PAGE
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from tests.catalog.accounts.people import user_in_role
from tests.catalog.page_checks import csp_problems
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db


def connected_org(alias: str) -> OrgConnection:
    return register_offline_org(alias, org_id="00D000000000GPB")


def finished_run(org: OrgConnection, status: str = RunStatus.SUCCEEDED, *, ago: timedelta = timedelta(hours=1),
                 **fields: object) -> HarvestRun:
    finished = timezone.now() - ago
    run = HarvestRun.objects.create(org=org, full=True, status=status, started_at=finished - timedelta(minutes=3),
                                    finished_at=finished, **fields)
    HarvestRun.objects.filter(pk=run.pk).update(created_at=finished - timedelta(minutes=4))
    return run


def signed_in(client: Client, role: str) -> Client:
    client.force_login(user_in_role(role.replace(" ", "-"), role))
    return client


@pytest.fixture
def officer(client: Client) -> Client:
    return signed_in(client, roles.PRIVACY_OFFICER)


@pytest.fixture
def auditor(client: Client) -> Client:
    return signed_in(client, roles.AUDITOR)


# --- who may see and start ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/harvests/", "/harvests/1/"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, path: str):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_an_anonymous_start_is_sent_to_the_login_page_and_starts_nothing(client: Client):
    connected_org("acme")

    response = client.post("/harvests/start/", {"org": "acme", "kind": "full"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not HarvestRun.objects.exists()


def test_a_login_without_a_role_may_not_see_the_runs(client: Client):
    client.force_login(user_in_role("newcomer", None))

    assert client.get("/harvests/").status_code == 403


def test_an_auditor_sees_the_runs_but_no_start_control(auditor: Client):
    finished_run(connected_org("acme"))

    page = auditor.get("/harvests/").content.decode()

    assert "Run " in page
    assert "acme" in page
    assert "Start a harvest" not in page
    assert 'action="/harvests/start/"' not in page


def test_an_auditor_posting_a_start_anyway_gets_403_and_starts_nothing(auditor: Client):
    connected_org("acme")

    response = auditor.post("/harvests/start/", {"org": "acme", "kind": "full"})

    assert response.status_code == 403
    assert not HarvestRun.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.HARVEST_STARTED).exists()


def test_a_privacy_officer_starts_a_harvest_which_is_run_and_audited(officer: Client):
    acme = connected_org("acme")

    response = officer.post("/harvests/start/", {"org": "acme", "kind": "full"})

    run = HarvestRun.objects.get(org=acme)
    assert response.status_code == 302
    assert response["Location"] == f"/harvests/{run.pk}/"
    assert (run.full, run.status, run.finished_at) == (True, RunStatus.QUEUED, None)
    event = AuditEvent.objects.get(action=AuditAction.HARVEST_STARTED)
    assert (event.actor_name, event.object_key, event.details["org"]) == ("privacy-officer", str(run.uid), "acme")
    assert event.details["origin"] == "web page"
    detail = officer.get(response["Location"]).content.decode()
    assert "The full harvest of acme has started." in detail


def test_an_administrator_may_start_an_incremental_harvest(client: Client):
    acme = connected_org("acme")
    admin = signed_in(client, roles.ADMIN)

    assert admin.post("/harvests/start/", {"org": "acme", "kind": "incremental"}).status_code == 302

    assert HarvestRun.objects.get(org=acme).full is False


def test_a_second_start_while_the_org_runs_is_refused_in_words_naming_the_run(officer: Client):
    acme = connected_org("acme")
    running = HarvestRun.objects.create(org=acme, full=False, status=RunStatus.RUNNING)

    response = officer.post("/harvests/start/", {"org": "acme", "kind": "full"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "There is a problem" in page
    assert f"acme already has a harvest running (run {running.pk}" in page
    assert f'href="/harvests/{running.pk}/">Follow run {running.pk}</a>' in page
    assert HarvestRun.objects.filter(org=acme).count() == 1


@pytest.mark.parametrize(("posted", "field", "message"), [
    ({"org": "no-such-org", "kind": "full"}, "Org to harvest", "No org is connected under the alias no-such-org."),
    ({"org": "", "kind": "full"}, "Org to harvest", "Choose the org to harvest."),
    ({"org": "acme", "kind": "sometimes"}, "Kind of harvest", "sometimes is not a kind of harvest"),
    ({"org": "acme"}, "Kind of harvest", "Choose a full or an incremental harvest."),
])
def test_a_bad_start_is_a_form_message_naming_the_field(officer: Client, posted: dict[str, str], field: str,
                                                        message: str):
    connected_org("acme")

    response = officer.post("/harvests/start/", posted)

    assert response.status_code == 400
    page = response.content.decode()
    assert f"{field}: {message}" in page  # the error summary names the field
    assert 'aria-invalid="true"' in page
    assert not HarvestRun.objects.exists()


def test_the_start_control_without_orgs_says_an_org_must_be_connected_first(officer: Client):
    page = officer.get("/harvests/").content.decode()

    assert "No Salesforce org is connected yet." in page
    assert "No harvest yet." in page


# --- the list ---------------------------------------------------------------------------------------------


def test_the_runs_are_listed_newest_first_with_their_kind_calls_errors_and_warnings(officer: Client):
    acme = connected_org("acme")
    finished_run(acme, ago=timedelta(days=2), api_used_before=100, api_used_after=157)
    finished_run(acme, RunStatus.PARTIAL, ago=timedelta(hours=2), api_used_before=200, api_used_after=212,
                 errors=["schema chunk 2 of 3 (Case, …): HTTP 500", "logs: HTTP 503"], warnings=["one"])

    page = officer.get("/harvests/").content.decode()

    rows = page.split("<tbody>")[1].split("</tr>")
    assert "Succeeded with errors" in rows[0]
    assert "Succeeded" in rows[1]
    newest = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.DOTALL)]
    assert newest[0] == "acme"
    assert newest[2].startswith("Full")
    assert newest[5:] == ["12", "2", "1"]  # API calls, errors, warnings


def test_the_runs_are_filtered_by_org_and_status(officer: Client):
    acme, poppy = connected_org("acme"), connected_org("golden-poppy")
    finished_run(acme)
    failed = finished_run(poppy, RunStatus.FAILED)
    finished_run(poppy)

    page = officer.get("/harvests/", {"org": "golden-poppy", "status": "failed"}).content.decode()

    assert page.count('<th scope="row">') == 1
    assert f'href="/harvests/{failed.pk}/">Run {failed.pk}</a>' in page


def test_filters_matching_nothing_say_so_and_offer_every_run(officer: Client):
    finished_run(connected_org("acme"))

    page = officer.get("/harvests/", {"status": "stopped"}).content.decode()

    assert "No harvest run matches these filters." in page


def test_an_unknown_filter_value_is_named_and_the_runs_still_listed(officer: Client):
    finished_run(connected_org("acme"))

    response = officer.get("/harvests/", {"org": "nowhere", "status": "exploded"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Org: No org is connected under the alias nowhere." in page
    assert "Status: exploded is not a status a harvest can have." in page
    assert page.count('<th scope="row">') == 1


def test_the_runs_are_paginated_keeping_the_filters(officer: Client):
    acme = connected_org("acme")
    for hours in range(RUNS_PER_PAGE + 2):
        finished_run(acme, ago=timedelta(hours=hours + 1))

    first = officer.get("/harvests/", {"org": "acme"}).content.decode()
    second = officer.get("/harvests/", {"org": "acme", "page": "2"}).content.decode()
    beyond = officer.get("/harvests/", {"page": "not-a-number"})

    assert first.count('<th scope="row">') == RUNS_PER_PAGE
    assert "Page 1 of 2" in first
    assert 'href="?org=acme&amp;page=2" rel="next"' in first
    assert second.count('<th scope="row">') == 2
    assert beyond.status_code == 200


# --- one run ----------------------------------------------------------------------------------------------


def running_run(org: OrgConnection) -> HarvestRun:
    return HarvestRun.objects.create(
        org=org, full=True, status=RunStatus.RUNNING, started_at=timezone.now(), chunks_total=3, chunks_done=1,
        plan=[["Account", "Contact", "Lead", "Case"], ["Loan__c"]], sources=["schema", "integrations"],
        api_used_before=1000, api_used_after=1042, counts={"written": 120, "skipped_edges": 2},
        errors=["schema chunk 2 of 2 (Loan__c): HTTP 500"], warnings=["2 READS edges not written"],
        steps={"schema:Account": {"done": True, "counts": {"written": 120}, "errors": [], "warnings": []},
               "schema:Loan__c": {"done": False, "counts": {"skipped_edges": 2},
                                  "errors": ["schema chunk 2 of 2 (Loan__c): HTTP 500"],
                                  "warnings": ["2 READS edges not written"]}})


def test_a_running_run_shows_its_steps_counts_calls_and_errors_and_is_polled_every_2_seconds(officer: Client):
    run = running_run(connected_org("acme"))

    page = officer.get(f"/harvests/{run.pk}/").content.decode()

    assert 'hx-trigger="every 2s"' in page
    assert '<progress value="1" max="3"' in page
    assert "1 of 3 steps done" in page
    assert "42 calls spent; the org's daily limit is not recorded" in page
    assert "120 written, 2 skipped edges" in page
    assert "schema chunk 1 of 2 (Account, Contact, Lead, …)" in page
    assert "schema chunk 2 of 2 (Loan__c)" in page
    assert page.count("<li>schema chunk 2 of 2 (Loan__c): HTTP 500</li>") == 1
    assert "<li>2 READS edges not written</li>" in page
    states = [row.split("</span>")[0].rsplit(">", 1)[1] for row in page.split('class="step-state')[1:]]
    assert states == ["Done", "Running", "Waiting"]  # the integrations step is planned, not begun
    assert '<nav aria-label="breadcrumb"><ul><li><a href="/">Dashboard</a></li><li><a href="/harvests/">' in page


def test_a_run_says_its_calls_against_the_orgs_daily_limit_and_what_remained(officer: Client):
    run = running_run(connected_org("acme"))
    HarvestRun.objects.filter(pk=run.pk).update(api_daily_limit=15000)

    running = officer.get(f"/harvests/{run.pk}/").content.decode()
    HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    finished = officer.get(f"/harvests/{run.pk}/").content.decode()

    assert ("42 calls of the org's daily limit 15000\n      (14000 remaining when the run started, 13958 after its "
            "latest call)") in running
    assert "(14000 remaining when the run started, 13958 when it ended)" in finished


def test_the_polled_fragment_of_a_finished_run_stops_the_polling(officer: Client):
    run = running_run(connected_org("acme"))
    HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.PARTIAL, finished_at=timezone.now())

    fragment = officer.get(f"/harvests/{run.pk}/", headers={"HX-Request": "true"}).content.decode()

    assert '<section id="run-progress"' in fragment
    assert "<html" not in fragment
    assert "hx-trigger" not in fragment
    assert "Succeeded with errors" in fragment
    assert "Not finished" in fragment
    assert "Not run" in fragment


def test_a_queued_run_shows_every_source_waiting_the_schema_first(officer: Client):
    run = HarvestRun.objects.create(org=connected_org("acme"), full=False, sources=["schema", "integrations"])

    page = officer.get(f"/harvests/{run.pk}/").content.decode()

    steps = [row.split("</th>")[0] for row in page.split('<th scope="row">')[1:]]
    assert steps == ["schema (its chunks are planned as the run starts)", "integrations"]
    assert "Waiting for a worker" in page


def test_errors_recorded_as_a_step_and_its_error_are_shown_in_words(officer: Client):
    run = finished_run(connected_org("acme"), RunStatus.FAILED, errors=[{"step": "schema:2", "error": "HTTP 500"}])

    page = officer.get(f"/harvests/{run.pk}/").content.decode()

    assert "<li>schema:2: HTTP 500</li>" in page


def test_an_unknown_run_is_the_not_found_page(officer: Client):
    response = officer.get("/harvests/999999/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_harvests_pages_satisfy_the_content_security_policy(officer: Client):
    run = running_run(connected_org("acme"))

    for path in ("/harvests/", f"/harvests/{run.pk}/"):
        assert csp_problems(officer.get(path).content.decode()) == [], path


def test_the_dashboard_links_the_running_and_the_last_finished_run_to_their_pages(auditor: Client):
    acme = connected_org("acme")
    finished = finished_run(acme)
    running = HarvestRun.objects.create(org=acme, full=False, status=RunStatus.RUNNING)

    page = auditor.get("/").content.decode()

    assert f'<a href="/harvests/{running.pk}/">Follow run {running.pk}</a>' in page
    assert f'<a href="/harvests/{finished.pk}/">Run {finished.pk} in detail</a>' in page


def test_the_navigation_links_the_harvests_page_as_current(auditor: Client):
    page = auditor.get("/harvests/").content.decode()

    assert '<a href="/harvests/" aria-current="page">Harvests</a>' in page

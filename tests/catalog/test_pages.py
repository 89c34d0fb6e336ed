"""The UI shell: the dashboard's orgs and harvests, navigation by role, error pages in plain words, and a
Content-Security-Policy that every page satisfies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error

from catalog import navigation
from catalog.accounts import roles
from catalog.navigation import url_or_empty
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.runs import request_harvest
from lineage import SCHEMA, Graph, GraphWriter
from tests.catalog.accounts.people import user_in_role
from tests.catalog.page_checks import csp_problems
from tests.conftest import register_offline_org
from tests.lineage.systems_orgs import (
    PARTNER_ORG_KEY,
    connect_partner,
    partner_records,
    purge_partner_org,
    write_partner_org,
)

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PARTNER_T1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # when the partner org's first harvest wrote it


def connected_org(alias: str) -> OrgConnection:
    return register_offline_org(alias, org_id="00D000000000GPB", edition="Enterprise Edition")


def finished_run(org: OrgConnection, status: str, *, api_used: tuple[int, int], ago: timedelta) -> HarvestRun:
    finished = timezone.now() - ago
    return HarvestRun.objects.create(org=org, full=True, status=status, started_at=finished - timedelta(minutes=3),
                                     finished_at=finished, api_used_before=api_used[0], api_used_after=api_used[1],
                                     errors=[{"step": "schema:2", "error": "HTTP 500"}] if status != "succeeded"
                                     else [])


@pytest.fixture
def officer(client: Client) -> Client:
    client.force_login(user_in_role("officer", roles.PRIVACY_OFFICER))
    return client


def test_the_dashboard_lists_each_org_with_its_running_and_last_finished_harvest(officer: Client):
    poppy, acme = connected_org("golden-poppy"), connected_org("acme")
    finished_run(poppy, RunStatus.SUCCEEDED, api_used=(100, 157), ago=timedelta(days=2))
    finished_run(poppy, RunStatus.PARTIAL, api_used=(200, 212), ago=timedelta(hours=3))
    finished_run(acme, RunStatus.SUCCEEDED, api_used=(10, 19), ago=timedelta(hours=1))
    running = request_harvest(acme, full=False)
    HarvestRun.objects.filter(pk=running.pk).update(status=RunStatus.RUNNING, chunks_total=9, chunks_done=4)

    page = officer.get("/").content.decode()

    poppy_row = page[page.index("golden-poppy"):]
    assert "Succeeded with errors" in poppy_row.split("</tr>")[0]  # the latest of its two runs
    assert "12 Salesforce API calls" in poppy_row.split("</tr>")[0]
    acme_row = page[page.index(">acme"):].split("</tr>")[0]
    assert '<progress value="4" max="9"' in acme_row
    assert "4 of 9 steps" in acme_row
    assert "9 Salesforce API calls" in acme_row
    assert 'hx-trigger="every 5s"' in page  # a harvest runs: the table follows it


def test_the_dashboard_stops_polling_when_no_harvest_runs(officer: Client):
    finished_run(connected_org("golden-poppy"), RunStatus.SUCCEEDED, api_used=(1, 2), ago=timedelta(minutes=5))

    fragment = officer.get("/", headers={"HX-Request": "true"}).content.decode()

    assert fragment.lstrip().startswith('<section id="org-harvests"')  # HTMX gets the section only
    assert "hx-trigger" not in fragment
    assert "1 Salesforce API call</small>" in fragment


@pytest.fixture
def graph(graph: Graph) -> Iterator[Graph]:
    """The graph, the partner org some tests write to it removed again after each test."""
    yield graph
    purge_partner_org(graph)


def partner_harvests(*finished_at: datetime) -> OrgConnection:
    """The partner org (tests.lineage.systems_orgs) connected, with a finished full run at each time given."""
    partner = connect_partner()
    for finished in finished_at:
        HarvestRun.objects.create(org=partner, full=True, status=RunStatus.SUCCEEDED, sources=["schema"],
                                  started_at=finished - timedelta(minutes=5), finished_at=finished)
    return partner


def test_the_dashboard_counts_an_orgs_fields_and_links_its_unencrypted_sensitive_ones(officer: Client, graph: Graph):
    write_partner_org(graph, now=PARTNER_T1)
    partner_harvests(PARTNER_T1 + timedelta(minutes=1))

    page = officer.get("/").content.decode()

    figures = page[page.index('id="org-figures-title"'):]
    row = figures[figures.index(">partner<"):].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[:4]] == ["1", "2", "2", "1"]  # objects … sensitive
    assert "0 of 1" in row
    fields = url_or_empty("catalog-index") and reverse("catalog-fields", args=["partner"])
    assert (f'<a href="{fields}?sensitive=true&amp;encrypted=false" class="warning">1 sensitive field not encrypted</a>'
            if fields else "1 sensitive field not encrypted") in row


def test_the_dashboard_counts_systems_by_the_role_the_org_gives_them(officer: Client, graph: Graph):
    write_partner_org(graph, now=PARTNER_T1)
    partner_harvests(PARTNER_T1 + timedelta(minutes=1))

    page = officer.get("/").content.decode()

    roles_row = page[page.index("Systems by recipient role"):]
    roles_row = roles_row[roles_row.index(">partner<"):].split("</tr>")[0]
    assert '<a href="/systems/?org=partner&amp;role=third_party">1 third party</a>' in roles_row
    assert "0 service providers" in roles_row
    assert "0 with no role declared" in roles_row


def test_the_dashboard_says_first_harvest_when_there_is_nothing_to_compare_with(officer: Client, graph: Graph):
    write_partner_org(graph, now=PARTNER_T1)
    partner_harvests(PARTNER_T1 + timedelta(minutes=1))

    page = officer.get("/").content.decode()

    assert "First harvest: nothing to compare with yet." in page


def test_the_dashboard_says_what_the_last_harvest_added_and_retired(officer: Client, graph: Graph):
    write_partner_org(graph, now=PARTNER_T1)
    second = PARTNER_T1 + timedelta(days=1)
    nodes, edges = partner_records(with_ssn=False)  # the SSN field is gone from the org
    writer = GraphWriter(graph, "partner-run-2", PARTNER_ORG_KEY, second)
    writer.write_chunk(nodes, edges)
    writer.retire_unseen(SCHEMA)
    partner_harvests(PARTNER_T1 + timedelta(minutes=1), second + timedelta(minutes=1))

    page = officer.get("/").content.decode()

    changed = page[page.index("Since the previous harvest"):]
    changed = changed[changed.index(">partner<"):].split("</tr>")[0]
    assert "<li>Fields: 1 retired</li>" in changed
    assert "Objects" not in changed
    assert "0 of 1" not in page  # the retired SSN is no longer a sensitive field
    assert "No sensitive field" in page


def test_the_dashboard_shows_no_figures_for_an_org_never_harvested(officer: Client):
    register_offline_org("fresh")

    page = officer.get("/").content.decode()

    assert "fresh" in page
    assert 'id="org-figures-title"' not in page


def test_the_dashboard_without_orgs_says_how_to_connect_one(officer: Client):
    page = officer.get("/").content.decode()

    assert "No Salesforce org is connected yet." in page
    assert "manage.py add_org" in page


def test_the_navigation_shows_pages_still_to_come_without_linking_to_them(officer: Client,
                                                                          monkeypatch: pytest.MonkeyPatch):
    still_to_come = navigation.NavArea("Records", "records-index", roles.can_view)  # no page has that URL name yet
    monkeypatch.setattr(navigation, "AREAS", (*navigation.AREAS, still_to_come))
    page = officer.get("/").content.decode()

    assert '<a href="/" aria-current="page">Dashboard</a>' in page
    assert '<span class="coming">Records <small>(coming)</small></span>' in page
    assert '<a href="/lineage/">Lineage</a>' in page
    assert '<a href="/systems/">Systems</a>' in page
    assert '<a href="/harvests/">Harvests</a>' in page
    assert 'href="/api/docs/"' in page


def test_an_auditor_is_not_shown_the_audit_log_in_the_navigation(client: Client):
    client.force_login(user_in_role("auditor", roles.AUDITOR))
    officer = Client()
    officer.force_login(user_in_role("officer", roles.PRIVACY_OFFICER))

    assert "Audit log" not in client.get("/").content.decode()
    assert "Audit log" in officer.get("/").content.decode()


def test_a_login_without_a_role_gets_a_403_page_in_plain_words(client: Client):
    client.force_login(user_in_role("newcomer", None))

    response = client.get("/")

    assert response.status_code == 403
    assert "Your account does not have the role this page needs." in response.content.decode()


@override_settings(DEBUG=False)
def test_an_unknown_address_is_a_404_page_in_plain_words(officer: Client):
    response = officer.get("/no-such-page/")

    assert response.status_code == 404
    assert "There is no page at this address." in response.content.decode()


def test_a_server_error_is_a_500_page_in_plain_words_without_details():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "Traceback" not in page


def test_an_expired_form_is_explained_in_plain_words():
    csrf_checked = Client(enforce_csrf_checks=True)

    response = csrf_checked.post("/accounts/login/", {"username": "officer", "password": "x"})

    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


def test_pages_send_a_content_security_policy_that_allows_this_server_only(officer: Client):
    policy = officer.get("/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_every_page_of_the_shell_satisfies_the_policy(officer: Client):
    connected_org("golden-poppy")
    anonymous = Client()
    pages = {
        "login": anonymous.get("/accounts/login/"),
        "wrong login": anonymous.post("/accounts/login/", {"username": "x", "password": "y"}),
        "dashboard": officer.get("/"),
        "password change": officer.get("/accounts/password/"),
        "password refused": officer.post("/accounts/password/", {"old_password": "no"}),
        "404": officer.get("/no-such-page/"),
        "500": server_error(RequestFactory().get("/")),
    }

    problems = {name: csp_problems(response.content.decode())  # type: ignore[attr-defined]
                for name, response in pages.items()}

    assert problems == {name: [] for name in pages}


def test_no_template_loads_anything_from_another_host():
    problems = {str(path.relative_to(TEMPLATES)): csp_problems(path.read_text())
                for path in TEMPLATES.rglob("*.html")}

    assert {name: found for name, found in problems.items() if found} == {}

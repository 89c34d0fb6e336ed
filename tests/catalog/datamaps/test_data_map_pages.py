"""The data maps' pages: a POST look-up form; the result page with every section, the picture of where the data went
and the gap marked in words; the form again saying what is wrong, that nobody matches or that several people do; the
PDF download; auditors shut out until granted. No page of a consumer's data is cached."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.datamaps.views import picture_of
from harvesters.models import OrgConnection
from lineage import Graph
from tests.catalog.accounts.people import PASSWORD, auditor, privacy_officer
from tests.catalog.datamaps.consumers import NOBODY_EMAIL, REASON, ZORA_EMAIL, ZORA_PHONE_OTHERWISE
from tests.catalog.datamaps.test_disclosures import a_map, flow
from tests.catalog.datamaps.test_lookup import two_people_sharing_a_phone  # noqa: F401 - a household's shared phone
from tests.catalog.page_checks import csp_problems

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/data-maps/"


@pytest.fixture
def officer() -> Client:
    privacy_officer("page-officer")
    client = Client()
    client.login(username="page-officer", password=PASSWORD)
    return client


def test_the_look_up_form_posts_and_labels_every_identifier(officer: Client):
    page = officer.get(PAGE)

    html = page.content.decode()
    assert page.status_code == 200
    assert 'method="post"' in html
    for label in ("Email address", "Phone number", "Salesforce record id", "External id",
                  "Why are you looking them up?"):
        assert label in html
    assert not csp_problems(html)


def test_a_privacy_officer_sees_a_named_consumers_sections_where_their_data_went_and_their_gap(
    officer: Client, demo: OrgConnection
):
    page = officer.post(PAGE, {"phone": ZORA_PHONE_OTHERWISE, "reason": REASON})

    html = page.content.decode()
    assert page.status_code == 200, html
    for heading in ("Gaps (", "Where their data went", "Their records", "Consents and opt-outs", "Retention",
                    "Who reads their objects", "If they ask to delete (§1798.105(c))",
                    "Their right-to-know response (§1798.110)"):
        assert heading in html
    assert "<strong>Gap:</strong>" in html
    assert "<svg" in html
    assert "⚠ gap: " in html  # the picture marks a gap's system in words, not by colour alone
    assert "no-store" in page["Cache-Control"]
    assert ZORA_EMAIL not in html  # found by phone: the email typed nowhere, shown nowhere
    assert not csp_problems(html)
    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.actor_name, event.details["origin"], event.details["matched_by"]) == (
        "page-officer", "web page", ["phone"])


def test_nobody_found_is_the_form_again_saying_so(officer: Client, demo: OrgConnection):
    page = officer.post(PAGE, {"email": NOBODY_EMAIL, "reason": REASON})

    assert page.status_code == 404
    assert "No consumer matches these identifiers." in page.content.decode()


def test_two_people_sharing_a_phone_are_the_form_again_listing_what_matched_each(
    officer: Client, two_people_sharing_a_phone: None  # noqa: F811 - the fixture imported above
):
    page = officer.post(PAGE, {"phone": "707 555 0110", "reason": REASON})

    html = page.content.decode()
    assert page.status_code == 409
    assert "More than one consumer matches" in html
    assert html.count("matched by phone") == 2


@pytest.mark.parametrize(("sent", "error"), [
    ({"phone": "not a phone", "reason": REASON}, "Phone number"),
    ({"email": ZORA_EMAIL}, "Why are you looking them up?"),
    ({"reason": REASON}, "Give at least one identifier"),
    ({"external_id": "C-1", "reason": REASON}, "System of an external id"),
], ids=["bad-phone", "no-reason", "no-identifier", "no-system"])
def test_a_look_up_missing_or_malformed_is_the_form_again_naming_the_field(officer: Client, graph: Graph,
                                                                           sent: dict[str, str], error: str):
    page = officer.post(PAGE, sent)

    html = page.content.decode()
    assert page.status_code == 400
    assert "There is a problem" in html
    assert error in html.split("There is a problem", 1)[1].split("</div>", 1)[0]
    assert not AuditEvent.objects.filter(action=AuditAction.CONSUMER_LOOKED_UP).exists()


def test_the_pdf_downloads_from_the_page_and_is_audited_with_its_format(officer: Client, demo: OrgConnection):
    response = officer.post(f"{PAGE}download/", {"email": ZORA_EMAIL, "reason": REASON, "format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.details["export"], event.details["origin"]) == ("pdf", "web page")


def test_an_auditor_sees_the_page_and_its_menu_entry_only_when_granted(client: Client, graph: Graph):
    reader = auditor()
    client.login(username=reader.username, password=PASSWORD)

    refused = client.get(PAGE)
    menu_before = client.get("/").content.decode()
    reader.user_permissions.add(Permission.objects.get(codename="lookup_consumer"))
    granted = client.get(PAGE)

    assert refused.status_code == 403
    assert "Data maps" not in menu_before
    assert granted.status_code == 200
    assert "Data maps" in client.get("/").content.decode()


def test_two_systems_sharing_a_name_are_told_apart_by_their_hosts_in_the_picture():
    shared_name = flow("email.other.example", "service_provider", "Bounce_Webhook", ("Contact.Email",))
    data_map = replace(a_map(), recipients=(*a_map().recipients, shared_name))

    labels = [box.label for box in picture_of(data_map).boxes if box.kind == "system"]

    assert sorted(labels) == sorted(["Broker", "Core", "email.example.com", "email.other.example", "Scoring"])

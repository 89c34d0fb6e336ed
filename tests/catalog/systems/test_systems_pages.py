"""The systems and integrations pages over the harvested demo org and a partner org: roles in words, links from a
system to its integrations and back, unchecked integrations said in words, filters, and who may open them."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from catalog.accounts import roles
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import user_in_role
from tests.catalog.page_checks import csp_problems
from tests.lineage.systems_orgs import CORE_BANKING, PARTNER_SYNC

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed
Orgs = tuple[OrgConnection, OrgConnection]
UNCHECKED = "Unchecked: no consent or opt-out check found"


@pytest.fixture
def auditor(client: Client) -> Client:
    client.force_login(user_in_role("aaron", roles.AUDITOR))
    return client


def page(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def test_the_system_list_says_each_orgs_role_and_country(auditor: Client, two_orgs: Orgs):
    html = page(auditor, f"/systems/?search={CORE_BANKING}")

    assert "demo: Service provider (US)" in html
    assert "partner: Third party (DE)" in html
    assert f'href="{reverse("system-detail", args=[f"system:{CORE_BANKING}"])}"' in html
    assert csp_problems(html) == []


def test_a_system_links_to_the_integrations_that_reach_it_and_they_link_back(auditor: Client, two_orgs: Orgs):
    system_url = reverse("system-detail", args=[f"system:{CORE_BANKING}"])
    integration_url = reverse("integration-detail", args=[PARTNER_SYNC])

    system = page(auditor, system_url)
    integration = page(auditor, integration_url)

    assert f'href="{integration_url}"' in system
    assert UNCHECKED in system  # the partner's sync sends there with no check
    assert f'href="{system_url}"' in integration
    assert "this integration moves data and no consent or opt-out check was found" in integration
    assert "Contact.Email" in integration


def test_an_integration_with_a_hash_in_its_name_has_its_page(auditor: Client, two_orgs: Orgs):
    html = page(auditor, "/integrations/?org=demo&kind=manifest&search=consent_relay")
    [link] = [part.split('"')[0] for part in html.split('href="/integrations/integration:')[1:]]

    detail = page(auditor, f"/integrations/integration:{link}")

    assert "%23" in link
    assert "Purposes that gate it" in detail
    assert "Purposes it serves" in detail
    assert UNCHECKED not in detail


def test_the_integration_list_marks_unchecked_ones_in_words_and_filters_by_checks(auditor: Client, two_orgs: Orgs):
    unchecked = page(auditor, "/integrations/?org=demo&consent_checked=false&kind=apex_class")
    checked = page(auditor, "/integrations/?org=demo&consent_checked=true&kind=apex_class")

    assert "CoreBankingTransactionSync" in unchecked
    assert UNCHECKED in unchecked
    assert "DataEnrichmentService" in checked
    assert UNCHECKED not in checked
    assert "No check found" in unchecked  # the column says it too, not by colour alone


def test_filters_come_back_as_an_htmx_fragment(auditor: Client, two_orgs: Orgs):
    fragment = auditor.get("/systems/?org=partner", headers={"HX-Request": "true"}).content.decode()

    assert fragment.lstrip().startswith('<section id="system-search"')
    assert CORE_BANKING in fragment


@pytest.mark.parametrize(("path", "said"), [
    ("/systems/?role=boss", "Role:"),
    ("/systems/?country=Germany", "Country:"),
    ("/integrations/?consent_checked=maybe", "Consent checked:"),
    ("/integrations/?kind=carrier_pigeon", "Kind:"),
])
def test_a_bad_filter_is_a_400_page_naming_it(auditor: Client, two_orgs: Orgs, path: str, said: str):
    html = page(auditor, path, status=400)

    assert "There is a problem with the filters" in html
    assert said in html


@pytest.mark.parametrize("path", ["/systems/system:nowhere.example.com/",
                                  f"/integrations/{quote('integration:00D000000000NONAAA:flow:Gone')}/"])
def test_an_unknown_system_or_integration_is_a_404_page(auditor: Client, two_orgs: Orgs, path: str):
    assert "Page not found" in page(auditor, path, status=404)


@pytest.mark.parametrize("path", ["/systems/", f"/systems/system:{CORE_BANKING}/", "/integrations/",
                                  f"/integrations/{PARTNER_SYNC}/"])
def test_anonymous_people_are_sent_to_log_in_and_a_login_without_a_role_is_refused(client: Client,
                                                                                     two_orgs: Orgs, path: str):
    anonymous = client.get(path)
    client.force_login(user_in_role("nobody", None))

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert client.get(path).status_code == 403

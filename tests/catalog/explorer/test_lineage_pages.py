"""The lineage explorer page: a node chosen by the name people know (or its key), its paths as the same edges in a
table, unchecked flows marked in words, nodes linked to their pages; choices when a name is ambiguous, a 404 in
words when nothing matches, 400 naming a bad depth or direction; and who may open it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from catalog.accounts import roles
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import user_in_role
from tests.catalog.page_checks import csp_problems
from tests.lineage.lineage_org import CRM, TAX_ID

pytestmark = pytest.mark.django_db
EXPLORER = "/lineage/"


def signed_in(client: Client, role: str | None) -> Client:
    client.force_login(user_in_role(f"person-{role or 'none'}".replace(" ", "-"), role))
    return client


@pytest.fixture
def officer(client: Client) -> Client:
    return signed_in(client, roles.PRIVACY_OFFICER)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client):
    response = client.get(f"{EXPLORER}?node={quote(TAX_ID)}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_login_with_no_role_is_refused(client: Client, lineage_graph: object):
    assert signed_in(client, None).get(EXPLORER).status_code == 403
    assert client.get(f"{EXPLORER}nodes/?node=tax").status_code == 403


@pytest.mark.parametrize("role", [roles.PRIVACY_OFFICER, roles.AUDITOR, roles.ADMIN])
def test_every_role_may_explore_lineage(client: Client, lineage_bank: OrgConnection, role: str):
    response = signed_in(client, role).get(f"{EXPLORER}?node={quote(TAX_ID)}")

    assert response.status_code == 200


def test_without_a_node_the_page_says_what_to_type(officer: Client):
    response = officer.get(EXPLORER)

    assert response.status_code == 200
    assert b"Field, object or system" in response.content
    assert "Loan_Application__c.Tax_Id__c" in response.content.decode()


def test_a_field_named_as_object_dot_field_shows_its_edges_with_the_unchecked_flow_marked(
    officer: Client, lineage_bank: OrgConnection
):
    response = officer.get(f"{EXPLORER}?node=Borrower__c.Tax_Id__c&direction=downstream&depth=1")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Lineage of Borrower__c.Tax_Id__c" in html
    assert 'id="lineage-data" type="application/json"' in html  # the graph's data, for lineage.js
    assert "1 flow without a consent or opt-out check" in html
    assert '<tr class="unchecked">' in html
    assert "Not checked" in html
    assert "apex:TaxSync line 12" in html
    assert csp_problems(html) == []
    assert response.context["rows"][0].edge.source == TAX_ID
    assert CRM in {row.target.node.key for row in response.context["rows"]}


def test_a_node_is_linked_to_the_explorer_centred_on_it_where_it_has_no_page_yet(officer: Client,
                                                                              lineage_bank: OrgConnection):
    response = officer.get(f"{EXPLORER}?node={quote(TAX_ID)}&direction=downstream&depth=1")

    crm = next(row.target for row in response.context["rows"] if row.target.node.key == CRM)
    assert crm.explore_url == f"/lineage/?node={quote(CRM, safe='')}&direction=downstream&depth=1"
    assert crm.url in ("", f"/systems/{CRM}/")  # the systems pages are another helper's, linked once they exist


def test_a_name_matching_several_nodes_offers_them_to_choose_from(officer: Client, lineage_bank: OrgConnection):
    response = officer.get(f"{EXPLORER}?node=lineage.test")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Which one do you mean?" in html
    assert "crm-sync.lineage.test" in html
    assert "intake.lineage.test" in html


def test_the_form_shows_the_default_direction_and_depth_it_drew(officer: Client, lineage_bank: OrgConnection):
    response = officer.get(f"{EXPLORER}?node={quote(TAX_ID)}")

    html = response.content.decode()
    assert (response.context["lineage"].direction, response.context["lineage"].depth) == ("both", 2)
    assert '<option value="2" selected>2</option>' in html
    assert '<option value="both" selected>Both ways</option>' in html


def test_a_node_opened_by_its_key_shows_its_name_in_the_box_and_keeps_the_key(officer: Client,
                                                                              lineage_bank: OrgConnection):
    response = officer.get(f"{EXPLORER}?node={quote(TAX_ID)}")

    html = response.content.decode()
    assert 'value="Borrower__c.Tax_Id__c"' in html
    assert f'type="hidden" name="key" value="{TAX_ID}"' in html


def test_the_kept_key_is_followed_while_the_name_is_unchanged_and_a_new_name_wins(officer: Client,
                                                                                lineage_bank: OrgConnection):
    kept = officer.get(f"{EXPLORER}?node=Borrower__c.Tax_Id__c&key={quote(TAX_ID)}&depth=1")
    renamed = officer.get(f"{EXPLORER}?node=crm-sync.lineage.test&key={quote(TAX_ID)}&depth=1")

    assert kept.context["lineage"].start.key == TAX_ID
    assert renamed.context["lineage"].start.key == CRM


def test_a_name_nothing_matches_is_a_404_in_words(officer: Client, lineage_graph: object):
    response = officer.get(f"{EXPLORER}?node=Nothing_Like_This__c")

    assert response.status_code == 404
    assert "No field, object, system or integration in the catalog is named" in response.content.decode()


@pytest.mark.parametrize(("query", "words"), [
    ("node=Borrower__c.Email&depth=9", "9 is not a depth: choose 1 to 5 hops."),
    ("node=Borrower__c.Email&direction=sideways", "sideways is not a direction"),
    ("node=", "Type the name of a field, object or system."),
])
def test_a_bad_choice_is_a_400_naming_the_field(officer: Client, lineage_graph: object, query: str, words: str):
    response = officer.get(f"{EXPLORER}?{query}")

    assert response.status_code == 400
    assert words in response.content.decode()


def test_a_system_nothing_reaches_upstream_says_there_are_no_paths(officer: Client, lineage_bank: OrgConnection):
    response = officer.get(f"{EXPLORER}?node=intake.lineage.test&direction=upstream&depth=3")

    html = response.content.decode()
    assert response.status_code == 200
    assert "No paths from this node upstream." in html
    assert "lineage-data" not in html


def test_suggestions_list_the_nodes_whose_name_holds_what_was_typed(officer: Client, lineage_bank: OrgConnection):
    response = officer.get(f"{EXPLORER}nodes/?node=tax_id&direction=upstream&depth=3",
                           headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Borrower__c.Tax_Id__c" in html
    assert f"?node={quote(TAX_ID, safe='')}&amp;direction=upstream&amp;depth=3" in html
    assert "org lin-bank" in html

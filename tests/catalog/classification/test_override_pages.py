"""The field page's override panel, the override and withdrawal forms behind it, and the classification review page
(Django's test client against the real graph): an auditor sees no control and is refused a post with a valid CSRF
token; a privacy officer's override shows as one, on the field page and in the review."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.classification import services
from catalog.classification.models import ClassificationOverride
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer
from tests.catalog.page_checks import csp_problems

pytestmark = pytest.mark.django_db
FIELD_PAGE = "/catalog/review-bank/objects/Contact/fields/Department/"
OVERRIDE = f"{FIELD_PAGE}override/"
EMPLOYER = {"ccpa_category": "professional_information", "sensitive": "", "reason": "Holds the employer"}


def signed_in(user: object, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_privacy_officer_overrides_from_the_field_page_and_sees_it_shown_as_an_override(
        review_bank: OrgConnection):
    client = signed_in(privacy_officer())

    before = client.get(FIELD_PAGE).content.decode()
    posted = client.post(OVERRIDE, EMPLOYER)
    after = client.get(FIELD_PAGE).content.decode()

    assert "Override this classification" in before
    assert 'name="reason"' in before
    assert (posted.status_code, posted["Location"]) == (302, FIELD_PAGE)
    assert "Overridden" in after
    assert "Holds the employer" in after
    assert "olivia-officer" in after
    assert "Withdraw the override" in after
    assert csp_problems(after) == []


def test_an_auditor_sees_no_override_control_and_a_post_with_a_valid_csrf_token_is_refused(
        review_bank: OrgConnection):
    client = signed_in(auditor(), csrf_checks=True)

    page = client.get(FIELD_PAGE)
    refused = client.post(OVERRIDE, {**EMPLOYER, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert page.status_code == 200
    assert 'name="reason"' not in page.content.decode()
    assert "Override this classification" not in page.content.decode()
    assert refused.status_code == 403
    assert not ClassificationOverride.objects.exists()


def test_an_override_without_a_reason_is_refused_in_words_naming_the_reason(review_bank: OrgConnection):
    response = signed_in(privacy_officer()).post(OVERRIDE, {**EMPLOYER, "reason": "  "})

    assert response.status_code == 400
    assert "Reason" in response.content.decode()
    assert "a reason is required" in response.content.decode()
    assert not ClassificationOverride.objects.exists()


def test_a_field_that_is_not_in_the_catalog_is_a_404(review_bank: OrgConnection):
    response = signed_in(privacy_officer()).post("/catalog/review-bank/objects/Contact/fields/Nope__c/override/",
                                                 EMPLOYER)

    assert response.status_code == 404


def test_a_privacy_officer_withdraws_an_override_from_the_field_page(review_bank: OrgConnection):
    officer = privacy_officer()
    made = services.override_field("review-bank", "Contact", "Department", sensitive=True, reason="Employer",
                                   actor=officer)
    client = signed_in(officer)

    refused = client.post(f"/catalog/review-bank/overrides/{made.pk}/withdraw/", {"reason": ""})
    withdrawn = client.post(f"/catalog/review-bank/overrides/{made.pk}/withdraw/", {"reason": "Not needed"})
    made.refresh_from_db()

    assert refused.status_code == 400
    assert (withdrawn.status_code, withdrawn["Location"]) == (302, FIELD_PAGE)
    assert (made.status, made.withdrawal_reason) == ("withdrawn", "Not needed")


def test_the_review_page_lists_live_and_past_overrides_with_filters(review_bank: OrgConnection):
    officer = privacy_officer()
    past = services.override_field("review-bank", "Contact", "Department", sensitive=True, reason="Employer",
                                    actor=officer)
    services.withdraw_override(past, reason="Not needed", actor=officer)
    services.override_field("review-bank", "Contact", "Email", ccpa_category="not_personal", reason="Team mailbox",
                            actor=officer)
    client = signed_in(auditor())

    everything = client.get("/catalog/review-bank/review/").content.decode()
    live = client.get("/catalog/review-bank/review/?status=live").content.decode()
    bad = client.get("/catalog/review-bank/review/?status=sometimes")

    assert "Contact.Department" in everything
    assert "Contact.Email" in everything
    assert "Not needed" in everything
    assert "Contact.Email" in live
    assert "Contact.Department" not in live
    assert "Not personal information" in live
    assert bad.status_code == 400
    assert csp_problems(everything) == []


def test_the_review_page_of_an_org_with_no_override_says_how_to_make_one(review_bank: OrgConnection):
    page = signed_in(auditor()).get("/catalog/review-bank/review/").content.decode()

    assert "No field of review-bank has been overridden yet." in page


def test_an_auditor_posting_the_withdrawal_form_is_refused(review_bank: OrgConnection):
    made = services.override_field("review-bank", "Contact", "Department", sensitive=True, reason="Employer",
                                   actor=privacy_officer())

    refused = signed_in(auditor()).post(f"/catalog/review-bank/overrides/{made.pk}/withdraw/", {"reason": "No"})

    assert refused.status_code == 403
    made.refresh_from_db()
    assert made.status == "live"

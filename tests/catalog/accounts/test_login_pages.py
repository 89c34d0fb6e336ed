"""Logging in, out and changing one's password through the pages; anonymous visitors reach only the login page,
/healthz and static files, and the API answers them 401 itself."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.accounts import roles
from catalog.accounts.views import WRONG_LOGIN
from tests.catalog.accounts.people import PASSWORD, user_in_role

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_of_a_page_is_sent_to_the_login_page(client: Client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_login_page_opens_without_a_login_and_labels_its_fields(client: Client):
    response = client.get("/accounts/login/?next=/accounts/password/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert "Log in to see that page." in page  # not said when the page asked for is the dashboard
    assert "Log in to see that page." not in client.get("/accounts/login/?next=/").content.decode()


def test_a_wrong_password_says_wrong_username_or_password_and_logs_nobody_in(client: Client):
    user_in_role("officer", roles.PRIVACY_OFFICER)

    response = client.post("/accounts/login/", {"username": "officer", "password": "not-the-password"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'<a href="#id_username">{WRONG_LOGIN}</a>' in page
    assert client.get("/").status_code == 302


def test_a_privacy_officer_logs_in_and_lands_on_the_dashboard(client: Client):
    user_in_role("officer", roles.PRIVACY_OFFICER)

    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD, "next": "/"},
                           follow=True)

    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert "<h1>Dashboard</h1>" in page
    assert '<summary aria-label="Your account, officer">officer</summary>' in page
    assert roles.PRIVACY_OFFICER in page


def test_logging_out_takes_a_post_and_ends_the_session(client: Client):
    client.force_login(user_in_role("officer", roles.PRIVACY_OFFICER))

    assert client.get("/accounts/logout/").status_code == 405  # a link or an image cannot log anyone out
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_a_password_change_needs_the_old_password_then_the_new_one_logs_in(client: Client):
    client.force_login(user_in_role("officer", roles.PRIVACY_OFFICER))
    new = "Golden-Poppy-Changed-77"

    refused = client.post("/accounts/password/", {"old_password": "wrong", "new_password1": new,
                                                  "new_password2": new})
    assert refused.status_code == 200
    assert '<a href="#id_old_password">Old password: ' in refused.content.decode()

    changed = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new,
                                                  "new_password2": new}, follow=True)
    assert "Your password has been changed." in changed.content.decode()
    client.logout()
    assert Client().login(username="officer", password=new)


def test_an_anonymous_api_request_gets_401_not_a_redirect_to_the_login_page(client: Client):
    response = client.get("/api/v1/orgs/")

    assert response.status_code == 401


def test_static_files_need_no_login(client: Client):
    response = client.get("/static/recordkeeper/app.css")

    assert response.status_code == 200
    assert b".skip-link" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_the_login(client: Client):
    # Polling the dashboard's harvests once the session has expired: htmx must not swap the login page into the table.
    response = client.get("/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?org=acme"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/%3Forg%3Dacme"


def test_a_field_left_empty_says_what_to_enter(client: Client):
    client.force_login(user_in_role("officer", roles.PRIVACY_OFFICER))

    refused = client.post("/accounts/password/", {"old_password": "", "new_password1": "", "new_password2": ""})

    page = refused.content.decode()
    assert '<a href="#id_old_password">Old password: Enter your current password.</a>' in page
    assert "Enter a new password." in page
    assert "Enter the new password again." in page
    assert "This field is required." not in page
    assert "Enter your username." in Client().post("/accounts/login/", {"password": "x"}).content.decode()

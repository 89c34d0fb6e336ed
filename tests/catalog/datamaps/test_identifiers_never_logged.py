"""Identifiers travel only in request bodies: every log record of a run of look-ups (found, not found, malformed, with
live values, exported, previewed for deletion, through the API and the page; Django's SQL and request logs, the graph
driver's and the HTTP client's at debug level included) and every URL requested is searched for them, and an error
report of a failing look-up (what Django mails admins) shows none of them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.signals import request_started
from django.test import Client, override_settings
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from catalog.datamaps import services
from catalog.datamaps.lookup import GivenIdentifier
from harvesters.models import OrgConnection
from lineage.identifiers import IdentifierKind
from tests.catalog.accounts.people import PASSWORD, privacy_officer
from tests.catalog.datamaps.consumers import (
    DELETION_PREVIEW,
    EXPORT,
    LOOKUP,
    NOBODY_EMAIL,
    RAW_IDENTIFIERS,
    REASON,
    ZORA_CONTACT,
    ZORA_EMAIL,
    ZORA_PHONE_OTHERWISE,
    ZORA_STREET,
    body,
    dsar_client,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Everything(logging.Handler):
    """Keeps every record, formatted as a handler would write it (its traceback too)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + " ".join(str(value) for value in record.__dict__.values()))


@pytest.fixture
def logged() -> Iterator[Everything]:
    """Every log record of every logger, at debug level, while the test runs."""
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet = {name: each.level for name, each in logging.root.manager.loggerDict.items()
             if isinstance(each, logging.Logger) and each.level > logging.DEBUG}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)
    root.setLevel(level)
    root.removeHandler(handler)


@pytest.fixture
def urls() -> Iterator[list[str]]:
    """The path and query string of every request Django serves while the test runs."""
    seen: list[str] = []

    def note(sender: object, environ: dict[str, Any], **kwargs: Any) -> None:
        seen.append(f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")

    request_started.connect(note, dispatch_uid="datamaps-urls")
    yield seen
    request_started.disconnect(dispatch_uid="datamaps-urls")


def test_no_identifier_or_value_reaches_a_log_line_or_a_url(live_demo: OrgConnection, logged: Everything,
                                                            urls: list[str]):
    api = dsar_client()
    page = Client()
    privacy_officer("page-officer")
    page.login(username="page-officer", password=PASSWORD)

    with_values = api.post(LOOKUP, body(emails=[ZORA_EMAIL], phones=[ZORA_PHONE_OTHERWISE], include_values=True),
                           format="json")
    answers = [
        with_values,
        api.post(LOOKUP, body(record_ids=[ZORA_CONTACT]), format="json"),
        api.post(LOOKUP, body(emails=[NOBODY_EMAIL]), format="json"),
        api.post(LOOKUP, body(emails=[ZORA_EMAIL, "not an email"]), format="json"),
        api.post(EXPORT, body(emails=[ZORA_EMAIL], format="pdf", include_values=True), format="json"),
        api.post(EXPORT, body(emails=[ZORA_EMAIL], format="json"), format="json"),
        api.post(DELETION_PREVIEW, body(phones=[ZORA_PHONE_OTHERWISE]), format="json"),
        page.post("/data-maps/", {"email": ZORA_EMAIL, "reason": REASON, "include_values": "on"}),
        page.post("/data-maps/", {"email": NOBODY_EMAIL, "reason": REASON}),
        page.post("/data-maps/", {"phone": "not a phone", "reason": REASON}),
        page.post("/data-maps/download/", {"email": ZORA_EMAIL, "reason": REASON, "format": "pdf"}),
    ]

    assert [each.status_code for each in answers] == [200, 200, 404, 400, 200, 200, 200, 200, 404, 400, 200]
    assert ZORA_STREET in with_values.content.decode()  # the values were read: the logs had the chance to hold them
    assert logged.lines
    text = "\n".join(logged.lines)
    for secret in (*RAW_IDENTIFIERS, ZORA_STREET, "+15105550142"):
        assert secret not in text
        assert not any(secret in url for url in urls)
    assert len(urls) == len(answers)


def test_an_error_report_of_a_failing_look_up_shows_no_identifier(demo: OrgConnection):
    asker = services.Asker(actor=AnonymousUser(), reason=REASON)  # nobody signed in: the look-up fails after finding
    try:
        services.look_up(asker, [GivenIdentifier("emails.0", IdentifierKind.EMAIL, ZORA_EMAIL),
                                 GivenIdentifier("phones.0", IdentifierKind.PHONE, ZORA_PHONE_OTHERWISE)])
    except PermissionError:
        failure = sys.exc_info()
    else:
        pytest.fail("a look-up by nobody must fail")

    with override_settings(DEBUG=False):  # Django cleanses reports only in production
        report = ExceptionReporter(None, *failure).get_traceback_text()

    assert "look_up" in report  # the frames are in it, their variables are not
    for secret in (ZORA_EMAIL, ZORA_PHONE_OTHERWISE):
        assert secret not in report


def test_an_error_report_of_the_look_up_page_shows_none_of_its_posted_identifiers(demo: OrgConnection):
    privacy_officer("page-officer")
    page = Client()
    page.login(username="page-officer", password=PASSWORD)

    answer = page.post("/data-maps/", {"email": ZORA_EMAIL, "phone": ZORA_PHONE_OTHERWISE, "reason": REASON})

    assert answer.status_code == 200
    with override_settings(DEBUG=False):  # what Django would mail admins had the page failed
        posted = SafeExceptionReporterFilter().get_post_parameters(answer.wsgi_request)
    assert set(posted) >= {"email", "phone"}
    assert ZORA_EMAIL not in str(posted)
    assert ZORA_PHONE_OTHERWISE not in str(posted)

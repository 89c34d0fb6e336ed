"""A record read back from its JSON body (what a snapshot freezes) is the record that was written: every statement,
its evidence and reasons, the human-owned fields and who answered them, how many personal fields each activity
reaches; the demo org's record, one activity's description filled by a privacy officer."""

from __future__ import annotations

import dataclasses

import pytest

from catalog.records import exports, services
from catalog.records.activities import Activity
from catalog.records.frozen import FrozenActivity, FrozenBodyError, activity_members, record_from_body
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import privacy_officer

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed


def statements(record: services.RecordOfProcessing) -> services.RecordOfProcessing:
    """The record with each activity as a plain Activity of its statements (its field list left out, which a body
    counts but does not hold)."""
    def plain(activity: Activity) -> Activity:
        return Activity(**{each.name: getattr(activity, each.name) for each in dataclasses.fields(Activity)
                           if each.name != "fields"})
    return dataclasses.replace(record, activities=tuple(
        dataclasses.replace(each, activity=plain(each.activity)) for each in record.activities))


def test_the_demo_record_read_back_from_its_json_body_is_the_record_written(demo: OrgConnection):
    services.edit_activity("demo", "analytics", {"description": "Product analytics of app sessions"},
                           reason="from the DPIA", actor=privacy_officer())
    record = services.record_of("demo")

    read = record_from_body(exports.record_body(record))

    assert statements(read) == statements(record)
    assert [each.activity.field_count for each in read.activities] == [
        each.activity.field_count for each in record.activities]
    assert all(isinstance(each.activity, FrozenActivity) for each in read.activities)
    assert exports.record_body(read) == exports.record_body(record)


def test_an_officers_words_do_not_hide_the_graphs_statement_in_the_body(demo: OrgConnection):
    services.edit_activity("demo", "analytics", {"description": "Product analytics of app sessions"},
                           reason="from the DPIA", actor=privacy_officer())
    record = services.record_of("demo")
    analytics = next(each for each in record.activities if each.activity.key == "analytics")
    assert analytics.activity.description is not None  # the DataUsePurpose's own description

    read = record_from_body(exports.record_body(record))

    again = next(each for each in read.activities if each.activity.key == "analytics")
    assert again.activity.description == analytics.activity.description
    assert next(each for each in again.owned if each.name == "description").value == \
        "Product analytics of app sessions"


def test_every_statement_of_an_activity_is_in_its_body(demo: OrgConnection):
    stated = {each.name for each in dataclasses.fields(Activity)} - {"fields"}

    assert set(activity_members()) == stated


def test_a_body_written_before_a_statement_existed_reads_it_as_not_stated(demo: OrgConnection):
    body = exports.record_body(services.record_of("demo"))
    for activity in body["activities"]:
        del activity["legal_basis"]

    read = record_from_body(body)

    assert {each.activity.legal_basis for each in read.activities} == {None}


@pytest.mark.parametrize("body", [{"format": "something/else"}, {"format": exports.BODY_FORMAT},
                                  {"format": exports.BODY_FORMAT, "record": {"org": "demo"}, "activities": []}])
def test_a_body_that_is_not_a_record_is_refused_saying_so(body: dict[str, object]):
    with pytest.raises(FrozenBodyError, match="record of processing"):
        record_from_body(body)

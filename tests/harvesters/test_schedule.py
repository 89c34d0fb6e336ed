"""Celery beat's per-org schedule: an org is due when its interval has passed and nothing is running."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.runs import due_for_harvest

pytestmark = pytest.mark.django_db


def org(alias: str, every: int) -> OrgConnection:
    return OrgConnection.objects.create(alias=alias, login_url="https://login.example.com", auth_flow="session_id",
                                        session_id="00Dx!token", instance_url="https://x.example.com",
                                        harvest_every_minutes=every)


def run_started(connection: OrgConnection, minutes_ago: int, *, finished: bool = True) -> HarvestRun:
    run = HarvestRun.objects.create(org=connection, status=RunStatus.SUCCEEDED if finished else RunStatus.RUNNING)
    created = timezone.now() - timedelta(minutes=minutes_ago)
    HarvestRun.objects.filter(pk=run.pk).update(created_at=created, finished_at=created if finished else None)
    return run


def test_an_org_never_harvested_is_due():
    fresh = org("fresh", 60)

    assert due_for_harvest(timezone.now()) == [fresh]


def test_an_org_is_due_once_its_own_interval_has_passed():
    hourly, daily = org("hourly", 60), org("daily", 24 * 60)
    run_started(hourly, minutes_ago=61)
    run_started(daily, minutes_ago=61)

    assert due_for_harvest(timezone.now()) == [hourly]


def test_an_org_with_a_run_in_progress_is_not_queued_again():
    busy = org("busy", 5)
    run_started(busy, minutes_ago=120, finished=False)

    assert due_for_harvest(timezone.now()) == []


def test_an_interval_of_zero_turns_the_schedule_off():
    org("manual", 0)

    assert due_for_harvest(timezone.now()) == []

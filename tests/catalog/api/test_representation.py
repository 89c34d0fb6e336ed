"""A read-only serializer's answer made by a plan is what DRF makes: the same keys in the same order, the same
sources followed, dates, times and enums written alike; what the plan cannot follow is refused, not guessed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone as django_timezone
from rest_framework import serializers

from catalog.api.representation import represent


class Role(StrEnum):
    THIRD_PARTY = "third_party"


@dataclass
class Source:
    path: tuple[str, ...]
    artefact: str | None


@dataclass
class Flow:
    host: str
    role: Role | None
    fields: tuple[str, ...]
    seen_at: datetime
    on: date | None
    rows: int
    checked: bool | None
    evidence: tuple[Source, ...]


@dataclass
class Inner:
    flows: tuple[Flow, ...]
    first: Flow | None
    seen_at: datetime


@dataclass
class Outer:
    key: str
    inner: Inner | None


class SourceSerializer(serializers.Serializer[Any]):
    path = serializers.ListField(child=serializers.CharField(), read_only=True)
    artefact = serializers.CharField(read_only=True, allow_null=True)


class FlowSerializer(serializers.Serializer[Any]):
    host = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True, allow_null=True)
    fields = serializers.ListField(child=serializers.CharField(), read_only=True)  # type: ignore[assignment]
    seen_at = serializers.DateTimeField(read_only=True)
    on = serializers.DateField(read_only=True, allow_null=True)
    rows = serializers.IntegerField(read_only=True)
    checked = serializers.BooleanField(read_only=True, allow_null=True)
    evidence = SourceSerializer(many=True, read_only=True)


class LoudFlowSerializer(FlowSerializer):
    shout = serializers.CharField(read_only=True, source="host")


class OuterSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    flows = LoudFlowSerializer(many=True, read_only=True, source="inner.flows")
    first = FlowSerializer(read_only=True, allow_null=True, source="inner.first")
    seen_at = serializers.DateTimeField(read_only=True, source="inner.seen_at")


def flow(index: int, *, role: Role | None = Role.THIRD_PARTY, on: date | None = date(2026, 11, 1)) -> Flow:
    return Flow(host=f"h{index}.example.com", role=role, fields=("Contact.Email", "Contact.Phone"),
                seen_at=datetime(2026, 11, 20, 9, 30, 5, 123456, tzinfo=UTC) + timedelta(hours=index), on=on,
                rows=index * 1000, checked=None if index % 2 else bool(index % 3),
                evidence=(Source(("field:x", "FLOWS_TO", f"system:h{index}"), None), Source((), "Apex: Move")))


@pytest.mark.parametrize("outer", [
    Outer("o1", Inner(tuple(flow(i) for i in range(4)), flow(9, role=None, on=None),
                      datetime(2026, 11, 20, 12, tzinfo=timezone(timedelta(hours=-8))))),
    Outer("o2", Inner((), None, datetime(2026, 1, 1, tzinfo=UTC))),
    Outer("o3", None),
], ids=["nested-and-many", "empty-and-null", "a-null-on-the-way"])
def test_the_plan_answers_what_drf_answers_key_for_key(outer: Outer):
    by_drf = OuterSerializer(outer).data

    by_plan = represent(OuterSerializer, outer)

    assert json.dumps(by_plan) == json.dumps(by_drf)


@dataclass
class Moments:
    aware: datetime
    naive: datetime
    formatted: datetime
    zoned: datetime


class MomentsSerializer(serializers.Serializer[Any]):
    aware = serializers.DateTimeField(read_only=True)
    naive = serializers.DateTimeField(read_only=True)
    formatted = serializers.DateTimeField(read_only=True, format="%d/%m/%Y %H:%M")
    zoned = serializers.DateTimeField(read_only=True, default_timezone=ZoneInfo("Asia/Kolkata"))


MOMENTS = [Moments(aware=datetime(2026, 3, 8, 10, 30, 15, 250000, tzinfo=zone), naive=datetime(2026, 3, 8, 10, 30),
                   formatted=datetime(2026, 3, 8, 10, 30, tzinfo=zone), zoned=datetime(2026, 3, 8, 10, 30, tzinfo=zone))
           for zone in (UTC, timezone(timedelta(hours=-8)), ZoneInfo("Europe/Berlin"))]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kathmandu"])
@pytest.mark.parametrize("use_tz", [True, False], ids=["USE_TZ", "naive-time"])
def test_moments_are_written_in_the_current_time_zone_as_drf_writes_them(zone: str, use_tz: bool, settings: Any):
    settings.USE_TZ = use_tz
    with django_timezone.override(zone):
        for moments in MOMENTS:
            assert represent(MomentsSerializer, moments) == MomentsSerializer(moments).data


@dataclass
class Named:
    first: str
    extra: dict[str, Any]

    def shouted(self) -> str:
        return self.first.upper()


class NamedSerializer(serializers.Serializer[Any]):
    first = serializers.CharField(read_only=True)
    shouted = serializers.CharField(read_only=True)
    tier = serializers.CharField(read_only=True, source="extra.tier")
    missing = serializers.CharField(read_only=True, source="extra.absent")
    kept = serializers.CharField(read_only=True, source="extra.absent", allow_null=True)
    given = serializers.CharField(read_only=True, source="extra.absent", default="none given")


def test_a_method_is_called_a_key_read_and_a_missing_one_left_out_nulled_or_defaulted_as_drf_does():
    named = Named("ada", {"tier": "gold"})

    assert represent(NamedSerializer, named) == NamedSerializer(named).data == {
        "first": "ada", "shouted": "ADA", "tier": "gold", "kept": None, "given": "none given"}


def test_a_serializer_that_writes_itself_is_left_to_drf():
    class Upper(serializers.Serializer[Any]):
        key = serializers.CharField(read_only=True)

        def to_representation(self, instance: Any) -> dict[str, Any]:
            return {"key": str(instance.key).upper()}

    assert represent(Upper, Outer("abc", None)) == {"key": "ABC"}


def test_a_field_the_plan_cannot_follow_is_refused_when_the_plan_is_made():
    class Computed(serializers.Serializer[Any]):
        loud = serializers.SerializerMethodField()

        def get_loud(self, instance: Any) -> str:
            return "!"

    class Whole(serializers.Serializer[Any]):
        itself = FlowSerializer(read_only=True, source="*")

    with pytest.raises(TypeError, match="SerializerMethodField"):
        represent(Computed, Outer("abc", None))
    with pytest.raises(TypeError, match="source '\\*'"):
        represent(Whole, flow(1))

"""A read-only serializer's answer without DRF's per-answer machinery: `represent(DataMapSerializer, result)` is
`DataMapSerializer(result).data`, built by a plan made once per serializer class.

DRF copies every nested serializer's declared fields for each answer and walks each field's source through
try/except; for a consumer's data map (hundreds of entries, each with its evidence) that was nearly half the time of
a look-up. The plan keeps the serializer as the one statement of the answer's shape (and the OpenAPI schema's): it
reads the same declared fields, follows the same sources, and calls each leaf field's own `to_representation`, so
dates, times and enums are written exactly as DRF writes them. A serializer that writes itself (an overridden
`to_representation`) is left to DRF; one with a field the plan cannot follow is refused when the plan is made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import datetime, tzinfo
from functools import cache
from typing import Any, Final

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import empty, get_attribute
from rest_framework.settings import api_settings

Encode = Callable[[Any], Any]
_SKIP: Final = object()  # a field whose value is missing is left out of the answer
# The time zone an answer's moments are written in, looked up once per answer: DRF looks it up for each moment (a
# thread-local read through asgiref), which was a third of the time of writing a data map with its readers' moments.
_answer_zone: ContextVar[tzinfo | None] = ContextVar("answer_zone", default=None)
_PLAIN_FIELD_TYPES = (serializers.CharField, serializers.BooleanField, serializers.IntegerField,
                      serializers.FloatField, serializers.DateField,
                      serializers.ChoiceField, serializers.UUIDField, serializers.DictField, serializers.JSONField)


def represent(serializer: type[serializers.Serializer[Any]], instance: Any) -> dict[str, Any]:
    """What `serializer(instance).data` is, as a plain dict."""
    token = _answer_zone.set(timezone.get_current_timezone() if settings.USE_TZ else None)
    try:
        answer: dict[str, Any] = _plan(serializer)(instance)
    finally:
        _answer_zone.reset(token)
    return answer


@cache
def _plan(serializer: type[serializers.Serializer[Any]]) -> Encode:
    if serializer.to_representation is not serializers.Serializer.to_representation:
        return lambda instance: serializer(instance).data
    declared = serializer._declared_fields  # the fields DRF deep-copies for each answer
    entries = [_entry(name, field) for name, field in declared.items() if not field.write_only]

    def encode(instance: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for name, path, write, when_missing in entries:
            try:
                value = _followed(instance, path)
            except (KeyError, AttributeError):
                if when_missing is _SKIP:
                    continue
                value = when_missing
            answer[name] = None if value is None else write(value)
        return answer

    return encode


def _encoder(field: serializers.Field[Any, Any, Any, Any]) -> Encode:
    if isinstance(field, serializers.ListSerializer) and field.child is not None:
        item = _encoder(field.child)
        return lambda values: [item(each) for each in values]
    if isinstance(field, serializers.Serializer):
        return _plan(type(field))
    if isinstance(field, serializers.ListField):
        child = _encoder(field.child)
        return lambda values: [None if each is None else child(each) for each in values]
    if isinstance(field, serializers.DateTimeField):
        return _moment_writer(field)
    if isinstance(field, _PLAIN_FIELD_TYPES):
        return field.to_representation
    raise TypeError(f"{type(field).__name__} ({field.field_name or field.source}): not a field the plan follows")


def _moment_writer(field: serializers.DateTimeField) -> Encode:
    """An aware moment in ISO 8601 as DRF's `to_representation` writes it (in the current time zone, "Z" for UTC),
    with the zone read once per answer; anything else (a field with its own format or zone, a naive moment, a string,
    USE_TZ off) is left to the field."""
    def write(value: Any) -> Any:
        zone = _answer_zone.get()
        if (zone is None or not isinstance(value, datetime) or value.utcoffset() is None
                or hasattr(field, "timezone") or not _iso_8601(getattr(field, "format", api_settings.DATETIME_FORMAT))):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def _iso_8601(output_format: object) -> bool:
    return isinstance(output_format, str) and output_format.lower() == ISO_8601


def _entry(name: str, field: serializers.Field[Any, Any, Any, Any]) -> tuple[str, list[str], Encode, Any]:
    """The field's name, the path to its value, how it is written, and what stands when the path breaks off (an
    attribute or key missing on the way, or a None before its end): as DRF does, the field's default, else None if
    it allows null, else no key at all (`_SKIP`)."""
    encode = _encoder(field)
    source = field.source or name
    if source == "*":
        raise TypeError(f"{name}: source '*' (the whole object) is not a path the plan follows")
    if field.default is not empty and callable(field.default):
        raise TypeError(f"{name}: a default made by a call is not one the plan keeps")
    if field.required:
        raise TypeError(f"{name}: a required field is written, not read; the plan reads answers")
    when_missing = field.default if field.default is not empty else None if field.allow_null else _SKIP
    return name, source.split("."), encode, when_missing


def _followed(instance: Any, path: list[str]) -> Any:
    """The value at `path`, as DRF's `get_attribute` finds it (a mapping's key, else an attribute; a None on the way
    raises AttributeError), without its per-step checks: a callable met on the way (which DRF would call) hands the
    whole path to DRF's own function."""
    value = instance
    for step in path:
        value = value[step] if _is_mapping(type(value)) else getattr(value, step)
        if callable(value):
            return get_attribute(instance, path)
    return value


_MAPPING_TYPES: dict[type, bool] = {}  # DRF asks isinstance(…, Mapping) of every step: an ABC check each time


def _is_mapping(kind: type) -> bool:
    known = _MAPPING_TYPES.get(kind)
    if known is None:
        known = _MAPPING_TYPES[kind] = issubclass(kind, Mapping)
    return known


__all__ = ["represent"]

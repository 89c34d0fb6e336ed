"""A record of processing read back from the body its JSON export holds (`exports.record_body`): the record a
snapshot froze, in the shape every export writer takes, so a snapshot's PDF, XLSX, CSV and ICO show what was frozen
and never the graph as it is now.

An activity's statements are read by the names the API gives them (`ActivityDetailSerializer`'s sources), so a
statement the API gains is read back with it; a body written before a statement existed gives it its default (or
none). The body holds how many personal fields an activity reaches, not the fields: `FrozenActivity` keeps the count.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from catalog.records.activities import Activity
from catalog.records.api import ActivityDetailSerializer
from catalog.records.exports import BODY_FORMAT
from catalog.records.services import ActivityRecord, RecordOfProcessing, Shown

ACTIVITY_SOURCE = "activity."  # the serializers' sources of an activity's own statements


class FrozenBodyError(ValueError):
    """A body that is not a record of processing this reader knows; the message says what is wrong."""


@dataclass(frozen=True)
class FrozenActivity(Activity):
    """An activity read back from a body: how many personal fields it reached, as the body counts them."""

    counted_fields: int = 0

    @property
    def field_count(self) -> int:
        return self.counted_fields


def record_from_body(body: Mapping[str, Any]) -> RecordOfProcessing:
    """The record `body` holds (a JSON export's body, without its signature); a FrozenBodyError when it holds none."""
    if not isinstance(body, Mapping) or body.get("format") != BODY_FORMAT:
        raise FrozenBodyError(f"format: not a record of processing's body ({BODY_FORMAT})")
    try:
        return _record(body["record"], body["activities"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise FrozenBodyError(f"not a record of processing's body: {error!r} ") from None


def _record(record: Mapping[str, Any], activities: list[Mapping[str, Any]]) -> RecordOfProcessing:
    return RecordOfProcessing(
        alias=record["org"], as_of=_moment(record["as_of"]), live=bool(record["live"]),
        harvested=bool(record["harvested"]), owned=_typed(tuple[Shown, ...], record["owned"]),
        activities=tuple(_activity_record(each) for each in activities))


def _activity_record(body: Mapping[str, Any]) -> ActivityRecord:
    return ActivityRecord(org=body["org"], as_of=_moment(body["as_of"]), activity=_activity(body),
                          owned=_typed(tuple[Shown, ...], body["owned"]), updated_by=body["updated_by"],
                          updated_at=_typed(datetime | None, body["updated_at"]))


def _activity(body: Mapping[str, Any]) -> FrozenActivity:
    hints = _hints(Activity)
    statements = {attribute: _member(hints[attribute], body, member, _default(attribute))
                  for attribute, member in activity_members().items()}
    return FrozenActivity(**statements, counted_fields=int(body["field_count"]))


@cache
def activity_members() -> dict[str, str]:
    """Each statement of an activity its body holds, and the member holding it (as the API's serializer names it)."""
    attributes = {each.name for each in dataclasses.fields(Activity)}
    members = {}
    for name, field in ActivityDetailSerializer().fields.items():
        source = field.source or ""
        attribute = source.removeprefix(ACTIVITY_SOURCE)
        if source.startswith(ACTIVITY_SOURCE) and attribute in attributes:
            members[attribute] = name
    return members


_NO_DEFAULT = object()


def _default(attribute: str) -> Any:
    field = next(each for each in dataclasses.fields(Activity) if each.name == attribute)
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory() if field.default_factory is not dataclasses.MISSING else _NO_DEFAULT


def _member(hint: Any, body: Mapping[str, Any], name: str, default: Any) -> Any:
    """The member `name` as `hint` types it; one a body written before it existed lacks is its default, or none."""
    if name in body:
        return _typed(hint, body[name])
    if default is not _NO_DEFAULT:
        return default
    if _optional(hint):
        return None
    raise KeyError(name)


def _typed(hint: Any, value: Any) -> Any:
    """`value`, parsed JSON, as the type `hint` names: dataclasses member by member, tuples, optionals, moments."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if _optional(hint):
        return None if value is None else _typed(next(each for each in arguments if each is not type(None)), value)
    if origin is tuple:
        return tuple(_typed(arguments[0], each) for each in value)
    if dataclasses.is_dataclass(origin or hint):
        return _dataclass(origin or hint, dict(zip(getattr(origin, "__parameters__", ()), arguments, strict=True)),
                          value)
    if hint is datetime:
        return _moment(value)
    return value  # text, numbers and booleans are as JSON holds them


def _dataclass(kind: type, bound: dict[Any, Any], value: Mapping[str, Any]) -> Any:
    """A dataclass from a JSON object's members of its fields' names (a generic one's type variables `bound`);
    members that are not its fields (a computed one such as encryption_coverage) are left."""
    hints = _hints(kind)
    return kind(**{each.name: _typed(bound.get(hints[each.name], hints[each.name]), value[each.name])
                   for each in dataclasses.fields(kind) if each.init and each.name in value})


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


__all__ = ["FrozenActivity", "FrozenBodyError", "activity_members", "record_from_body"]

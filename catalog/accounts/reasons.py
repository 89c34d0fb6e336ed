"""The reason a person states for a change or an export, as the audit log keeps it: one check for every caller (an
override, a record's edit, a snapshot, an export), each turning a ReasonError into its own error naming its field."""

from __future__ import annotations

from typing import Final

MAX_REASON_LENGTH: Final = 2000
MISSING: Final = "Say why: a reason is required."


class ReasonError(ValueError):
    """A reason the audit log cannot keep (none where one is required, too long, a null character); the message
    says which."""


def checked_reason(reason: object, *, required: bool = True, max_length: int = MAX_REASON_LENGTH,
                   missing: str = MISSING) -> str:
    """The reason trimmed (whitespace as str.isspace says); `missing` is the error when it is blank and required, a
    value that is not text counts as none. Over `max_length` characters or holding a null character (PostgreSQL's
    text refuses it) is a ReasonError too."""
    text = reason.strip() if isinstance(reason, str) else ""
    if required and not text:
        raise ReasonError(missing)
    if len(text) > max_length:
        raise ReasonError(f"Keep the reason to {max_length} characters.")
    if "\x00" in text:
        raise ReasonError("The reason may not hold a null character.")
    return text


__all__ = ["MAX_REASON_LENGTH", "ReasonError", "checked_reason"]

"""The one check of a reason a person states for a change or an export: trimmed, required unless the caller says
not, at most a length, never a null character; each refusal says which."""

from __future__ import annotations

import pytest

from catalog.accounts.reasons import MAX_REASON_LENGTH, MISSING, ReasonError, checked_reason


def test_a_reason_is_kept_trimmed():
    assert checked_reason("  Annual audit \n") == "Annual audit"


@pytest.mark.parametrize("reason", ["", " \t\u3000", None, 42])
def test_no_reason_where_one_is_required_is_refused_with_the_callers_words(reason: object):
    with pytest.raises(ReasonError) as refused:
        checked_reason(reason, missing="Say why you are freezing it.")
    assert str(refused.value) == "Say why you are freezing it."
    with pytest.raises(ReasonError) as refused:
        checked_reason(reason)
    assert str(refused.value) == MISSING


def test_no_reason_where_none_is_required_is_an_empty_one():
    assert checked_reason("   ", required=False) == ""


def test_a_reason_over_its_length_is_refused_naming_the_length():
    assert checked_reason("x" * MAX_REASON_LENGTH) == "x" * MAX_REASON_LENGTH
    with pytest.raises(ReasonError, match=f"{MAX_REASON_LENGTH} characters"):
        checked_reason("x" * (MAX_REASON_LENGTH + 1), required=False)
    with pytest.raises(ReasonError, match="500 characters"):
        checked_reason("x" * 501, max_length=500)


def test_a_reason_holding_a_null_character_is_refused():
    with pytest.raises(ReasonError, match="null character"):
        checked_reason("audit\x00file", required=False)

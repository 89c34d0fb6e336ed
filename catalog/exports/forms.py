"""The stated reason an export asks for, on the pages (the API reads the same `reason` parameter)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from catalog.exports.services import MAX_REASON_LENGTH, ReasonError, stated_reason

REASON_HINT = "The audit log keeps it with your name, the time and the filters, e.g. “Annual CCPA audit, ticket 118”"


class ExportReasonForm(forms.Form):
    reason = forms.CharField(label="Why are you exporting them?", max_length=MAX_REASON_LENGTH, help_text=REASON_HINT,
                             error_messages={"required": "Say why you are exporting: the audit log records it."})

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data, auto_id="export_%s")  # its ids never clash with the list's filters beside it

    def clean_reason(self) -> str:
        try:
            return stated_reason(self.cleaned_data["reason"])
        except ReasonError as error:
            raise forms.ValidationError(str(error)) from None

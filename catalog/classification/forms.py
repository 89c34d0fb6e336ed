"""The override and withdrawal forms of the field page's panel, in a privacy officer's words."""

from __future__ import annotations

from django import forms

from catalog.classification.models import CATEGORY_CHOICES
from catalog.classification.services import MAX_REASON_LENGTH

SENSITIVE_CHOICES = (("", "Keep the harvested sensitivity"), ("true", "Sensitive personal information"),
                     ("false", "Not sensitive"))
SENSITIVE_VALUES = {"": None, "true": True, "false": False}
REASON_REQUIRED = "Say why: a reason is required."


class OverrideForm(forms.Form):
    ccpa_category = forms.ChoiceField(label="CCPA category", required=False,
                                      choices=(("", "Keep the harvested category"), *CATEGORY_CHOICES))
    sensitive = forms.ChoiceField(label="Sensitivity", required=False, choices=SENSITIVE_CHOICES)
    reason = forms.CharField(label="Reason", max_length=MAX_REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": REASON_REQUIRED},
                             help_text="Why the rules' classification is wrong for this field; kept in the audit log")

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason

    def clean(self) -> dict[str, object]:
        cleaned: dict[str, object] = super().clean() or {}
        if not cleaned.get("ccpa_category") and not cleaned.get("sensitive") and "ccpa_category" not in self.errors:
            self.add_error("ccpa_category", "Choose a category or a sensitivity to put in force.")
        return cleaned

    @property
    def sensitive_value(self) -> bool | None:
        return SENSITIVE_VALUES[str(self.cleaned_data.get("sensitive") or "")]


class WithdrawalForm(forms.Form):
    reason = forms.CharField(label="Reason for withdrawing", max_length=MAX_REASON_LENGTH,
                             error_messages={"required": REASON_REQUIRED},
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="The harvested classification will be in force again")

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason

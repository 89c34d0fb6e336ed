"""The forms of a finding's page: the lifecycle changes a privacy officer makes, each saying why."""

from __future__ import annotations

from django import forms

from catalog.findings.services import MAX_NOTE_LENGTH


class NoteForm(forms.Form):
    note = forms.CharField(label="Note (optional)", required=False, max_length=MAX_NOTE_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    note = forms.CharField(label="Why reopen it?", max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "Say why: it is kept with the finding and in the audit log."})


class AcceptRiskForm(forms.Form):
    justification = forms.CharField(
        label="Why does the business accept this risk?", max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. GLBA-covered data exempt under §1798.145(e), with the memo's reference",
        error_messages={"required": "Say why: it is kept with the finding and in the audit log."})
    owner = forms.CharField(label="Risk owner", max_length=150, help_text="Who answers for it until it expires",
                            error_messages={"required": "Name who owns the accepted risk."})
    expires_on = forms.DateField(label="Accepted until", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="Within a year; it reopens by itself after this day",
                                 error_messages={"required": "An accepted risk needs an expiry date.",
                                                 "invalid": "A date, YYYY-MM-DD."})

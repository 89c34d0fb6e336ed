"""The harvests pages' forms: which runs to list, and which harvest to start; each error names its field."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from harvesters.history import org_aliases, status_choices

FULL, INCREMENTAL = "full", "incremental"
KINDS = [(INCREMENTAL, "Incremental: only what changed since the last harvest"),
         (FULL, "Full: everything again, and retire what Salesforce no longer has")]


class RunFilterForm(forms.Form):
    org = forms.ChoiceField(label="Org", required=False)
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "org").choices = [("", "All orgs"), *((alias, alias) for alias in org_aliases())]
        _choices(self, "status").choices = [("", "Any status"), *status_choices()]
        self.fields["org"].error_messages["invalid_choice"] = "No org is connected under the alias %(value)s."
        self.fields["status"].error_messages["invalid_choice"] = "%(value)s is not a status a harvest can have."


class StartHarvestForm(forms.Form):
    org = forms.ChoiceField(label="Org to harvest", error_messages={"required": "Choose the org to harvest."})
    kind = forms.ChoiceField(label="Kind of harvest", choices=KINDS, initial=INCREMENTAL, widget=forms.RadioSelect,
                             error_messages={"required": "Choose a full or an incremental harvest."})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "org").choices = [("", "Choose an org"), *((alias, alias) for alias in org_aliases())]
        self.fields["org"].error_messages["invalid_choice"] = "No org is connected under the alias %(value)s."
        self.fields["kind"].error_messages["invalid_choice"] = ("%(value)s is not a kind of harvest: choose full "
                                                                "or incremental.")

    @property
    def full(self) -> bool:
        return bool(self.cleaned_data["kind"] == FULL)


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])

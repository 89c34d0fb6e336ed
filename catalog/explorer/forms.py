"""The explorer's form: which node, which way, how far; each error names its field in words."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from catalog.explorer import services
from lineage.queries.lineage import MAX_DEPTH, MIN_DEPTH, Direction

DIRECTIONS = [(Direction.BOTH.value, "Both ways"), (Direction.UPSTREAM.value, "Upstream: where its data comes from"),
              (Direction.DOWNSTREAM.value, "Downstream: where its data goes")]


class LineageForm(forms.Form):
    node = forms.CharField(
        label="Field, object or system", max_length=1000, required=False,
        help_text="A field as Object.Field (e.g. Contact.Email), an object, a system's host, an integration's name, "
                  "or part of one; suggestions appear as you type.")
    # The node drawn, kept while the box shows its name: names repeat across orgs, keys do not.
    key = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
    direction = forms.ChoiceField(label="Direction", choices=DIRECTIONS, initial=services.DEFAULT_DIRECTION.value,
                                  required=False)
    depth = forms.TypedChoiceField(label="Depth (hops)", coerce=int, initial=services.DEFAULT_DEPTH, required=False,
                                   choices=[(hops, str(hops)) for hops in range(MIN_DEPTH, MAX_DEPTH + 1)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # HTMX asks for suggestions as the person types; without JavaScript the form submits as a GET.
        self.fields["node"].widget.attrs.update({
            "autocomplete": "off", "hx-get": reverse("lineage-node-suggestions"), "hx-include": "closest form",
            "hx-trigger": "input changed delay:300ms", "hx-target": "#node-suggestions",
            "hx-indicator": "#node-suggestions-loading"})
        self.fields["direction"].error_messages["invalid_choice"] = (
            "%(value)s is not a direction: choose upstream, downstream or both.")
        self.fields["depth"].error_messages["invalid_choice"] = (
            f"%(value)s is not a depth: choose {MIN_DEPTH} to {MAX_DEPTH} hops.")

    def clean_direction(self) -> Direction:
        return Direction(self.cleaned_data.get("direction") or services.DEFAULT_DIRECTION)

    def clean_depth(self) -> int:
        depth = self.cleaned_data.get("depth")
        return depth if isinstance(depth, int) else services.DEFAULT_DEPTH

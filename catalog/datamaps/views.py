"""The data maps' pages: a look-up form (POST: identifiers never travel in a URL), the result page with every section
of the consumer's data map, a small picture of where their data went with the gaps marked, their deletion preview,
and JSON and PDF downloads of their right-to-know response (posted again from the page, audited again).

For privacy officers, and auditors only when granted the lookup_consumer permission. Thin views: a look-up goes
through catalog.datamaps.services; the form's POST parameters and the views' variables are kept out of error reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from catalog.accounts import roles
from catalog.datamaps import disclosures, exports, services
from catalog.datamaps.api import download
from catalog.datamaps.lookup import GivenIdentifier
from catalog.datamaps.maps import DataMap
from catalog.pages import may_view
from lineage.identifiers import IdentifierKind

IDENTIFIER_FIELDS: Final = ("email", "phone", "record_id", "external_id")
FORMAT_LABELS: Final = {exports.PDF: "PDF", exports.JSON: "JSON"}


class LookupForm(forms.Form):
    email = forms.CharField(label="Email address", required=False, max_length=320)
    phone = forms.CharField(label="Phone number", required=False, max_length=40,
                            help_text="Any format: +1 415 555 0100 or (415) 555-0100 (a US number without +1)")
    record_id = forms.CharField(label="Salesforce record id", required=False, max_length=18,
                                help_text="15 or 18 characters: a Contact, Account, Lead or Individual of theirs")
    external_system = forms.CharField(label="System of an external id", required=False, max_length=60,
                                      help_text="core_banking or mobile_app")
    external_id = forms.CharField(label="External id", required=False, max_length=200,
                                  help_text="Their customer number in core banking, or their mobile app user id")
    reason = forms.CharField(label="Why are you looking them up?", max_length=services.MAX_REASON_LENGTH,
                             help_text="The audit log keeps it with your name and the time, e.g. “DSAR 2026-114, "
                                       "right to know”")
    include_values = forms.BooleanField(label="Also read their current values from Salesforce (the specific pieces)",
                                        required=False)

    @sensitive_variables()
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(name) for name in IDENTIFIER_FIELDS):
            raise forms.ValidationError("Give at least one identifier: an email address, a phone number, a "
                                        "Salesforce record id or an external id.")
        if cleaned.get("external_id") and not cleaned.get("external_system"):
            self.add_error("external_system", "Name the system the external id belongs to.")
        return cleaned

    @sensitive_variables()
    def identifiers(self) -> list[GivenIdentifier]:
        data = self.cleaned_data
        kinds = {"email": IdentifierKind.EMAIL, "phone": IdentifierKind.PHONE, "record_id": IdentifierKind.RECORD_ID}
        given = [GivenIdentifier(name, kind, data[name]) for name, kind in kinds.items() if data.get(name)]
        if data.get("external_id"):
            given.append(GivenIdentifier("external_id", IdentifierKind.EXTERNAL_ID, data["external_id"],
                                         system=data.get("external_system") or None))
        return given


class DownloadForm(LookupForm):
    format = forms.ChoiceField(label="Format", choices=list(FORMAT_LABELS.items()), initial=exports.PDF)


def may_look_up(request: HttpRequest) -> None:
    """Privacy officers; an auditor only when granted the lookup_consumer permission."""
    may_view(request)
    if not roles.can_look_up_consumers(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@sensitive_variables()
def data_map_lookup(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the consumer's data map, or the form again saying what is wrong, that nobody matches
    (404) or that several people do (409)."""
    may_look_up(request)
    if request.method == "GET":
        return _page(request, "datamaps/lookup.html", {"form": LookupForm()})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _page(request, "datamaps/lookup.html", {"form": form}, status=400)
    try:
        result = services.look_up(_asker(request, form), form.identifiers(),
                                  include_values=form.cleaned_data["include_values"])
    except services.LookupInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, "datamaps/lookup.html", {"form": form}, status=400)
    except services.ConsumerNotFoundError as error:
        return _page(request, "datamaps/lookup.html", {"form": form, "not_found": str(error)}, status=404)
    except services.AmbiguousConsumerError as error:
        return _page(request, "datamaps/lookup.html", {"form": form, "ambiguous": error}, status=409)
    return _page(request, "datamaps/result.html", _result_context(request, form, result))


@require_POST
@sensitive_post_parameters()
@sensitive_variables()
def data_map_download(request: HttpRequest) -> HttpResponse:
    """The consumer's right-to-know response as a PDF or JSON file (roles that may export), looked up again and
    audited with the export's format."""
    may_look_up(request)
    if not roles.can_export(request.user):
        raise PermissionDenied
    form = DownloadForm(request.POST)
    if not form.is_valid():
        return _page(request, "datamaps/lookup.html", {"form": form}, status=400)
    try:
        result = services.look_up(_asker(request, form), form.identifiers(),
                                  include_values=form.cleaned_data["include_values"],
                                  details={"export": form.cleaned_data["format"]})
    except (services.LookupInputError, services.ConsumerNotFoundError, services.AmbiguousConsumerError) as error:
        form.add_error(None, getattr(error, "message", str(error)))
        return _page(request, "datamaps/lookup.html", {"form": form}, status=400)
    answer = disclosures.right_to_know(result)
    return download(exports.right_to_know_file(answer, form.cleaned_data["format"]))


def _asker(request: HttpRequest, form: LookupForm) -> services.Asker:
    return services.Asker(actor=request.user, reason=form.cleaned_data["reason"], origin=services.WEB_PAGE)


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A page of a consumer's data is never cached: a shared computer's back button must not show it."""
    response = render(request, template, context, status=status)
    patch_cache_control(response, no_store=True, private=True)
    return response


@sensitive_variables()
def _result_context(request: HttpRequest, form: LookupForm, result: services.DataMapResult) -> dict[str, Any]:
    data_map = result.data_map
    asked = {name: form.cleaned_data.get(name) or "" for name in (*IDENTIFIER_FIELDS, "external_system", "reason")}
    return {"result": result, "map": data_map, "picture": picture_of(data_map),
            "deletion": disclosures.deletion_preview(data_map), "asked": asked,
            "include_values": form.cleaned_data["include_values"], "can_export": roles.can_export(request.user),
            "formats": FORMAT_LABELS, "gap_systems": {each.system_key for each in data_map.gaps}}


# --- the picture of where their data went ------------------------------------------------------------------------

ROW: Final = 44
TOP: Final = 30
COLUMNS: Final = (20, 240, 520)  # the consumer, their objects, the systems
BOX: Final = (180, 28)
SYSTEM_BOX_WIDTH: Final = 260  # a system's name, and "gap" before it where one is


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    label: str
    kind: str  # "consumer", "object", "system"
    gap: bool = False

    @property
    def width(self) -> int:
        return SYSTEM_BOX_WIDTH if self.kind == "system" else BOX[0]


@dataclass(frozen=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    gap: bool


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]


def picture_of(data_map: DataMap) -> Picture:
    """The consumer, their objects and the systems their data goes to or comes from, in three columns; a line
    from an object to a system where a flow carries its fields, marked where a gap is."""
    objects = sorted({held.sobject for held in data_map.records})
    systems = sorted(_system_labels(data_map).items(), key=lambda item: item[1].lower())
    gaps = {each.system_key for each in data_map.gaps}
    rows = max(len(objects), len(systems), 1)
    height = TOP * 2 + rows * ROW
    consumer = Box(COLUMNS[0], TOP + (rows - 1) * ROW // 2, "The consumer", "consumer")
    object_boxes = {name: Box(COLUMNS[1], TOP + index * ROW, name, "object") for index, name in enumerate(objects)}
    system_boxes = {key: Box(COLUMNS[2], TOP + index * ROW, name, "system", key in gaps)
                    for index, (key, name) in enumerate(systems)}
    lines = [_line(consumer, box, False) for box in object_boxes.values()]
    for flow in data_map.recipients:
        for sobject in sorted({field.split(".", 1)[0] for field in flow.fields} & object_boxes.keys()):
            lines.append(_line(object_boxes[sobject], system_boxes[flow.system_key], flow.system_key in gaps))
    boxes = (consumer, *object_boxes.values(), *system_boxes.values())
    return Picture(COLUMNS[2] + SYSTEM_BOX_WIDTH + 20, height, boxes, tuple(dict.fromkeys(lines)))


def _system_labels(data_map: DataMap) -> dict[str, str]:
    """Each system by its name, or by its host where two systems share a name (one vendor's API and its webhooks):
    two boxes alike would read as one system drawn twice."""
    named = {each.system_key: (each.name or each.host, each.host) for each in data_map.recipients}
    names = Counter(name for name, _ in named.values())
    return {key: name if names[name] == 1 else host for key, (name, host) in named.items()}


def _line(start: Box, end: Box, gap: bool) -> Line:
    return Line(start.x + BOX[0], start.y + BOX[1] // 2, end.x, end.y + BOX[1] // 2, gap)

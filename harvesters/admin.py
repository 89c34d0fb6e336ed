from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from harvesters.client import OrgAuthError
from harvesters.connections import ConnectionInvalidError, check_connection, missing_for_flow
from harvesters.models import SECRET_FIELDS, HarvestRun, OrgConnection


def _https_urls(db_field: models.Field[Any, Any], **kwargs: Any) -> dict[str, Any]:
    """Salesforce is reached over HTTPS only: a URL typed without a scheme means https."""
    return {"assume_scheme": "https", **kwargs} if isinstance(db_field, models.URLField) else kwargs


def _https_form_field(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    return db_field.formfield(**_https_urls(db_field, **kwargs))


class OrgConnectionForm(forms.ModelForm):  # type: ignore[type-arg]
    """Secrets are write-only: never rendered back; left blank, the stored value stays."""

    class Meta:
        model = OrgConnection
        fields = ["alias", "login_url", "jwt_audience", "instance_url", "api_version", "auth_flow", "username",
                  "client_id", "ca_bundle", "harvest_every_minutes", "manifest_dir", *SECRET_FIELDS]
        formfield_callback = _https_form_field
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.initial[name] = ""
            self.fields[name].help_text = "Stored encrypted; leave blank to keep the current value"

    def clean_manifest_dir(self) -> str:
        folder = str(self.cleaned_data.get("manifest_dir") or "").strip()
        if folder and not Path(folder).expanduser().is_dir():
            raise forms.ValidationError(f"{folder} is not a folder on this server")
        return folder

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name in SECRET_FIELDS:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(OrgConnection.objects.get(pk=self.instance.pk), name)
        for name in missing_for_flow(cleaned):
            self.add_error(name if name in self.fields else None, f"required for the {cleaned.get('auth_flow')} flow")
        return cleaned


@admin.register(OrgConnection)
class OrgConnectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = OrgConnectionForm
    list_display = ["alias", "login_url", "auth_flow", "api_version", "org_id", "edition", "harvest_every_minutes",
                    "manifest_dir", "updated_at"]
    readonly_fields = ["org_id", "edition", "created_at", "updated_at"]
    actions = ["check_connections"]

    def formfield_for_dbfield(self, db_field: models.Field[Any, Any], request: HttpRequest,
                              **kwargs: Any) -> forms.Field | None:
        return super().formfield_for_dbfield(db_field, request, **_https_urls(db_field, **kwargs))

    @admin.action(description="Test connection")
    def check_connections(self, request: HttpRequest, queryset: QuerySet[OrgConnection]) -> None:
        for connection in queryset:
            try:
                identity = check_connection(connection)
            except (OrgAuthError, ConnectionInvalidError, OSError) as error:
                self.message_user(request, f"{connection.alias}: {error}", messages.ERROR)
                continue
            usage = f"{identity.api_used}/{identity.api_limit}" if identity.api_used is not None else "unknown"
            self.message_user(request, f"{connection.alias}: org {identity.org_id} ({identity.edition}), "
                                       f"API v{identity.api_version}, API usage {usage}", messages.SUCCESS)


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "org", "full", "status", "started_at", "finished_at", "chunks_done", "chunks_total",
                    "api_calls"]
    list_filter = ["status", "org"]
    readonly_fields = [field.name for field in HarvestRun._meta.fields]

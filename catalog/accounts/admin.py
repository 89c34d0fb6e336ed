"""The admin lists API tokens and revokes them (never showing a secret or its hash); the audit log is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog.accounts import services
from catalog.accounts.models import ApiToken, AuditEvent


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["token_key", "user", "name", "scope_list", "created", "expiry", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "expiry"]
    search_fields = ["token_key", "user__username", "name"]
    fields = ("token_key", "user", "name", "scope_list", "created", "expiry", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is issued by `manage.py issue_token`, which shows its secret once

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, not deleted: the record of what it could do stays

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(services.revoke_token(token, revoked_by=request.user, reason="revoked in the admin")  # type: ignore[arg-type]
                      for token in queryset.select_related("user"))
        self.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "actor_name", "token_key", "action", "object_type", "object_key", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_key", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""The one DRF permission of the API: the user's role must allow the action, and a token must hold its scope."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from catalog.accounts import roles
from catalog.accounts.tokens import token_of


def required_scope(request: Request, view: Any) -> str:
    """`<area>:read` for reading, `<area>:write` for anything else; a view names its area (catalog by default), or
    its one scope (`api_scope`) when it reads by POST, as a consumer look-up does to keep identifiers out of URLs."""
    fixed: str | None = getattr(view, "api_scope", None)
    if fixed:
        return fixed
    area: str = getattr(view, "api_area", "catalog")
    return f"{area}:{'read' if request.method in SAFE_METHODS else 'write'}"


def required_permission(request: Request, view: Any) -> str:
    """The accounts permission an action needs: the view's per-action choice, else read or edit the catalog."""
    by_action: dict[str, str] = getattr(view, "action_permissions", {})
    action = getattr(view, "action", None) or (request.method or "").lower()
    if action in by_action:
        return by_action[action]
    if request.method in SAFE_METHODS:
        return str(getattr(view, "read_permission", roles.VIEW_CATALOG))
    return str(getattr(view, "write_permission", roles.EDIT_CATALOG))


class HasRoleAndScope(BasePermission):
    """Anonymous: 401. A token without the action's scope, or a role without its permission: 403 saying which."""

    message = "You do not have permission to do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        scope = required_scope(request, view)
        token = token_of(request.auth)
        if token is not None and scope not in token.scopes:
            self.message = f"This token lacks the {scope} scope."
            return False
        codename = required_permission(request, view)
        if not request.user.has_perm(f"accounts.{codename}"):
            self.message = f"Your role does not allow this ({codename.replace('_', ' ')})."
            return False
        return True

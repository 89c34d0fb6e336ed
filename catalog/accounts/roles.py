"""Roles are Django groups granted the product's permissions; pages and the API ask these helpers, never the groups."""

from __future__ import annotations

from typing import Final

from django.contrib.auth.models import AbstractUser, AnonymousUser, Group, Permission

PRIVACY_OFFICER: Final = "privacy officer"
AUDITOR: Final = "auditor"
ADMIN: Final = "admin"
ROLES: Final = (PRIVACY_OFFICER, AUDITOR, ADMIN)

VIEW_CATALOG: Final = "view_catalog"
EDIT_CATALOG: Final = "edit_catalog"
RUN_HARVESTS: Final = "run_harvests"
EXPORT_CATALOG: Final = "export_catalog"
LOOKUP_CONSUMER: Final = "lookup_consumer"
VIEW_AUDIT_LOG: Final = "view_audit_log"
MANAGE_TOKENS: Final = "manage_tokens"

# What each role may do (the data migration grants these; an auditor may be granted lookup_consumer one by one).
ROLE_PERMISSIONS: Final[dict[str, tuple[str, ...]]] = {
    PRIVACY_OFFICER: (VIEW_CATALOG, EDIT_CATALOG, RUN_HARVESTS, EXPORT_CATALOG, LOOKUP_CONSUMER, VIEW_AUDIT_LOG,
                      MANAGE_TOKENS),
    AUDITOR: (VIEW_CATALOG, EXPORT_CATALOG),
    ADMIN: (VIEW_CATALOG, RUN_HARVESTS, MANAGE_TOKENS),
}

# Django's own model permissions each role needs in the admin site: (app label, model, action).
ADMIN_SITE_PERMISSIONS: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    PRIVACY_OFFICER: (("accounts", "apitoken", "view"), ("accounts", "apitoken", "change"),
                      ("accounts", "auditevent", "view")),
    ADMIN: (("accounts", "apitoken", "view"), ("accounts", "apitoken", "change"), ("auth", "user", "view"),
            ("auth", "user", "add"), ("auth", "user", "change"), ("auth", "group", "view"),
            ("harvesters", "orgconnection", "view"), ("harvesters", "orgconnection", "add"),
            ("harvesters", "orgconnection", "change"), ("harvesters", "harvestrun", "view")),
}

User = AbstractUser | AnonymousUser


def create_role_groups() -> None:
    """Each role's group with its permissions, idempotently: made by migration 0002, and again after every
    migrate or flush (post_migrate), so a database emptied by `flush` (as transactional tests do) keeps them."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        product = Permission.objects.filter(content_type__app_label="accounts",
                                            codename__in=ROLE_PERMISSIONS[role])
        site = [Permission.objects.filter(content_type__app_label=app_label, content_type__model=model,
                                          codename=f"{action}_{model}")
                for app_label, model, action in ADMIN_SITE_PERMISSIONS.get(role, ())]
        group.permissions.add(*product, *(permission for found in site for permission in found))


def _has(user: User, codename: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(f"accounts.{codename}"))


def can_view(user: User) -> bool:
    return _has(user, VIEW_CATALOG)


def can_edit(user: User) -> bool:
    return _has(user, EDIT_CATALOG)


def can_run_harvests(user: User) -> bool:
    return _has(user, RUN_HARVESTS)


def can_export(user: User) -> bool:
    return _has(user, EXPORT_CATALOG)


def can_look_up_consumers(user: User) -> bool:
    return _has(user, LOOKUP_CONSUMER)


def can_view_audit_log(user: User) -> bool:
    return _has(user, VIEW_AUDIT_LOG)


def can_manage_tokens(user: User) -> bool:
    return _has(user, MANAGE_TOKENS)


def role_names(user: User) -> list[str]:
    """The user's roles by name, as the pages show them (a superuser counts as every role)."""
    if not user.is_authenticated:
        return []
    if getattr(user, "is_superuser", False):
        return list(ROLES)
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))

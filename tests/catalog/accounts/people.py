"""Users in each role and API clients holding their tokens, for the tests of the API and the pages."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from catalog.accounts import roles, services
from catalog.accounts.tokens import SCOPES

PASSWORD = "pw-correct-horse-battery-1"


def user_in_role(username: str, role: str | None) -> User:
    """A user in one role (None: a login with no role at all)."""
    user = User.objects.create_user(username, password=PASSWORD)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


def privacy_officer(username: str = "olivia-officer") -> User:
    return user_in_role(username, roles.PRIVACY_OFFICER)


def auditor(username: str = "aaron-auditor") -> User:
    return user_in_role(username, roles.AUDITOR)


def admin(username: str = "ada-admin") -> User:
    return user_in_role(username, roles.ADMIN)


def bearer_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def token_client(user: User, scopes: tuple[str, ...] = SCOPES, expires_days: int | None = None) -> APIClient:
    """An API client sending `Authorization: Bearer <a new token of user's with these scopes>`."""
    return bearer_client(services.issue_token(user, list(scopes), expires_days=expires_days).secret)

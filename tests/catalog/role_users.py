"""Users of the pages' tests, each given one of the product's roles the way an administrator does: its group."""

from __future__ import annotations

from django.contrib.auth.models import Group, User

PASSWORD = "Poppy-Officer-2026!"


def user_with_role(username: str, role: str | None, password: str = PASSWORD) -> User:
    """A user in the group `role` (None: a login without any role)."""
    user = User.objects.create_user(username=username, password=password)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user

"""Roles are groups made by a migration; pages and the API ask catalog.accounts.roles what a user may do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.management import call_command

from catalog.accounts import roles
from tests.catalog.accounts.people import admin, auditor, privacy_officer, user_in_role

pytestmark = pytest.mark.django_db


def test_the_three_roles_exist_as_groups_after_migrating():
    assert set(Group.objects.filter(name__in=roles.ROLES).values_list("name", flat=True)) == set(roles.ROLES)


@pytest.mark.django_db(transaction=True)
def test_the_roles_and_their_permissions_survive_a_flush_of_the_database():
    before = {group.name: set(group.permissions.values_list("codename", flat=True))
              for group in Group.objects.filter(name__in=roles.ROLES)}

    call_command("flush", interactive=False, verbosity=0)

    after = {group.name: set(group.permissions.values_list("codename", flat=True))
             for group in Group.objects.filter(name__in=roles.ROLES)}
    assert after == before
    assert set(after) == set(roles.ROLES)
    assert "view_catalog" in after[roles.AUDITOR]


def test_a_privacy_officer_may_do_everything():
    officer = privacy_officer()

    assert all(check(officer) for check in (roles.can_view, roles.can_edit, roles.can_run_harvests,
                                            roles.can_export, roles.can_look_up_consumers,
                                            roles.can_view_audit_log, roles.can_manage_tokens))


def test_an_auditor_reads_and_exports_but_edits_nothing_and_looks_up_no_consumer():
    reader = auditor()

    assert roles.can_view(reader)
    assert roles.can_export(reader)
    assert not any(check(reader) for check in (roles.can_edit, roles.can_run_harvests, roles.can_look_up_consumers,
                                               roles.can_view_audit_log, roles.can_manage_tokens))


def test_an_auditor_granted_the_look_up_permission_may_look_up_consumers():
    reader = auditor()
    reader.user_permissions.add(Permission.objects.get(content_type__app_label="accounts",
                                                       codename=roles.LOOKUP_CONSUMER))

    assert roles.can_look_up_consumers(User.objects.get(pk=reader.pk))  # a fresh object: no permission cache


def test_an_admin_runs_harvests_and_manages_tokens_but_edits_no_classification():
    operator = admin()

    assert roles.can_run_harvests(operator)
    assert roles.can_manage_tokens(operator)
    assert roles.can_view(operator)
    assert not roles.can_edit(operator)
    assert not roles.can_view_audit_log(operator)


def test_a_login_without_a_role_and_an_anonymous_visitor_may_do_nothing():
    for nobody in (user_in_role("no-role", None), AnonymousUser()):
        assert not roles.can_view(nobody)
        assert not roles.can_edit(nobody)


def test_an_inactive_privacy_officer_may_do_nothing():
    officer = privacy_officer()
    officer.is_active = False

    assert not roles.can_view(officer)


def test_role_names_are_what_the_pages_show():
    assert roles.role_names(auditor()) == [roles.AUDITOR]
    assert roles.role_names(AnonymousUser()) == []


def test_demo_login_makes_one_login_per_role_and_prints_them(capsys: pytest.CaptureFixture[str]):
    call_command("demo_login", "--password", "demo-password-1")

    printed = capsys.readouterr().out
    for role, username in ((roles.PRIVACY_OFFICER, "demo"), (roles.AUDITOR, "auditor"), (roles.ADMIN, "admin")):
        assert f"login ({role}): {username} / demo-password-1" in printed
        user = User.objects.get(username=username)
        assert user.check_password("demo-password-1")
        assert roles.role_names(user) == [role]

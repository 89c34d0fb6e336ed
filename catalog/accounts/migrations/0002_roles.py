"""The three roles as groups, granted the product's permissions (roles.ROLE_PERMISSIONS at the time of writing)."""

from typing import Any

from django.db import migrations

PERMISSION_NAMES = {
    "view_catalog": "Read the catalog: orgs, harvests, objects, fields, systems, lineage",
    "edit_catalog": "Change the catalog: classification overrides, records of processing, findings",
    "run_harvests": "Start harvests and register orgs",
    "export_catalog": "Export records, data maps and reports",
    "lookup_consumer": "Look up one consumer's data (per-consumer data maps)",
    "view_audit_log": "Browse and filter the audit log",
    "manage_tokens": "Issue and revoke API tokens",
}
ROLE_PERMISSIONS = {
    "privacy officer": ["view_catalog", "edit_catalog", "run_harvests", "export_catalog", "lookup_consumer",
                        "view_audit_log", "manage_tokens"],
    "auditor": ["view_catalog", "export_catalog"],
    "admin": ["view_catalog", "run_harvests", "manage_tokens"],
}
# Django's own model permissions each role needs in the admin site (tokens; the audit log read-only).
ADMIN_SITE_PERMISSIONS = {
    "privacy officer": [("accounts", "apitoken", "view"), ("accounts", "apitoken", "change"),
                        ("accounts", "auditevent", "view")],
    "admin": [("accounts", "apitoken", "view"), ("accounts", "apitoken", "change"), ("auth", "user", "view"),
              ("auth", "user", "add"), ("auth", "user", "change"), ("auth", "group", "view"),
              ("harvesters", "orgconnection", "view"), ("harvesters", "orgconnection", "add"),
              ("harvesters", "orgconnection", "change"), ("harvesters", "harvestrun", "view")],
}


def create_roles(apps: Any, schema_editor: Any) -> None:
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    # Permissions are normally made after all migrations (post_migrate): make the ones the groups need now.
    holder, _ = content_type_model.objects.get_or_create(app_label="accounts", model="rolepermissions")
    product = {codename: permission_model.objects.get_or_create(content_type=holder, codename=codename,
                                                                defaults={"name": name})[0]
               for codename, name in PERMISSION_NAMES.items()}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.add(*(product[codename] for codename in codenames))
        for app_label, model, verb in ADMIN_SITE_PERMISSIONS.get(role, []):
            content_type, _ = content_type_model.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = permission_model.objects.get_or_create(
                content_type=content_type, codename=f"{verb}_{model}",
                defaults={"name": f"Can {verb} {model}"})
            group.permissions.add(permission)


def remove_roles(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

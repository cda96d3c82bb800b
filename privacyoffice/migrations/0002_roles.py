from django.db import migrations


def create_role_groups(apps, schema_editor):
    # Permissions appear only after post_migrate; roles.sync_roles fills them in then.
    Group = apps.get_model("auth", "Group")
    for name in ("privacy_staff", "privacy_manager", "auditor"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("privacyoffice", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]

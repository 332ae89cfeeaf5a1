"""Patients' and users' phones in E.164, as every door now stores them.

A number that does not parse (in the region of ``PHONE_DEFAULT_REGION``) is left as it was
typed, for the desk to correct. Going back leaves the numbers in E.164: they stay valid.
"""

from django.db import migrations

BATCH_SIZE = 500


def phones_to_e164(apps, schema_editor):
    from accounts.phones import normalise_or_keep

    for model_name in ("Patient", "User"):
        model = apps.get_model("accounts", model_name)
        changed = []
        for row in model.objects.exclude(phone="").only("id", "phone").iterator():
            normal = normalise_or_keep(row.phone)
            if normal != row.phone:
                row.phone = normal
                changed.append(row)
        model.objects.bulk_update(changed, ["phone"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_patient_registration"),
    ]

    operations = [
        migrations.RunPython(phones_to_e164, migrations.RunPython.noop),
    ]

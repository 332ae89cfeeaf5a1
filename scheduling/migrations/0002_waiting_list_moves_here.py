"""The waiting list moves from ``queueing`` to ``scheduling``: state only, the table stays.

Its rows are written under the same doctor-day lock as the tokens, so they belong to allocation.
The content type is renamed so that permissions and admin history follow the model.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, schema_editor, *, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType")
    if content_types.objects.filter(app_label=target, model="waitingentry").exists():
        return
    content_types.objects.filter(app_label=source, model="waitingentry").update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, source="queueing", target="scheduling")


def backwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, source="scheduling", target="queueing")


class Migration(migrations.Migration):

    dependencies = [
        ('queueing', '0002_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0001_initial'),
        ('scheduling', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='WaitingEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('source', models.CharField(choices=[('emergency', 'Emergency'), ('priority', 'Priority (paid)'), ('follow_up', 'Follow-up'), ('online', 'Online'), ('walk_in', 'Walk-in')], max_length=12)),
                    ('priority', models.PositiveSmallIntegerField()),
                    ('status', models.CharField(choices=[('waiting', 'Waiting'), ('allocated', 'Allocated'), ('cancelled', 'Cancelled'), ('expired', 'Expired')], default='waiting', max_length=12)),
                    ('reason', models.CharField(blank=True, max_length=300)),
                    ('requested_at', models.DateTimeField(help_text='Ranks entries of equal priority.')),
                    ('expires_at', models.DateTimeField()),
                    ('closed_at', models.DateTimeField(blank=True, null=True)),
                    ('allocated_token', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='waiting_entry', to='scheduling.token')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('doctor_day', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='waiting_entries', to='scheduling.doctorday')),
                    ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='waiting_entries', to='accounts.patient')),
                ],
                options={
                    'verbose_name_plural': 'waiting entries',
                    'db_table': 'queueing_waitingentry',
                    'ordering': ['doctor_day', '-priority', 'requested_at', 'id'],
                },
            ),
            migrations.AlterField(
                model_name='tokenevent',
                name='waiting_entry',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='scheduling.waitingentry'),
            ),
            migrations.AddIndex(
                model_name='waitingentry',
                index=models.Index(fields=['doctor_day', 'status', '-priority', 'requested_at'], name='queueing_wa_doctor__711517_idx'),
            ),
            migrations.AddConstraint(
                model_name='waitingentry',
                constraint=models.UniqueConstraint(condition=models.Q(('status', 'waiting')), fields=('doctor_day', 'patient'), name='waiting_one_per_patient_day'),
            ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]

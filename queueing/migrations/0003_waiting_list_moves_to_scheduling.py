"""The waiting list now belongs to ``scheduling`` (its 0002): forget it here, keep the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("queueing", "0002_initial"),
        ("scheduling", "0002_waiting_list_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WaitingEntry")],
        ),
    ]

"""Payments: every token's fee is collected, not assumed (allocation.md, Payments).

Existing tokens become ``unpaid`` (a fee of 0 is nothing owed), except those the old code already
refunded or was asked to refund: it treated their fee as paid, so they get the payment it assumed
(cash, taken when the token was booked, by nobody recorded) and stay valid under invariant 9 (a
refund never exceeds what was paid; an unpaid token is never refunded).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


ASSUMED = "recorded before payments were tracked"


def assume_refunded_fees_were_paid(apps, schema_editor):
    refunds = apps.get_model("scheduling", "Refund")
    payments = apps.get_model("scheduling", "Payment")
    tokens = apps.get_model("scheduling", "Token")
    for refund in refunds.objects.select_related("token").filter(token__payment__isnull=True):
        token = refund.token
        payments.objects.create(
            token=token,
            amount=refund.amount,
            method="cash",
            reference=ASSUMED,
            taken_at=token.booked_at,
        )
        state = "refunded" if refund.status == "paid" else "paid"
        tokens.objects.filter(pk=token.pk).update(payment_state=state)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('scheduling', '0002_waiting_list_moves_here'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Payment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=8)),
                ('method', models.CharField(choices=[('cash', 'Cash'), ('upi', 'UPI'), ('card', 'Card'), ('online', 'Online')], max_length=8)),
                ('reference', models.CharField(blank=True, help_text='Receipt, UPI or card slip, or online payment id.', max_length=100)),
                ('taken_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['-taken_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='refund',
            name='paid_by',
            field=models.ForeignKey(blank=True, help_text="Who paid the money back (the day's collection counts it against them).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='token',
            name='fee_waived_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='token',
            name='fee_waived_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='token',
            name='fee_waiver_reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='token',
            name='payment_state',
            field=models.CharField(choices=[('unpaid', 'Unpaid'), ('paid', 'Paid'), ('waived', 'Waived'), ('refunded', 'Refunded')], default='unpaid', help_text='Changed only by the payment, waiver and refund services.', max_length=10),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('booked', 'Booked'), ('moved', 'Seated in a later slot'), ('bumped', 'Bumped to a later slot'), ('waitlisted', 'Put on the waiting list'), ('promoted', 'Promoted from the waiting list'), ('emergency_admitted', 'Emergency admitted'), ('overflow', 'Emergency overflow past capacity'), ('fast_tracked', 'Fast-tracked'), ('checked_in', 'Checked in'), ('called', 'Called in'), ('requeued', 'Requeued'), ('completed', 'Completed'), ('cancelled', 'Cancelled'), ('no_show', 'No-show'), ('rescheduled', 'Moved: doctor unavailable'), ('delay_moved', 'Moved: doctor delayed'), ('waiting_cancelled', 'Left the waiting list'), ('waiting_expired', 'Waiting entry expired'), ('refund_requested', 'Refund requested'), ('payment_taken', 'Payment taken'), ('fee_waived', 'Fee waived'), ('refund_approved', 'Refund approved'), ('refund_rejected', 'Refund rejected'), ('refund_paid', 'Refund paid')], max_length=24),
        ),
        migrations.AlterField(
            model_name='tokenevent',
            name='kind',
            field=models.CharField(choices=[('booked', 'Booked'), ('moved', 'Seated in a later slot'), ('bumped', 'Bumped to a later slot'), ('waitlisted', 'Put on the waiting list'), ('promoted', 'Promoted from the waiting list'), ('emergency_admitted', 'Emergency admitted'), ('overflow', 'Emergency overflow past capacity'), ('fast_tracked', 'Fast-tracked'), ('checked_in', 'Checked in'), ('called', 'Called in'), ('requeued', 'Requeued'), ('completed', 'Completed'), ('cancelled', 'Cancelled'), ('no_show', 'No-show'), ('rescheduled', 'Moved: doctor unavailable'), ('delay_moved', 'Moved: doctor delayed'), ('waiting_cancelled', 'Left the waiting list'), ('waiting_expired', 'Waiting entry expired'), ('refund_requested', 'Refund requested'), ('payment_taken', 'Payment taken'), ('fee_waived', 'Fee waived'), ('refund_approved', 'Refund approved'), ('refund_rejected', 'Refund rejected'), ('refund_paid', 'Refund paid')], max_length=24),
        ),
        migrations.AddConstraint(
            model_name='token',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('payment_state', 'waived'), _negated=True), ('fee_waived_at__isnull', False), _connector='OR'), name='token_waiver_recorded'),
        ),
        migrations.AddField(
            model_name='payment',
            name='taken_by',
            field=models.ForeignKey(blank=True, help_text='The desk user who took it; empty for a payment made online.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='payment',
            name='token',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='payment', to='scheduling.token'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['taken_at', 'taken_by'], name='scheduling__taken_a_57cf05_idx'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_amount_positive'),
        ),
        migrations.RunPython(assume_refunded_fees_were_paid, migrations.RunPython.noop),
    ]

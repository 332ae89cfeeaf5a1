"""How waiting-list entries and the live queue look in the API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import PatientRefSerializer
from doctors.api.serializers import DoctorRefSerializer
from queueing.models import WaitingEntry
from queueing.selectors import position_of
from scheduling.api.serializers import SlotRefSerializer
from scheduling.models import TokenStatus


class WaitingEntrySerializer(serializers.ModelSerializer):
    """A waiting-list entry with its live position (1 = next to be seated)."""

    doctor = DoctorRefSerializer(source="doctor_day.doctor", read_only=True)
    date = serializers.DateField(source="doctor_day.date", read_only=True)
    patient = PatientRefSerializer(read_only=True)
    position = serializers.SerializerMethodField(help_text="None once the entry is closed.")

    class Meta:
        model = WaitingEntry
        ref_name = "WaitingEntry"
        fields = [
            "id",
            "doctor",
            "date",
            "patient",
            "source",
            "priority",
            "status",
            "position",
            "reason",
            "requested_at",
            "expires_at",
            "allocated_token",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_position(self, entry):
        return position_of(entry)


class QueueItemSerializer(serializers.Serializer):
    """One place in the live serving order; no patient details."""

    number = serializers.CharField(source="token.display_number")
    status = serializers.ChoiceField(source="token.status", choices=TokenStatus.choices)
    slot = SlotRefSerializer(source="token.slot")
    position = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()
    estimated_time = serializers.DateTimeField()

    class Meta:
        ref_name = "QueueItem"

"""How slots, tokens, their histories, refunds and reports look in the API."""

from datetime import timedelta

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import PatientRefSerializer
from accounts.models import User
from doctors.api.serializers import DoctorRefSerializer
from opd_site import clock
from opd_site.api_base import ChoiceLabelField, represent
from opd_site.site import absolute_url
from scheduling.models import (
    CancelledBy,
    EventKind,
    PaymentMethod,
    PaymentState,
    Refund,
    Slot,
    Source,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from scheduling.selectors import position_of
from scheduling.services.outcomes import Outcome
from scheduling.services.payments import payment_summary

MAX_REPORT_DAYS = 366


class SlotRefSerializer(serializers.ModelSerializer):
    """A slot named inside another object."""

    class Meta:
        model = Slot
        ref_name = "SlotRef"
        fields = ["id", "start", "end"]
        read_only_fields = fields


class SlotAvailabilitySerializer(serializers.Serializer):
    """One slot with its seats: ``available`` for ordinary requests, ``emergency_free`` with
    the emergency reserve. Both are 0 once the slot has ended or is cancelled."""

    id = serializers.IntegerField(source="slot.id")
    start = serializers.DateTimeField(source="slot.start")
    end = serializers.DateTimeField(source="slot.end")
    capacity = serializers.IntegerField(help_text="Effective capacity (after any delay).")
    emergency_reserve = serializers.IntegerField(source="slot.emergency_reserve")
    walk_in_reserve = serializers.IntegerField(source="slot.walk_in_reserve")
    booked = serializers.IntegerField()
    available = serializers.IntegerField()
    emergency_free = serializers.IntegerField()
    status = serializers.ChoiceField(source="slot.status", choices=Slot.Status.choices)

    class Meta:
        ref_name = "SlotAvailability"


class SlotDetailSerializer(SlotAvailabilitySerializer):
    doctor = DoctorRefSerializer(source="slot.doctor_day.doctor")
    date = serializers.DateField(source="slot.doctor_day.date")

    class Meta:
        ref_name = "SlotDetail"


class ActorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        ref_name = "Actor"
        fields = ["id", "name", "role"]
        read_only_fields = fields


class TokenEventSerializer(serializers.ModelSerializer):
    """One change in a token's history: what, when, who, why, from and to which slot."""

    label = ChoiceLabelField(EventKind, source="kind")
    from_slot = SlotRefSerializer(allow_null=True, read_only=True)
    to_slot = SlotRefSerializer(allow_null=True, read_only=True)
    actor = ActorSerializer(allow_null=True, read_only=True)

    class Meta:
        model = TokenEvent
        ref_name = "TokenEvent"
        fields = ["id", "kind", "label", "at", "reason", "from_slot", "to_slot", "actor"]
        read_only_fields = fields


class TokenPaymentSerializer(serializers.Serializer):
    """Where the token's fee stands: ``owed`` is what the desk still has to take.

    ``method``, ``reference``, ``taken_by`` and ``taken_at`` are set once paid (``taken_by`` is
    null for a payment made online); ``waived_*`` once an administrator waived the fee.
    """

    state = serializers.ChoiceField(choices=PaymentState.choices)
    fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    paid = serializers.DecimalField(max_digits=8, decimal_places=2)
    owed = serializers.DecimalField(max_digits=8, decimal_places=2)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, allow_null=True)
    reference = serializers.CharField(allow_null=True)
    taken_by = ActorSerializer(allow_null=True)
    taken_at = serializers.DateTimeField(allow_null=True)
    waived_by = ActorSerializer(allow_null=True)
    waived_at = serializers.DateTimeField(allow_null=True)
    waiver_reason = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "TokenPayment"


class PaymentFieldMixin(serializers.Serializer):
    payment = serializers.SerializerMethodField(
        help_text="The fee and its payment: unpaid, paid, waived or refunded; what is owed."
    )

    @extend_schema_field(TokenPaymentSerializer)
    def get_payment(self, token) -> dict:
        return represent(TokenPaymentSerializer, payment_summary(token))


class TokenRefSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number", read_only=True)

    class Meta:
        model = Token
        ref_name = "TokenRef"
        fields = ["id", "reference", "number"]
        read_only_fields = fields


class TokenSerializer(PaymentFieldMixin, serializers.ModelSerializer):
    """A token as lists show it (no history, no estimate: cheap for long lists)."""

    number = serializers.CharField(
        source="display_number", read_only=True, help_text='Printed number, e.g. "CARD1-014".'
    )
    sequence = serializers.IntegerField(
        source="number", read_only=True, help_text="The number within the doctor-day."
    )
    patient = PatientRefSerializer(read_only=True)
    doctor = DoctorRefSerializer(source="doctor_day.doctor", read_only=True)
    slot = SlotRefSerializer(read_only=True)
    date = serializers.DateField(source="doctor_day.date", read_only=True)
    appointment_time = serializers.DateTimeField(
        source="slot.start", read_only=True, help_text="When the token's slot starts."
    )
    was_reallocated = serializers.SerializerMethodField(
        help_text="Seated or moved away from the slot first chosen (see original_slot)."
    )
    original_slot = SlotRefSerializer(allow_null=True, read_only=True)
    cancelled_by = serializers.ChoiceField(
        choices=CancelledBy.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty unless cancelled.",
    )

    class Meta:
        model = Token
        ref_name = "Token"
        fields = [
            "id",
            "reference",
            "number",
            "sequence",
            "patient",
            "doctor",
            "slot",
            "date",
            "source",
            "priority",
            "status",
            "appointment_time",
            "was_reallocated",
            "original_slot",
            "fee",
            "payment",
            "reason",
            "is_overflow",
            "booked_at",
            "checked_in_at",
            "called_at",
            "completed_at",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "slip_printed_at",
            "reprint_needed",
        ]
        read_only_fields = fields

    def get_was_reallocated(self, token) -> bool:
        return token.original_slot_id is not None


class TokenDetailSerializer(TokenSerializer):
    """One token with its place in the queue and its history.

    The view attaches ``queue_item`` (or None) and ``history_events`` from the selectors.
    """

    position = serializers.SerializerMethodField(help_text="Place in today's serving order.")
    estimated_wait_minutes = serializers.SerializerMethodField()
    estimated_time = serializers.SerializerMethodField()
    estimated_from = serializers.SerializerMethodField(
        help_text="The earliest the call is expected; null when not waiting."
    )
    estimated_to = serializers.SerializerMethodField(
        help_text="The latest the call is expected; null when not waiting."
    )
    history = TokenEventSerializer(source="history_events", many=True, read_only=True)

    class Meta(TokenSerializer.Meta):
        ref_name = "TokenDetail"
        fields = [
            *TokenSerializer.Meta.fields,
            "position",
            "estimated_wait_minutes",
            "estimated_time",
            "estimated_from",
            "estimated_to",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_position(self, token):
        return token.queue_item.position if token.queue_item else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_estimated_wait_minutes(self, token):
        return token.queue_item.estimated_wait_minutes if token.queue_item else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_time(self, token):
        if not token.queue_item:
            return None
        return serializers.DateTimeField().to_representation(token.queue_item.estimated_time)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_from(self, token):
        return _waiting_time(token.queue_item, "estimated_from")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_to(self, token):
        return _waiting_time(token.queue_item, "estimated_to")


def _waiting_time(item, name: str):
    """One end of a queued token's expected range, or None once it is not waiting."""
    if item is None or item.token.status == TokenStatus.IN_CONSULTATION:
        return None
    value = getattr(item, name)
    return serializers.DateTimeField().to_representation(value) if value else None


class BumpedTokenSerializer(serializers.ModelSerializer):
    """A token moved to a later slot to make room (no patient details)."""

    number = serializers.CharField(source="display_number", read_only=True)
    slot = SlotRefSerializer(read_only=True)

    class Meta:
        model = Token
        ref_name = "BumpedToken"
        fields = ["id", "number", "slot"]
        read_only_fields = fields


OUTCOMES = [
    (Outcome.DIRECT, "Seated in the requested slot"),
    (Outcome.BUMPED, "Seated after moving a lower-priority token"),
    (Outcome.MOVED, "Seated in a later slot"),
    (Outcome.WAITLISTED, "On the waiting list"),
    (Outcome.EMERGENCY, "Emergency seated"),
    (Outcome.RESERVE, "Emergency seated in the reserve"),
    (Outcome.OVERFLOW, "Emergency seated past capacity"),
]


class AllocationSerializer(serializers.Serializer):
    """What the engine did with the request, and why."""

    outcome = serializers.ChoiceField(choices=OUTCOMES)
    message = serializers.CharField()
    bumped = BumpedTokenSerializer(many=True)

    class Meta:
        ref_name = "Allocation"


class TokenCreatedSerializer(TokenDetailSerializer):
    allocation = AllocationSerializer(read_only=True)

    class Meta(TokenDetailSerializer.Meta):
        ref_name = "TokenCreated"
        fields = [*TokenDetailSerializer.Meta.fields, "allocation"]
        read_only_fields = fields


class TokenStatusSerializer(serializers.Serializer):
    """The public status of a printed slip: no patient details."""

    reference = serializers.CharField(source="token.reference")
    number = serializers.CharField(source="token.display_number")
    doctor = DoctorRefSerializer(source="token.doctor_day.doctor")
    date = serializers.DateField(source="token.doctor_day.date")
    slot = SlotRefSerializer(source="token.slot")
    status = serializers.ChoiceField(source="token.status", choices=TokenStatus.choices)
    position = serializers.IntegerField(allow_null=True)
    estimated_wait_minutes = serializers.IntegerField(allow_null=True)
    estimated_time = serializers.DateTimeField(allow_null=True, required=False)
    estimated_from = serializers.DateTimeField(allow_null=True, required=False)
    estimated_to = serializers.DateTimeField(allow_null=True, required=False)

    class Meta:
        ref_name = "TokenPublicStatus"


class CancellationCheckSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    refund_eligible = serializers.BooleanField()
    reason = serializers.CharField()

    class Meta:
        ref_name = "CancellationCheck"


class RefundSerializer(serializers.ModelSerializer):
    token = TokenRefSerializer(read_only=True)

    class Meta:
        model = Refund
        ref_name = "Refund"
        fields = [
            "id",
            "token",
            "amount",
            "status",
            "reason",
            "requested_at",
            "decided_at",
            "paid_at",
        ]
        read_only_fields = fields


class RefundRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        ref_name = "RefundRef"
        fields = ["id", "amount", "status"]
        read_only_fields = fields


class CancellationSerializer(PaymentFieldMixin, serializers.ModelSerializer):
    """A cancelled token, for the cancellation history."""

    number = serializers.CharField(source="display_number", read_only=True)
    patient = PatientRefSerializer(read_only=True)
    doctor = DoctorRefSerializer(source="doctor_day.doctor", read_only=True)
    date = serializers.DateField(source="doctor_day.date", read_only=True)
    slot = SlotRefSerializer(read_only=True)
    cancelled_by = serializers.ChoiceField(
        choices=CancelledBy.choices, allow_blank=True, read_only=True
    )
    reason = serializers.CharField(source="cancellation_reason", read_only=True)
    refund = serializers.SerializerMethodField()

    class Meta:
        model = Token
        ref_name = "Cancellation"
        fields = [
            "id",
            "reference",
            "number",
            "patient",
            "doctor",
            "date",
            "slot",
            "source",
            "fee",
            "payment",
            "cancelled_at",
            "cancelled_by",
            "reason",
            "refund",
        ]
        read_only_fields = fields

    @extend_schema_field(RefundRefSerializer(allow_null=True))
    def get_refund(self, token):
        refund = getattr(token, "refund", None)
        return RefundRefSerializer(refund).data if refund is not None else None


class WaitingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField(source="doctor_day.date")

    class Meta:
        ref_name = "WaitingRef"


class RehomedSerializer(serializers.Serializer):
    """What happened to one token when its slot closed: moved, or cancelled and waitlisted."""

    token = TokenRefSerializer()
    outcome = serializers.ChoiceField(
        choices=[("moved", "Moved to a later slot"), ("cancelled", "Cancelled by the hospital")]
    )
    to_slot = SlotRefSerializer(allow_null=True)
    waiting = WaitingRefSerializer(allow_null=True)

    class Meta:
        ref_name = "Rehomed"


# Query parameters.


class DateRangeQuerySerializer(serializers.Serializer):
    """``?date=`` for one day, or ``?from=&to=`` for a range (inclusive); today by default."""

    date = serializers.DateField(required=False)

    class Meta:
        ref_name = "DateRangeQuery"

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        if "date" in attrs and ("from" in attrs or "to" in attrs):
            raise serializers.ValidationError({"date": ["Give either date, or from and to."]})
        if "date" in attrs:
            return {"start": attrs["date"], "end": attrs["date"]}
        today = clock.today()
        start = attrs.get("from") or attrs.get("to") or today
        end = attrs.get("to") or max(start, today)
        if end < start:
            raise serializers.ValidationError({"to": ["Must be on or after from."]})
        if end - start > timedelta(days=MAX_REPORT_DAYS):
            raise serializers.ValidationError(
                {"to": [f"A report spans at most {MAX_REPORT_DAYS} days."]}
            )
        return {"start": start, "end": end}


# Reports (scheduling.stats).


def _counts_serializer(name: str, choices) -> type[serializers.Serializer]:
    fields = {value: serializers.IntegerField() for value, _ in choices}
    fields["Meta"] = type("Meta", (), {"ref_name": name})
    return type(name, (serializers.Serializer,), fields)


CountsBySource = _counts_serializer("CountsBySource", Source.choices)
CountsByStatus = _counts_serializer("CountsByTokenStatus", TokenStatus.choices)
CountsByCanceller = _counts_serializer("CountsByCanceller", CancelledBy.choices)


class TokenCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_source = CountsBySource()
    by_status = CountsByStatus()

    class Meta:
        ref_name = "TokenCounts"


class SlotUtilisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Slot.Status.choices)
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    completed = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    utilisation = serializers.FloatField(allow_null=True, help_text="booked / capacity")

    class Meta:
        ref_name = "SlotUtilisation"


class RangeReportSerializer(serializers.Serializer):
    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        fields["to"] = serializers.DateField()
        return fields


class DoctorStatsSerializer(RangeReportSerializer):
    doctor = serializers.IntegerField()
    tokens = TokenCountsSerializer()
    no_show_rate = serializers.FloatField(
        allow_null=True, help_text="No-shows / (completed + no-shows)."
    )
    average_wait_minutes = serializers.FloatField(
        allow_null=True, help_text="From check-in to being called."
    )
    average_consultation_minutes = serializers.FloatField(allow_null=True)
    slots = SlotUtilisationSerializer(many=True)

    class Meta:
        ref_name = "DoctorStats"


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    count = serializers.IntegerField()

    class Meta:
        ref_name = "ReasonCount"


class MoneySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "RefundFigures"


class RefundTotalsSerializer(serializers.Serializer):
    requested = MoneySerializer(help_text="Every refund requested in the range.")
    pending = MoneySerializer(help_text="Still awaiting a decision.")
    approved = MoneySerializer(help_text="Approved (paid ones included).")
    rejected = MoneySerializer()
    paid = MoneySerializer()

    class Meta:
        ref_name = "RefundTotals"


class CancellationStatsSerializer(RangeReportSerializer):
    doctor = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField()
    by_reason = ReasonCountSerializer(many=True)
    by_source = CountsBySource()
    by_cancelled_by = CountsByCanceller()
    refunds = RefundTotalsSerializer()

    class Meta:
        ref_name = "CancellationStats"


class EmergencyStatsSerializer(RangeReportSerializer):
    doctor = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField(help_text="Emergency tokens admitted.")
    overflows = serializers.IntegerField(help_text="Admitted past capacity and reserve.")
    fast_tracked = serializers.IntegerField(help_text="Existing tokens raised to emergency.")
    seen = serializers.IntegerField(help_text="Emergencies called in to the doctor.")
    average_minutes_to_consultation = serializers.FloatField(allow_null=True)
    longest_minutes_to_consultation = serializers.FloatField(allow_null=True)

    class Meta:
        ref_name = "EmergencyStats"


class WaitingEntrySerializer(serializers.ModelSerializer):
    """A waiting-list entry with its live position (1 = next to be seated)."""

    doctor = DoctorRefSerializer(source="doctor_day.doctor", read_only=True)
    date = serializers.DateField(source="doctor_day.date", read_only=True)
    patient = PatientRefSerializer(read_only=True)
    position = serializers.SerializerMethodField(help_text="None once the entry is closed.")
    status_url = serializers.SerializerMethodField(
        help_text="The entry's public status page (no sign-in), printed on the waiting slip."
    )

    class Meta:
        model = WaitingEntry
        ref_name = "WaitingEntry"
        fields = [
            "id",
            "reference",
            "status_url",
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

    @extend_schema_field(serializers.URLField())
    def get_status_url(self, entry) -> str:
        path = reverse("board:waiting_status", args=[entry.reference])
        return absolute_url(path, self.context.get("request"))


class QueueItemSerializer(serializers.Serializer):
    """One place in the live serving order; no patient details."""

    number = serializers.CharField(source="token.display_number")
    status = serializers.ChoiceField(source="token.status", choices=TokenStatus.choices)
    slot = SlotRefSerializer(source="token.slot")
    position = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()
    estimated_time = serializers.DateTimeField()
    estimated_from = serializers.SerializerMethodField(
        help_text="The earliest the call is expected; null once in consultation."
    )
    estimated_to = serializers.SerializerMethodField(
        help_text="The latest the call is expected; null once in consultation."
    )

    class Meta:
        ref_name = "QueueItem"

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_from(self, item):
        return _waiting_time(item, "estimated_from")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_to(self, item):
        return _waiting_time(item, "estimated_to")

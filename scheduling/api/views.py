"""Tokens, slots, cancellations, refunds and emergencies: thin views over the engine."""

import json
from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.api.permissions import (
    IsAdminRole,
    IsFrontDesk,
    MayBookTokens,
    is_doctor_user,
    is_front_desk,
    owns_patient_record,
    require,
)
from accounts.models import Patient
from doctors.models import Doctor
from opd_site.api_base import MAX_ID, ApiView, IdFilter, ListApi, ObjectIdField
from opd_site.api_errors import error_responses
from queueing.api.serializers import WaitingEntrySerializer
from queueing.selectors import queue_item_for, visible_waiting, with_positions
from scheduling.api.serializers import (
    AllocationSerializer,
    CancellationCheckSerializer,
    CancellationSerializer,
    CancellationStatsSerializer,
    DateRangeQuerySerializer,
    EmergencyStatsSerializer,
    RefundSerializer,
    RehomedSerializer,
    SlotDetailSerializer,
    TokenCreatedSerializer,
    TokenDetailSerializer,
    TokenSerializer,
    TokenStatusSerializer,
)
from scheduling.errors import AlreadyBooked
from scheduling.idempotency import (
    MAX_KEY_LENGTH,
    fingerprint,
    remember_answer,
    stored_answer,
)
from scheduling.models import CancelledBy, Refund, Slot, Source, Token, TokenStatus
from scheduling.selectors import current_slot, slot_availability, token_history, visible_tokens
from scheduling.services.allocation import Allocation, request_token
from scheduling.services.cancellation import (
    cancel_token,
    cancellation_check,
    request_refund,
    set_refund_status,
)
from scheduling.services.capacity import override_slot
from scheduling.services.emergency import admit_emergency, fast_track
from scheduling.services.lifecycle import change_status
from scheduling.services.unavailability import cancel_slot
from scheduling.stats import cancellation_stats, emergency_stats

TOKENS = "tokens"
SLOTS = "slots"
REPORTS = "cancellations and emergencies"
REFUNDS = "refunds"

DATE_RANGE_PARAMETERS = [
    OpenApiParameter("date", OpenApiTypes.DATE, description="One day (YYYY-MM-DD)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of a range."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of a range (inclusive)."),
]
DOCTOR_PARAMETER = OpenApiParameter("doctor", OpenApiTypes.INT, description="Doctor id.")
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (up to 100 printable ASCII characters). Repeating a request with "
        "the same key and body returns the first answer instead of booking twice; the same "
        "key with another body answers 409 `idempotency_key_reused`. Keys lapse after "
        f"{settings.OPD['IDEMPOTENCY_KEY_HOURS']} hours."
    ),
)


# Presenting tokens.


def describe_token(token: Token) -> dict:
    """A token with its history and its place in the queue.

    Reads ``token.slot``, ``token.original_slot``, ``token.patient`` and
    ``token.doctor_day.doctor`` with its user and department: load them with the token.
    """
    token.history_events = list(token_history(token))
    token.queue_item = queue_item_for(token)
    return TokenDetailSerializer(token).data


def token_detail(token: Token, user) -> dict:
    """A token as the viewer may see it, read afresh."""
    return describe_token(visible_tokens(user).get(pk=token.pk))


def find_visible_token(user, pk: int) -> Token:
    """A token the viewer may see, else 404 (another patient's token does not exist for you)."""
    return get_object_or_404(visible_tokens(user), pk=pk)


def allocation_answer(allocation: Allocation, user, *, doctor: Doctor) -> Response:
    """201 with the token, or 202 with the waiting entry; both say what the engine did.

    The token is shown as the engine just wrote it, without reading it back: whoever booked
    it may see it (a patient books only for themselves, the front desk for anyone). ``doctor``
    is the request's doctor, with the user and department the answer names.
    """
    outcome = AllocationSerializer(allocation).data
    if allocation.token is not None:
        token = allocation.token
        token.doctor_day.doctor = doctor
        return Response({**describe_token(token), "allocation": outcome}, status=201)
    entry = with_positions(visible_waiting(user)).get(pk=allocation.waiting.pk)
    return Response(
        {"waiting": WaitingEntrySerializer(entry).data, "allocation": outcome}, status=202
    )


@contextmanager
def showing_existing_booking(user):
    """A duplicate request's 409 carries the existing token or waiting entry in full."""
    try:
        yield
    except AlreadyBooked as refusal:
        details = refusal.details
        if "token" in details:
            token = visible_tokens(user).filter(pk=details["token"]).first()
            details["existing"] = TokenSerializer(token).data if token else None
        elif "waiting" in details:
            entry = with_positions(visible_waiting(user)).filter(pk=details["waiting"]).first()
            details["existing"] = WaitingEntrySerializer(entry).data if entry else None
        raise


def idempotent(request, run: Callable[[], Response]) -> Response:
    """Answer a repeated Idempotency-Key with the stored first answer; else run and store."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return run()
    if not (0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise serializers.ValidationError(
            {"Idempotency-Key": [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters."]}
        )
    request_hash = fingerprint(method=request.method, path=request.path, body=request.data)
    stored = stored_answer(user=request.user, key=key, request_hash=request_hash)
    if stored is not None:
        return Response(stored.body, status=stored.status, headers={"Idempotent-Replayed": "true"})
    response = run()
    if response.status_code in (status.HTTP_201_CREATED, status.HTTP_202_ACCEPTED):
        body = json.loads(JSONRenderer().render(response.data))
        remember_answer(
            user=request.user,
            key=key,
            request_hash=request_hash,
            status=response.status_code,
            body=body,
        )
    return response


class WaitlistedSerializer(serializers.Serializer):
    waiting = WaitingEntrySerializer()
    allocation = AllocationSerializer()

    class Meta:
        ref_name = "Waitlisted"


# Tokens.


class TokenFilter(filters.FilterSet):
    doctor = IdFilter(field_name="doctor_day__doctor_id", label="Doctor id")
    date = filters.DateFilter(field_name="doctor_day__date")
    status = filters.ChoiceFilter(choices=TokenStatus.choices)
    source = filters.ChoiceFilter(choices=Source.choices)
    slot = IdFilter(field_name="slot_id", label="Slot id")
    patient = IdFilter(field_name="patient_id", label="Patient id")

    class Meta:
        model = Token
        fields = ["doctor", "date", "status", "source", "slot", "patient"]


def patient_for_booking(user, patient: Patient | None) -> Patient:
    """Whose token it is: the front desk names the patient; a patient books for themselves."""
    if is_front_desk(user):
        if patient is None:
            raise serializers.ValidationError({"patient": ["Name the patient (their record id)."]})
        return patient
    own = Patient.objects.filter(user=user).first()
    require(own is not None, "No patient record is linked to this account.")
    require(patient is None or patient.pk == own.pk, "Patients book only for themselves.")
    return own


class TokenListApi(ListApi):
    """Patients see their own tokens, doctors their patients', the front desk all of them."""

    serializer_class = TokenSerializer
    filterset_class = TokenFilter
    throttle_scope = "tokens"

    class InputSerializer(serializers.Serializer):
        doctor = ObjectIdField(queryset=Doctor.objects.select_related("user", "department"))
        date = serializers.DateField()
        slot = ObjectIdField(
            queryset=Slot.objects.all(),
            required=False,
            allow_null=True,
            help_text="Preferred slot; by default the earliest that has not ended.",
        )
        source = serializers.ChoiceField(choices=Source.choices)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
        patient = ObjectIdField(
            queryset=Patient.objects.all(),
            required=False,
            allow_null=True,
            help_text="Patient record id: required for the front desk; patients may omit it.",
        )

        class Meta:
            ref_name = "TokenBooking"

    def get_queryset(self):
        return visible_tokens(self.request.user).order_by(
            "-doctor_day__date", "doctor_day_id", "number"
        )

    def get_permissions(self):
        if self.request.method == "POST":
            return [MayBookTokens()]
        return [IsAuthenticated()]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        tags=[TOKENS],
        summary="Tokens you may see",
        responses={200: TokenSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[TOKENS],
        summary="Request a token",
        description=(
            "Seats the patient by the allocation policy: the preferred slot, or by moving a "
            "lower-priority token, or in a later slot (201 with `allocation` saying which), or "
            "puts them on the waiting list (202). Patients book for themselves with sources "
            "online, priority or follow_up; the front desk books for any patient record and "
            "alone issues walk_in and emergency tokens. A second request for the same doctor "
            "and date answers 409 `already_booked` with the existing token or entry in details."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={
            201: TokenCreatedSerializer,
            202: OpenApiResponse(WaitlistedSerializer, description="No seat left: waitlisted."),
            **error_responses(400, 401, 403, 409, 415, 429, 503),
        },
        examples=[
            OpenApiExample(
                "Online booking",
                value={
                    "doctor": 1,
                    "date": "2026-03-02",
                    "source": "online",
                    "reason": "Chest pain",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Duplicate booking",
                value={
                    "error": {
                        "code": "already_booked",
                        "message": (
                            "The patient already holds a token or waiting entry for this "
                            "doctor and date."
                        ),
                        "details": {
                            "token": 42,
                            "reference": "k3m9q2x7p4ta",
                            "existing": {"id": 42, "number": "CARD1-014", "status": "booked"},
                        },
                    }
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        patient = patient_for_booking(user, data.get("patient"))
        source = data["source"]

        def book() -> Response:
            with showing_existing_booking(user):
                allocation = request_token(
                    doctor=data["doctor"],
                    day=data["date"],
                    source=source,
                    patient=patient,
                    preferred_slot=data.get("slot"),
                    reason=data.get("reason", ""),
                    actor=user,
                )
            return allocation_answer(allocation, user, doctor=data["doctor"])

        return idempotent(request, book)


class TokenDetailApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TOKENS],
        summary="One token with its history and estimated wait",
        responses={200: TokenDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(token_detail(find_visible_token(request.user, pk), request.user))


class TokenStatusChangeApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[
                (TokenStatus.CHECKED_IN, "Checked in (or requeued after a call)"),
                (TokenStatus.IN_CONSULTATION, "Called in"),
                (TokenStatus.COMPLETED, "Completed"),
                (TokenStatus.NO_SHOW, "No-show"),
            ]
        )

        class Meta:
            ref_name = "TokenStatusChange"

    @extend_schema(
        tags=[TOKENS],
        summary="Move a token through its day (front desk or its doctor)",
        description=(
            "booked → checked_in → in_consultation → completed; in_consultation → checked_in "
            "requeues; booked or in_consultation → no_show. Anything else is 409 "
            "`illegal_transition` naming the allowed ones."
        ),
        request=InputSerializer,
        responses={
            200: TokenDetailSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, 503),
        },
    )
    def post(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require(
            is_front_desk(request.user) or is_doctor_user(request.user, token.doctor_day.doctor),
            "Only the front desk or the token's doctor may change its status.",
        )
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = change_status(token=token, status=body.validated_data["status"], actor=request.user)
        return Response(token_detail(token, request.user))


def require_owner_or_staff(user, token: Token) -> None:
    require(
        is_front_desk(user) or owns_patient_record(user, token.patient),
        "Only the patient or the front desk may do this.",
    )


class TokenCancellationCheckApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TOKENS],
        summary="May this token be cancelled now, and would it be refunded?",
        responses={200: CancellationCheckSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require_owner_or_staff(request.user, token)
        check = cancellation_check(token=token, actor=request.user)
        return Response(CancellationCheckSerializer(check).data)


class TokenCancelApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "TokenCancel"

    @extend_schema(
        tags=[TOKENS],
        summary="Cancel a token",
        description=(
            "Frees the seat and, in the same transaction, promotes from the waiting list. "
            "Patients may cancel until the slot starts; the front desk until it is completed."
        ),
        request=InputSerializer,
        responses={
            200: TokenDetailSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, 503),
        },
    )
    def post(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require_owner_or_staff(request.user, token)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = cancel_token(
            token=token, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(token_detail(token, request.user))


class TokenRefundApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "RefundClaim"

    @extend_schema(
        tags=[TOKENS],
        summary="Request the refund of a cancelled paid token",
        description="409 `refund_not_eligible` unless the cancellation qualifies.",
        request=InputSerializer,
        responses={201: RefundSerializer, **error_responses(400, 401, 403, 404, 409, 415, 503)},
    )
    def post(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require_owner_or_staff(request.user, token)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = request_refund(
            token=token, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class TokenFastTrackApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "FastTrack"

    @extend_schema(
        tags=[TOKENS],
        summary="Raise a token to emergency priority (front desk)",
        request=InputSerializer,
        responses={
            200: TokenDetailSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, 503),
        },
    )
    def post(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require(is_front_desk(request.user), "Only the front desk may fast-track a token.")
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = fast_track(
            token=token, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(token_detail(token, request.user))


class TokenPublicStatusApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TOKENS],
        summary="Public status of a printed slip",
        auth=[],
        responses={200: TokenStatusSerializer, **error_responses(404)},
    )
    def get(self, request, reference: str):
        token = get_object_or_404(
            Token.objects.select_related(
                "slot", "doctor_day__doctor__user", "doctor_day__doctor__department"
            ),
            reference=reference,
        )
        item = queue_item_for(token)
        answer = {
            "token": token,
            "position": item.position if item else None,
            "estimated_wait_minutes": item.estimated_wait_minutes if item else None,
        }
        return Response(TokenStatusSerializer(answer).data)


# Slots.


def find_slot(pk: int) -> Slot:
    return get_object_or_404(
        Slot.objects.select_related("doctor_day__doctor__user", "doctor_day__doctor__department"),
        pk=pk,
    )


def slot_detail(slot: Slot) -> dict:
    availability = slot_availability(slot)
    availability.slot = slot
    return SlotDetailSerializer(availability).data


class SlotDetailApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[SLOTS],
        summary="Availability of one slot",
        auth=[],
        responses={200: SlotDetailSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return Response(slot_detail(find_slot(pk)))


class SlotTokensApi(ListApi):
    permission_classes = [IsAuthenticated]
    serializer_class = TokenSerializer
    filterset_class = TokenFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Token.objects.none()
        slot = find_slot(self.kwargs["pk"])
        user = self.request.user
        require(
            is_front_desk(user) or is_doctor_user(user, slot.doctor_day.doctor),
            "Only the front desk or the slot's doctor may list its tokens.",
        )
        return visible_tokens(user).filter(slot=slot).order_by("number")

    @extend_schema(
        tags=[SLOTS],
        summary="The slot's tokens (front desk or its doctor)",
        responses={200: TokenSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SlotCancelApi(ApiView):
    permission_classes = [IsFrontDesk]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "SlotCancel"

    class OutputSerializer(serializers.Serializer):
        slot = SlotDetailSerializer()
        rehomed = RehomedSerializer(many=True, help_text="What happened to each token.")

        class Meta:
            ref_name = "SlotCancelResult"

    @extend_schema(
        tags=[SLOTS],
        summary="The doctor cannot see this slot",
        description=(
            "Its tokens move, in priority order, to later slots of the day with room; those "
            "that do not fit are cancelled by the hospital (refund-eligible) and put on the "
            "doctor's next working day's waiting list."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 415, 503)},
    )
    def post(self, request, pk: int):
        slot = find_slot(pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rehomed = cancel_slot(
            slot=slot, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        answer = {
            "slot": slot_detail(find_slot(pk)),
            "rehomed": RehomedSerializer(rehomed, many=True).data,
        }
        return Response(answer)


class SlotOverrideApi(ApiView):
    permission_classes = [IsAdminRole]

    class InputSerializer(serializers.Serializer):
        capacity = serializers.IntegerField(min_value=0, max_value=500, required=False)
        emergency_reserve = serializers.IntegerField(min_value=0, max_value=500, required=False)
        walk_in_reserve = serializers.IntegerField(min_value=0, max_value=500, required=False)
        reason = serializers.CharField(max_length=300)

        class Meta:
            ref_name = "SlotOverride"

        def validate(self, attrs):
            if not {"capacity", "emergency_reserve", "walk_in_reserve"} & set(attrs):
                raise serializers.ValidationError(
                    {"capacity": ["Give a capacity, an emergency reserve or a walk-in reserve."]}
                )
            return attrs

    @extend_schema(
        tags=[SLOTS],
        summary="Change a slot's capacity or reserves (administrator)",
        description="An increase promotes from the waiting list at once.",
        request=InputSerializer,
        responses={200: SlotDetailSerializer, **error_responses(400, 401, 403, 404, 409, 415, 503)},
    )
    def post(self, request, pk: int):
        slot = find_slot(pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        override_slot(slot=slot, actor=request.user, **body.validated_data)
        return Response(slot_detail(find_slot(pk)))


# Cancellations and refunds.


CancellationFilter = type(
    "CancellationFilter",
    (filters.FilterSet,),
    {
        "doctor": IdFilter(field_name="doctor_day__doctor_id", label="Doctor id"),
        "from": filters.DateFilter(
            field_name="cancelled_at", lookup_expr="date__gte", label="Cancelled on or after"
        ),
        "to": filters.DateFilter(
            field_name="cancelled_at", lookup_expr="date__lte", label="Cancelled on or before"
        ),
        "reason": filters.CharFilter(
            field_name="cancellation_reason", lookup_expr="icontains", max_length=100
        ),
        "cancelled_by": filters.ChoiceFilter(choices=CancelledBy.choices),
        "source": filters.ChoiceFilter(choices=Source.choices),
        "Meta": type(
            "Meta",
            (),
            {
                "model": Token,
                "fields": ["doctor", "from", "to", "reason", "cancelled_by", "source"],
            },
        ),
    },
)


class CancellationListApi(ListApi):
    """The front desk sees every cancellation; patients their own, doctors their patients'."""

    permission_classes = [IsAuthenticated]
    serializer_class = CancellationSerializer
    filterset_class = CancellationFilter

    def get_queryset(self):
        return (
            visible_tokens(self.request.user)
            .filter(status=TokenStatus.CANCELLED)
            .select_related("refund")
            .order_by("-cancelled_at", "-id")
        )

    @extend_schema(
        tags=[REPORTS],
        summary="Cancellation history",
        responses={200: CancellationSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReportQuerySerializer(DateRangeQuerySerializer):
    doctor = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    class Meta:
        ref_name = "ReportQuery"

    def validate(self, attrs):
        doctor_id = attrs.pop("doctor", None)
        answer = super().validate(attrs)
        answer["doctor"] = None
        if doctor_id is not None:
            answer["doctor"] = Doctor.objects.filter(pk=doctor_id).first()
            if answer["doctor"] is None:
                raise serializers.ValidationError({"doctor": ["No such doctor."]})
        return answer


class CancellationStatsApi(ApiView):
    permission_classes = [IsFrontDesk]

    @extend_schema(
        tags=[REPORTS],
        summary="Cancellations by reason, source and canceller; refund totals",
        parameters=[*DATE_RANGE_PARAMETERS, DOCTOR_PARAMETER],
        responses={200: CancellationStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            CancellationStatsSerializer(cancellation_stats(**query.validated_data)).data
        )


def visible_refunds(user):
    refunds = Refund.objects.select_related("token__doctor_day__doctor").order_by(
        "-requested_at", "-id"
    )
    if is_front_desk(user):
        return refunds
    return refunds.filter(token__patient__user=user) if user.is_authenticated else refunds.none()


class RefundListApi(ListApi):
    permission_classes = [IsAuthenticated]
    serializer_class = RefundSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return visible_refunds(self.request.user)

    @extend_schema(
        tags=[REFUNDS],
        summary="Refund requests (yours; the front desk sees all)",
        responses={200: RefundSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RefundDetailApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[REFUNDS],
        summary="One refund request",
        responses={200: RefundSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(
            RefundSerializer(get_object_or_404(visible_refunds(request.user), pk=pk)).data
        )


class RefundStatusApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[
                (Refund.Status.APPROVED, "Approved"),
                (Refund.Status.REJECTED, "Rejected"),
                (Refund.Status.PAID, "Paid"),
            ]
        )

        class Meta:
            ref_name = "RefundStatusChange"

    @extend_schema(
        tags=[REFUNDS],
        summary="Approve, reject or mark a refund paid (front desk)",
        request=InputSerializer,
        responses={200: RefundSerializer, **error_responses(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request, pk: int):
        refund = get_object_or_404(visible_refunds(request.user), pk=pk)
        require(is_front_desk(request.user), "Only the front desk decides refunds.")
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = set_refund_status(
            refund=refund, status=body.validated_data["status"], actor=request.user
        )
        return Response(RefundSerializer(refund).data)


# Emergencies.


class EmergencyCreateApi(ApiView):
    permission_classes = [IsFrontDesk]
    throttle_scope = "tokens"

    class InputSerializer(serializers.Serializer):
        doctor = ObjectIdField(queryset=Doctor.objects.select_related("user", "department"))
        patient = ObjectIdField(queryset=Patient.objects.all())
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "EmergencyAdmission"

    @extend_schema(
        tags=[REPORTS],
        summary="Admit an emergency now (front desk)",
        description=(
            "Always admitted to the slot in progress (or the next): a free seat, the emergency "
            "reserve, by moving a lower-priority token, or past capacity as a recorded overflow."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={
            201: TokenCreatedSerializer,
            **error_responses(400, 401, 403, 409, 415, 429, 503),
        },
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def admit() -> Response:
            with showing_existing_booking(request.user):
                allocation = admit_emergency(
                    doctor=data["doctor"],
                    patient=data["patient"],
                    reason=data.get("reason", ""),
                    actor=request.user,
                )
            return allocation_answer(allocation, request.user, doctor=data["doctor"])

        return idempotent(request, admit)


class CurrentSlotQuerySerializer(serializers.Serializer):
    doctor = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    class Meta:
        ref_name = "CurrentSlotQuery"


class EmergencyCurrentSlotApi(ApiView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        doctor = serializers.IntegerField()
        slot = SlotDetailSerializer(allow_null=True, help_text="None when no slot is left today.")

        class Meta:
            ref_name = "CurrentSlot"

    @extend_schema(
        tags=[REPORTS],
        summary="The doctor's slot in progress now (else the next one today)",
        auth=[],
        parameters=[
            OpenApiParameter("doctor", OpenApiTypes.INT, required=True, description="Doctor id.")
        ],
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        query = CurrentSlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        doctor = get_object_or_404(Doctor, pk=query.validated_data["doctor"])
        slot = current_slot(doctor=doctor)
        detail = slot_detail(find_slot(slot.pk)) if slot is not None else None
        return Response({"doctor": doctor.pk, "slot": detail})


class EmergencyStatsApi(ApiView):
    permission_classes = [IsFrontDesk]

    @extend_schema(
        tags=[REPORTS],
        summary="Emergencies: count, overflows, minutes from request to consultation",
        parameters=[*DATE_RANGE_PARAMETERS, DOCTOR_PARAMETER],
        responses={200: EmergencyStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(EmergencyStatsSerializer(emergency_stats(**query.validated_data)).data)

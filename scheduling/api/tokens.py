"""Tokens: request (book), read, cancel, refund, fast-track, and the public status by reference."""

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import (
    MayBookTokens,
    is_front_desk,
    require,
)
from accounts.models import Patient
from doctors.models import Doctor
from opd_site import clock, conditional
from opd_site.api_base import ApiView, IdFilter, ListApi, ObjectIdField
from opd_site.api_errors import error_responses
from scheduling import readcache
from scheduling.api.answers import (
    TOKENS,
    WaitlistedSerializer,
    allocation_answer,
    find_visible_token,
    require_owner_or_staff,
    showing_existing_booking,
    token_detail,
)
from scheduling.api.idempotency import IDEMPOTENCY_PARAMETER, AnswerInTransaction, idempotent
from scheduling.api.serializers import (
    CancellationCheckSerializer,
    RefundSerializer,
    TokenCreatedSerializer,
    TokenDetailSerializer,
    TokenSerializer,
    TokenStatusSerializer,
)
from scheduling.models import PaymentMethod, Slot, Source, Token, TokenStatus
from scheduling.selectors import (
    QUEUED_STATUSES,
    booking_doctor,
    slip_token,
    visible_tokens,
)
from scheduling.services.cancellation import (
    cancel_token,
    cancellation_check,
    request_refund,
)
from scheduling.services.emergencies import fast_track
from scheduling.services.payments import PaymentIntent
from scheduling.services.requests import request_token


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
    own = getattr(user, "patient", None)  # read with the user (accounts.authentication)
    require(own is not None, "No patient record is linked to this account.")
    require(patient is None or patient.pk == own.pk, "Patients book only for themselves.")
    return own


class BookingPaymentSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Receipt number, UPI or card slip, or the online payment's id.",
    )

    class Meta:
        ref_name = "BookingPayment"


class TokenListApi(ListApi):
    """Patients see their own tokens, doctors their patients', the front desk all of them."""

    serializer_class = TokenSerializer
    filterset_class = TokenFilter
    throttle_scope = "tokens"

    class InputSerializer(serializers.Serializer):
        doctor = ObjectIdField(queryset=Doctor.objects.all(), read=booking_doctor)
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
        payment = BookingPaymentSerializer(
            required=False,
            allow_null=True,
            help_text=(
                "The fee paid with the booking, recorded in the same act. The front desk: any "
                "method. A patient: method online with the payment's reference, confirmed by the "
                "online payment provider (none is configured by default)."
            ),
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
            "and date answers 409 `already_booked` with the existing token or entry in details. "
            "Paid priority is sold, not self-assigned: a patient's own `priority` request answers "
            "402 `payment_required` (details.fee) unless it carries an online payment the "
            "provider confirms; with no provider configured, priority tokens are sold at the "
            "desk. The front desk may send `payment` to take the fee in the same act (a request "
            "that ends on the waiting list takes no payment). A patient blocked for no-shows "
            "books nothing for themselves (403 `patient_blocked`)."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={
            201: TokenCreatedSerializer,
            202: OpenApiResponse(WaitlistedSerializer, description="No seat left: waitlisted."),
            **error_responses(400, 401, 402, 403, 409, 415, 429, 503),
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
                "Paid priority at the desk",
                value={
                    "doctor": 1,
                    "date": "2026-03-02",
                    "source": "priority",
                    "patient": 7,
                    "payment": {"method": "upi", "reference": "UPI-20260302-8841"},
                },
                request_only=True,
            ),
            OpenApiExample(
                "Priority asked for by a patient",
                value={
                    "error": {
                        "code": "payment_required",
                        "message": (
                            "Priority tokens are sold at the OPD desk, where the fee of 500.00 "
                            "is taken; online payment is not available. Book an online token, "
                            "or come to the desk."
                        ),
                        "details": {"fee": "500.00"},
                    }
                },
                response_only=True,
                status_codes=["402"],
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
    @idempotent
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        patient = patient_for_booking(user, data.get("patient"))
        answer = AnswerInTransaction(
            request,
            lambda allocation: allocation_answer(
                allocation, user, doctor=data["doctor"], request=request
            ),
        )
        with showing_existing_booking(user, request):
            request_token(
                doctor=data["doctor"],
                day=data["date"],
                source=data["source"],
                patient=patient,
                preferred_slot=data.get("slot"),
                reason=data.get("reason", ""),
                actor=user,
                payment=PaymentIntent(**data["payment"]) if data.get("payment") else None,
                inside=answer,
            )
        return answer.response


class TokenDetailApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TOKENS],
        summary="One token with its history and estimated wait",
        responses={200: TokenDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(token_detail(find_visible_token(request.user, pk), request.user))


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
        token = slip_token(reference)
        if token is None:
            raise Http404
        # From the day's cached queue; the ETag is known before the answer is built.
        now = clock.now()
        item = None
        if token.status in QUEUED_STATUSES:
            queue = readcache.day_queues([token.doctor_day])[token.doctor_day_id]
            item = readcache.queue_item(token, queue, now=now)
        key = readcache.digest(
            "token-status",
            readcache.row(token),
            readcache.row(token.slot),
            readcache.row(token.doctor_day),
            readcache.row(token.doctor_day.doctor),
            readcache.row(token.doctor_day.doctor.user),
            readcache.row(token.doctor_day.doctor.department),
            (item.position, item.estimated_time, item.estimated_from, item.estimated_to)
            if item
            else None,
            item.estimated_wait_minutes if item else None,
        )
        etag = conditional.weak_etag(key)
        if conditional.holds(request, etag):
            return conditional.not_modified(etag, private=True)
        data = readcache.get(key)
        if data is None:
            data = self._answer(token, item)
            readcache.put(key, data)
        return conditional.mark(Response(data), etag, private=True)

    @staticmethod
    def _answer(token, item) -> dict:
        waiting = item is not None and token.status != TokenStatus.IN_CONSULTATION
        answer = {
            "token": token,
            "position": item.position if item else None,
            "estimated_wait_minutes": item.estimated_wait_minutes if item else None,
            "estimated_time": item.estimated_time if item else None,
            "estimated_from": item.estimated_from if waiting else None,
            "estimated_to": item.estimated_to if waiting else None,
        }
        return dict(TokenStatusSerializer(answer).data)

"""Refunds: who may see them, and their approval and payment (an administrator's act)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import (
    is_front_desk,
)
from opd_site.api_base import ApiView, ListApi
from opd_site.api_errors import error_responses
from scheduling.api.answers import REFUNDS
from scheduling.api.serializers import (
    RefundSerializer,
)
from scheduling.models import Refund
from scheduling.services.cancellation import (
    set_refund_status,
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
        note = serializers.CharField(
            max_length=200,
            required=False,
            allow_blank=True,
            help_text="Kept in the token's history with the decision.",
        )

        class Meta:
            ref_name = "RefundStatusChange"

    @extend_schema(
        tags=[REFUNDS],
        summary="Approve, reject or mark a refund paid (administrator)",
        description=(
            "An administrator's act, never that of the person who requested the refund: 403 "
            "`refund_needs_admin` for any other role, 403 `refund_own_request` for its "
            "requester. Only money paid is refunded: 409 `refund_not_eligible` when the token's "
            "payment is not there to give back. Marking it paid turns the token's payment "
            "`refunded`."
        ),
        request=InputSerializer,
        responses={200: RefundSerializer, **error_responses(400, 401, 403, 404, 409, 415, 503)},
    )
    def post(self, request, pk: int):
        refund = get_object_or_404(visible_refunds(request.user), pk=pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        refund = set_refund_status(
            refund=refund,
            status=body.validated_data["status"],
            actor=request.user,
            note=body.validated_data.get("note", ""),
        )
        return Response(RefundSerializer(refund).data)

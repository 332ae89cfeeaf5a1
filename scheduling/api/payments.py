"""Payments: the desk takes a token's fee, an administrator waives it, and the day's collection.

A payment is exactly what is owed (400 ``amount_not_owed`` otherwise, with ``details.owed``);
a token that owes nothing answers 409 ``nothing_owed``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import IsFrontDesk, require
from accounts.models import STAFF_ROLES, User
from accounts.roles import Act, may
from opd_site import clock
from opd_site.api_base import MAX_ID, ApiView
from opd_site.api_errors import error_responses
from scheduling.api.answers import find_visible_token
from scheduling.api.serializers import ActorSerializer, TokenPaymentSerializer
from scheduling.models import PaymentMethod
from scheduling.services.payments import (
    day_collection,
    payment_summary,
    take_payment,
    waive_fee,
)

PAYMENTS = "payments"


def payment_answer(token, *, status_code: int = 200) -> Response:
    return Response(TokenPaymentSerializer(payment_summary(token)).data, status=status_code)


class TokenPaymentApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(
            max_digits=8,
            decimal_places=2,
            min_value=0,
            help_text="Exactly what is owed (the token's `payment.owed`).",
        )
        method = serializers.ChoiceField(choices=PaymentMethod.choices)
        reference = serializers.CharField(
            max_length=100,
            required=False,
            allow_blank=True,
            help_text="Receipt number, UPI transaction id or card slip number.",
        )

        class Meta:
            ref_name = "PaymentTaken"

    @extend_schema(
        tags=[PAYMENTS],
        summary="Take the fee owed for a token (front desk)",
        description=(
            "Records the money for the token: exactly what is owed, in one payment. "
            "400 `amount_not_owed` (details.owed) if the amount differs; 409 `nothing_owed` "
            "when nothing is owed (already paid, waived or refunded, no fee, or the token was "
            "cancelled or a no-show). Answers the token's `payment`."
        ),
        request=InputSerializer,
        responses={
            201: TokenPaymentSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, 503),
        },
        examples=[
            OpenApiExample(
                "Cash at the counter",
                value={"amount": "500.00", "method": "cash", "reference": "R-2026-0142"},
                request_only=True,
            )
        ],
    )
    def post(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require(may(request.user, Act.TAKE_PAYMENT), "Only the front desk takes payments.")
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        token = take_payment(
            token=token,
            amount=data["amount"],
            method=data["method"],
            reference=data.get("reference", ""),
            actor=request.user,
        )
        return payment_answer(token, status_code=status.HTTP_201_CREATED)


class TokenWaiveApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, help_text="Why the fee is waived.")

        class Meta:
            ref_name = "FeeWaiver"

    @extend_schema(
        tags=[PAYMENTS],
        summary="Waive the fee owed for a token (administrator)",
        description="409 `nothing_owed` when nothing is owed. Answers the token's `payment`.",
        request=InputSerializer,
        responses={
            200: TokenPaymentSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, 503),
        },
    )
    def post(self, request, pk: int):
        token = find_visible_token(request.user, pk)
        require(may(request.user, Act.WAIVE_FEE), "Only an administrator may waive a fee.")
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = waive_fee(token=token, reason=body.validated_data["reason"], actor=request.user)
        return payment_answer(token)


class MoneyFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "MoneyFigures"


class MethodFiguresSerializer(MoneyFiguresSerializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)

    class Meta:
        ref_name = "MethodFigures"


class DeskCollectionSerializer(serializers.Serializer):
    user = ActorSerializer(allow_null=True, help_text="Null: payments made online.")
    methods = MethodFiguresSerializer(many=True, help_text="Every method, zero or not.")
    taken = MoneyFiguresSerializer()
    refunds_paid = MoneyFiguresSerializer()
    net = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Taken less refunds paid."
    )

    class Meta:
        ref_name = "DeskCollection"


class CollectionSerializer(serializers.Serializer):
    date = serializers.DateField()
    taken_by = ActorSerializer(
        allow_null=True, help_text="Whose collection this is; null: every desk user's."
    )
    desks = DeskCollectionSerializer(many=True)
    methods = MethodFiguresSerializer(many=True)
    taken = MoneyFiguresSerializer()
    refunds_paid = MoneyFiguresSerializer()
    net = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "Collection"


def _by_method(methods: dict) -> list[dict]:
    return [
        {"method": method, "count": money.count, "amount": money.amount}
        for method, money in methods.items()
    ]


def _figures(totals) -> dict:
    """A desk's or the day's figures, as the serializers read them."""
    return {
        "methods": _by_method(totals.methods),
        "taken": totals.taken,
        "refunds_paid": totals.refunds_paid,
        "net": totals.net,
    }


class CollectionQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    taken_by = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    class Meta:
        ref_name = "CollectionQuery"

    def validate_taken_by(self, value: int) -> User:
        user = User.objects.filter(pk=value, role__in=STAFF_ROLES).first()
        if user is None:
            raise serializers.ValidationError("No such desk user.")
        return user


class CollectionApi(ApiView):
    permission_classes = [IsFrontDesk]

    @extend_schema(
        tags=[PAYMENTS],
        summary="The day's collection: per desk user and method, refunds paid, net",
        description=(
            "For the cashier's reconciliation. Receptionists see their own collection (403 "
            "for another's `taken_by`); administrators every desk user's, or one's with "
            "`taken_by`. Payments made online have no desk user (`user` null)."
        ),
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="The day (default today)."),
            OpenApiParameter("taken_by", OpenApiTypes.INT, description="A desk user's id."),
        ],
        responses={200: CollectionSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = CollectionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        collection = day_collection(
            day=query.validated_data.get("date") or clock.today(),
            viewer=request.user,
            taken_by=query.validated_data.get("taken_by"),
        )
        answer = {
            "date": collection.day,
            "taken_by": collection.taken_by,
            "desks": [{"user": desk.user, **_figures(desk)} for desk in collection.desks],
            **_figures(collection),
        }
        return Response(CollectionSerializer(answer).data)

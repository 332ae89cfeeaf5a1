"""The HTTP floor: the cheapest booking POST this web stack can serve.

``POST /bench/floor-tokens`` (served only with ``bench.floor_settings``) goes through everything
the real ``POST /api/v1/tokens`` goes through before and after the engine: gunicorn, the
middleware, DRF with the same authentication (SimpleJWT), permission and throttle classes as
``TokenListApi``, a validated JSON body, the requesting patient's record. In place of the
engine it runs the ORM floor transaction (``bench.ormbase.allocate``), and it answers with a
small JSON body instead of the token's full detail. No engine written on this stack serves a
booking for less.

``GET /bench/floor-read`` is the read floor: the cheapest public JSON read the same stack
serves. gunicorn, the middleware and DRF with the public token-status's authentication,
permission, throttle and renderer classes, one cache read, a small JSON answer; no statement.
No read endpoint of the site, cached or not, is served for less.
"""

from django.core.cache import cache
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.api.permissions import MayBookTokens
from bench.ormbase import allocate
from opd_site.api_base import MAX_ID, ApiView
from scheduling.api.tokens import TokenListApi, TokenPublicStatusApi, patient_for_booking
from scheduling.models import DoctorDay, Source


class FloorBookingSerializer(serializers.Serializer):
    """The real booking body's required fields. The doctor is checked by the doctor-day lookup
    of the transaction (one statement fewer than loading the doctor first)."""

    doctor = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    date = serializers.DateField()
    source = serializers.ChoiceField(choices=[Source.ONLINE])


class FloorTokenApi(ApiView):
    # The real booking view's authentication, permission (for POST) and throttle.
    authentication_classes = TokenListApi.authentication_classes
    permission_classes = [MayBookTokens]
    throttle_classes = TokenListApi.throttle_classes
    throttle_scope = TokenListApi.throttle_scope
    parser_classes = TokenListApi.parser_classes
    renderer_classes = TokenListApi.renderer_classes

    def post(self, request):
        body = FloorBookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        patient = patient_for_booking(request.user, None)
        try:
            token = allocate(
                doctor_id=data["doctor"],
                day=data["date"],
                patient_id=patient.pk,
                actor=request.user,
            )
        except DoctorDay.DoesNotExist:
            raise NotFound("That doctor has no schedule on that date.") from None
        return Response(
            {
                "id": token.pk,
                "reference": token.reference,
                "number": token.number,
                "status": token.status,
            },
            status=201,
        )


class FloorReadApi(ApiView):
    """One cache read and a four-field answer, as a cached token-status at best could be."""

    authentication_classes = TokenPublicStatusApi.authentication_classes
    permission_classes = TokenPublicStatusApi.permission_classes
    throttle_classes = TokenPublicStatusApi.throttle_classes
    renderer_classes = TokenPublicStatusApi.renderer_classes

    def get(self, request):
        return Response(
            cache.get("opd:bench:floor-read")
            or {
                "number": 7,
                "status": "checked_in",
                "position": 3,
                "estimated_wait_minutes": 12,
            }
        )

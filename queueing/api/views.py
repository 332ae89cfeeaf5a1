"""Serving through the API: a token's status along the serving path, a doctor's live queue, call
next.
"""

from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import (
    is_doctor_user,
    is_front_desk,
    require,
)
from doctors.api.views import DOCTORS, find_doctor, require_staff_or_the_doctor
from opd_site import clock, conditional
from opd_site.api_base import ApiView, ListApi
from opd_site.api_errors import error_responses
from queueing.services import call_next, change_status
from scheduling import readcache
from scheduling.api.answers import TOKENS, find_visible_token, token_detail
from scheduling.api.serializers import (
    QueueItemSerializer,
    TokenDetailSerializer,
)
from scheduling.models import TokenStatus
from scheduling.selectors import todays_day_with_doctor


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


class DoctorQueueApi(ListApi):
    """Today's serving order, as a waiting-room display shows it."""

    permission_classes = [AllowAny]
    serializer_class = QueueItemSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        return self.items

    @extend_schema(
        tags=[DOCTORS],
        summary="The live serving order for today (no patient names)",
        auth=[],
        responses={200: QueueItemSerializer(many=True), **error_responses(404)},
    )
    def get(self, request, *args, **kwargs):
        """From the day's cached queue (``scheduling.readcache``); the ETag is known before the
        answer is built, and a poller that holds it gets 304."""
        # Today's day with its doctor, in one hand-written query (every poll runs it); the
        # doctor alone only when there is none.
        doctor_day = todays_day_with_doctor(self.kwargs["pk"])
        self.items, queue, now = [], None, clock.now()
        if doctor_day is None:
            doctor = find_doctor(self.kwargs["pk"])
        else:
            doctor = doctor_day.doctor
            queue = readcache.day_queues([doctor_day])[doctor_day.id]
        key = readcache.digest(
            "queue",
            request.get_full_path(),
            request.get_host(),
            readcache.row(doctor),
            readcache.row(doctor_day),
            queue.digest if queue else None,
            [place.wait_minutes(now) for place in queue.places] if queue else None,
        )
        etag = conditional.weak_etag(key)
        if conditional.holds(request, etag):
            return conditional.not_modified(etag, private=False)
        data = readcache.get(key)
        if data is None:
            if queue is not None:
                self.items = readcache.queue_items(queue, doctor_day=doctor_day, now=now)
            data = super().get(request, *args, **kwargs).data
            readcache.put(key, data)
        return conditional.mark(Response(data), etag, private=False)


class DoctorCallNextApi(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[DOCTORS],
        summary="Call the next checked-in patient in serving order",
        request=None,
        responses={200: TokenDetailSerializer, **error_responses(401, 403, 404, 409, 503)},
    )
    def post(self, request, pk: int):
        doctor = find_doctor(pk)
        require_staff_or_the_doctor(request.user, doctor)
        token = call_next(doctor=doctor, actor=request.user)
        return Response(token_detail(token, request.user))

"""Reports: a doctor's days, cancellations and refunds, emergencies. Computed in queries.

Each selector takes a date range (inclusive) and answers with plain dicts whose keys are fixed,
so a report over an empty range has the same shape as a busy one: counts are zero and
averages ``None``.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, Sum

from doctors.models import Doctor
from scheduling.models import (
    ACTIVE_STATUSES,
    CancelledBy,
    EventKind,
    Refund,
    Slot,
    Source,
    Token,
    TokenEvent,
    TokenStatus,
)

TOP_REASONS = 20


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


def _between(start: str, end: str) -> DurationField:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _counts(queryset, field: str, choices) -> dict[str, int]:
    """Rows per value of ``field``, with every choice present (zero when absent)."""
    found = dict(queryset.order_by().values_list(field).annotate(n=Count("id")))
    return {value: found.get(value, 0) for value, _ in choices}


def _tokens_on(start: date, end: date, doctor: Doctor | None):
    tokens = Token.objects.filter(doctor_day__date__gte=start, doctor_day__date__lte=end)
    return tokens.filter(doctor_day__doctor=doctor) if doctor is not None else tokens


def doctor_stats(*, doctor: Doctor, start: date, end: date) -> dict:
    """Tokens by source and status, utilisation per slot, no-show rate, waits and consultations."""
    tokens = _tokens_on(start, end, doctor)
    totals = tokens.aggregate(
        total=Count("id"),
        completed=Count("id", filter=Q(status=TokenStatus.COMPLETED)),
        no_shows=Count("id", filter=Q(status=TokenStatus.NO_SHOW)),
        wait=Avg(
            _between("checked_in_at", "called_at"),
            filter=Q(checked_in_at__isnull=False, called_at__isnull=False),
        ),
        consultation=Avg(
            _between("called_at", "completed_at"),
            filter=Q(called_at__isnull=False, completed_at__isnull=False),
        ),
    )
    decided = totals["completed"] + totals["no_shows"]
    slots = (
        Slot.objects.filter(
            doctor_day__doctor=doctor, doctor_day__date__gte=start, doctor_day__date__lte=end
        )
        .annotate(
            booked=Count("tokens", filter=Q(tokens__status__in=ACTIVE_STATUSES)),
            completed=Count("tokens", filter=Q(tokens__status=TokenStatus.COMPLETED)),
            no_shows=Count("tokens", filter=Q(tokens__status=TokenStatus.NO_SHOW)),
        )
        .order_by("start")
        .values("id", "start", "end", "status", "capacity", "booked", "completed", "no_shows")
    )
    return {
        "doctor": doctor.id,
        "from": start,
        "to": end,
        "tokens": {
            "total": totals["total"],
            "by_source": _counts(tokens, "source", Source.choices),
            "by_status": _counts(tokens, "status", TokenStatus.choices),
        },
        "no_show_rate": round(totals["no_shows"] / decided, 3) if decided else None,
        "average_wait_minutes": _minutes(totals["wait"]),
        "average_consultation_minutes": _minutes(totals["consultation"]),
        "slots": [
            {
                **row,
                "utilisation": round(row["booked"] / row["capacity"], 3)
                if row["capacity"]
                else None,
            }
            for row in slots
        ],
    }


def _money(rows, status_filter: Q | None = None) -> dict:
    picked = rows.filter(status_filter) if status_filter is not None else rows
    figures = picked.aggregate(count=Count("id"), amount=Sum("amount"))
    return {"count": figures["count"], "amount": figures["amount"] or Decimal("0.00")}


def cancellation_stats(*, start: date, end: date, doctor: Doctor | None = None) -> dict:
    """Cancellations by reason, source and who cancelled; refunds requested, approved, paid."""
    cancelled = Token.objects.filter(
        status=TokenStatus.CANCELLED, cancelled_at__date__gte=start, cancelled_at__date__lte=end
    )
    refunds = Refund.objects.filter(requested_at__date__gte=start, requested_at__date__lte=end)
    if doctor is not None:
        cancelled = cancelled.filter(doctor_day__doctor=doctor)
        refunds = refunds.filter(token__doctor_day__doctor=doctor)
    by_reason = (
        cancelled.order_by()
        .values("cancellation_reason")
        .annotate(count=Count("id"))
        .order_by("-count", "cancellation_reason")[:TOP_REASONS]
    )
    return {
        "doctor": doctor.id if doctor is not None else None,
        "from": start,
        "to": end,
        "total": cancelled.count(),
        "by_reason": [
            {"reason": row["cancellation_reason"], "count": row["count"]} for row in by_reason
        ],
        "by_source": _counts(cancelled, "source", Source.choices),
        "by_cancelled_by": _counts(cancelled, "cancelled_by", CancelledBy.choices),
        "refunds": {
            "requested": _money(refunds),
            "pending": _money(refunds, Q(status=Refund.Status.REQUESTED)),
            "approved": _money(refunds, Q(status__in=(Refund.Status.APPROVED, Refund.Status.PAID))),
            "rejected": _money(refunds, Q(status=Refund.Status.REJECTED)),
            "paid": _money(refunds, Q(status=Refund.Status.PAID)),
        },
    }


def emergency_stats(*, start: date, end: date, doctor: Doctor | None = None) -> dict:
    """Emergencies admitted, overflows past capacity, fast-tracks, minutes until consultation."""
    emergencies = _tokens_on(start, end, doctor).filter(source=Source.EMERGENCY)
    figures = emergencies.aggregate(
        count=Count("id"),
        overflows=Count("id", filter=Q(is_overflow=True)),
        seen=Count("id", filter=Q(called_at__isnull=False)),
        average=Avg(_between("requested_at", "called_at"), filter=Q(called_at__isnull=False)),
        longest=Max(_between("requested_at", "called_at"), filter=Q(called_at__isnull=False)),
    )
    fast_tracks = TokenEvent.objects.filter(
        kind=EventKind.FAST_TRACKED, doctor_day__date__gte=start, doctor_day__date__lte=end
    )
    if doctor is not None:
        fast_tracks = fast_tracks.filter(doctor_day__doctor=doctor)
    return {
        "doctor": doctor.id if doctor is not None else None,
        "from": start,
        "to": end,
        "count": figures["count"],
        "overflows": figures["overflows"],
        "fast_tracked": fast_tracks.values("token").distinct().count(),
        "seen": figures["seen"],
        "average_minutes_to_consultation": _minutes(figures["average"]),
        "longest_minutes_to_consultation": _minutes(figures["longest"]),
    }

"""Allocation's endpoints: tokens, slots, the waiting list, a doctor's days, payments, refunds,
reports."""

from django.urls import path, re_path

from scheduling.api import (
    doctors,
    emergencies,
    patients,
    payments,
    refunds,
    reports,
    slots,
    tokens,
    waiting,
)

urlpatterns = [
    path("tokens", tokens.TokenListApi.as_view(), name="api-tokens"),
    path("patients/<id:pk>/merge", patients.PatientMergeApi.as_view(), name="api-patient-merge"),
    path("tokens/<id:pk>", tokens.TokenDetailApi.as_view(), name="api-token"),
    path(
        "tokens/<id:pk>/cancellation",
        tokens.TokenCancellationCheckApi.as_view(),
        name="api-token-cancellation",
    ),
    path("tokens/<id:pk>/cancel", tokens.TokenCancelApi.as_view(), name="api-token-cancel"),
    path("tokens/<id:pk>/refund", tokens.TokenRefundApi.as_view(), name="api-token-refund"),
    path(
        "tokens/<id:pk>/fast-track", tokens.TokenFastTrackApi.as_view(), name="api-token-fast-track"
    ),
    path("tokens/<id:pk>/payments", payments.TokenPaymentApi.as_view(), name="api-token-payments"),
    path("tokens/<id:pk>/waive", payments.TokenWaiveApi.as_view(), name="api-token-waive"),
    path("payments/collection", payments.CollectionApi.as_view(), name="api-payment-collection"),
    re_path(
        r"^token-status/(?P<reference>[a-z0-9]{1,16})$",
        tokens.TokenPublicStatusApi.as_view(),
        name="api-token-public-status",
    ),
    path("slots/<id:pk>", slots.SlotDetailApi.as_view(), name="api-slot"),
    path("slots/<id:pk>/tokens", slots.SlotTokensApi.as_view(), name="api-slot-tokens"),
    path("slots/<id:pk>/cancel", slots.SlotCancelApi.as_view(), name="api-slot-cancel"),
    path("slots/<id:pk>/override", slots.SlotOverrideApi.as_view(), name="api-slot-override"),
    path("cancellations", reports.CancellationListApi.as_view(), name="api-cancellations"),
    path(
        "cancellations/stats", reports.CancellationStatsApi.as_view(), name="api-cancellation-stats"
    ),
    path("refunds", refunds.RefundListApi.as_view(), name="api-refunds"),
    path("refunds/<id:pk>", refunds.RefundDetailApi.as_view(), name="api-refund"),
    path("refunds/<id:pk>/status", refunds.RefundStatusApi.as_view(), name="api-refund-status"),
    path("waiting", waiting.WaitingListApi.as_view(), name="api-waiting"),
    path("waiting/<id:pk>", waiting.WaitingDetailApi.as_view(), name="api-waiting-entry"),
    path("waiting/<id:pk>/cancel", waiting.WaitingCancelApi.as_view(), name="api-waiting-cancel"),
    path(
        "doctors/<id:pk>/availability",
        doctors.DoctorAvailabilityApi.as_view(),
        name="api-doctor-availability",
    ),
    path("doctors/<id:pk>/slots", doctors.DoctorSlotsApi.as_view(), name="api-doctor-slots"),
    path("doctors/<id:pk>/stats", doctors.DoctorStatsApi.as_view(), name="api-doctor-stats"),
    path("doctors/<id:pk>/delay", doctors.DoctorDelayApi.as_view(), name="api-doctor-delay"),
    path("emergencies", emergencies.EmergencyCreateApi.as_view(), name="api-emergencies"),
    path(
        "emergencies/current-slot",
        emergencies.EmergencyCurrentSlotApi.as_view(),
        name="api-emergency-current-slot",
    ),
    path("emergencies/stats", reports.EmergencyStatsApi.as_view(), name="api-emergency-stats"),
]

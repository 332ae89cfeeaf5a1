from django.urls import path, re_path

from scheduling.api import views

urlpatterns = [
    path("tokens", views.TokenListApi.as_view(), name="api-tokens"),
    path("tokens/<id:pk>", views.TokenDetailApi.as_view(), name="api-token"),
    path(
        "tokens/<id:pk>/status",
        views.TokenStatusChangeApi.as_view(),
        name="api-token-status-change",
    ),
    path(
        "tokens/<id:pk>/cancellation",
        views.TokenCancellationCheckApi.as_view(),
        name="api-token-cancellation",
    ),
    path("tokens/<id:pk>/cancel", views.TokenCancelApi.as_view(), name="api-token-cancel"),
    path("tokens/<id:pk>/refund", views.TokenRefundApi.as_view(), name="api-token-refund"),
    path(
        "tokens/<id:pk>/fast-track", views.TokenFastTrackApi.as_view(), name="api-token-fast-track"
    ),
    re_path(
        r"^token-status/(?P<reference>[a-z0-9]{1,16})$",
        views.TokenPublicStatusApi.as_view(),
        name="api-token-public-status",
    ),
    path("slots/<id:pk>", views.SlotDetailApi.as_view(), name="api-slot"),
    path("slots/<id:pk>/tokens", views.SlotTokensApi.as_view(), name="api-slot-tokens"),
    path("slots/<id:pk>/cancel", views.SlotCancelApi.as_view(), name="api-slot-cancel"),
    path("slots/<id:pk>/override", views.SlotOverrideApi.as_view(), name="api-slot-override"),
    path("cancellations", views.CancellationListApi.as_view(), name="api-cancellations"),
    path(
        "cancellations/stats", views.CancellationStatsApi.as_view(), name="api-cancellation-stats"
    ),
    path("refunds", views.RefundListApi.as_view(), name="api-refunds"),
    path("refunds/<id:pk>", views.RefundDetailApi.as_view(), name="api-refund"),
    path("refunds/<id:pk>/status", views.RefundStatusApi.as_view(), name="api-refund-status"),
    path("emergencies", views.EmergencyCreateApi.as_view(), name="api-emergencies"),
    path(
        "emergencies/current-slot",
        views.EmergencyCurrentSlotApi.as_view(),
        name="api-emergency-current-slot",
    ),
    path("emergencies/stats", views.EmergencyStatsApi.as_view(), name="api-emergency-stats"),
]

"""Serving's endpoints: a token's status along the serving path, a doctor's queue, call next."""

from django.urls import path

from queueing.api import views

urlpatterns = [
    path(
        "tokens/<id:pk>/status",
        views.TokenStatusChangeApi.as_view(),
        name="api-token-status-change",
    ),
    path("doctors/<id:pk>/queue", views.DoctorQueueApi.as_view(), name="api-doctor-queue"),
    path(
        "doctors/<id:pk>/call-next", views.DoctorCallNextApi.as_view(), name="api-doctor-call-next"
    ),
]

"""Front-desk pages, mounted at ``/desk/``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from scheduling.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.desk_overview, name="overview"),
    path("login/", views.DeskLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", views.patient_search, name="patient_search"),
    path("patients/new/", views.patient_register, name="patient_register"),
    path("patients/<int:pk>/", views.patient_detail, name="patient"),
    path("patients/<int:pk>/issue/", views.issue_token, name="issue"),
    path("tokens/<slug:reference>/", views.token_detail, name="token"),
    path("tokens/<slug:reference>/slip/", views.token_slip, name="slip"),
    path("tokens/<slug:reference>/cancel/", views.token_cancel, name="token_cancel"),
    path("tokens/<slug:reference>/<slug:action>/", views.token_action, name="token_action"),
    path("doctor/", views.doctor_console, name="console"),
    path("doctor/queue/", views.doctor_console_queue, name="console_queue"),
    path("doctor/call-next/", views.console_call_next, name="console_call_next"),
    path(
        "doctor/tokens/<slug:reference>/<slug:action>/",
        views.console_token_action,
        name="console_action",
    ),
]

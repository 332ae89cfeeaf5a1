"""Front-desk pages, mounted at ``/desk/``: allocation's (patients, issuing, cancelling, payments,
the day's collection) and serving's (overview, token page, slip, console) under one namespace."""

from django.contrib.auth import views as auth_views
from django.urls import path

from queueing.desk import day as doctor_day
from queueing.desk import views as serving
from queueing.desk import walk_in
from scheduling.desk import merging
from scheduling.desk import views as allocation

app_name = "desk"

urlpatterns = [
    path("", serving.desk_overview, name="overview"),
    path("home/", serving.home, name="home"),
    path("login/", allocation.DeskLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", allocation.patient_search, name="patient_search"),
    path("patients/new/", allocation.patient_register, name="patient_register"),
    path("patients/<int:pk>/", allocation.patient_detail, name="patient"),
    path("patients/<int:pk>/issue/", allocation.issue_token, name="issue"),
    path("patients/<int:pk>/issue/check-in/", walk_in.issue_and_check_in, name="issue_check_in"),
    path("patients/<int:pk>/merge/", merging.patient_merge, name="patient_merge"),
    path("tokens/<slug:reference>/", serving.token_detail, name="token"),
    path("tokens/<slug:reference>/slip/", serving.token_slip, name="slip"),
    path("tokens/<slug:reference>/slip/printed/", serving.slip_printed, name="slip_printed"),
    path("tokens/<slug:reference>/cancel/", allocation.token_cancel, name="token_cancel"),
    path("tokens/<slug:reference>/payment/", allocation.token_payment, name="token_payment"),
    path("tokens/<slug:reference>/waive/", allocation.token_waive, name="token_waive"),
    path("collection/", allocation.collection, name="collection"),
    path("tokens/<slug:reference>/<slug:action>/", serving.token_action, name="token_action"),
    path("day/<int:doctor_id>/", doctor_day.doctor_day, name="day"),
    path("day/<int:doctor_id>/<str:day>/", doctor_day.doctor_day, name="day"),
    path("day/<int:doctor_id>/<str:day>/rows/", doctor_day.doctor_day_rows, name="day_rows"),
    path(
        "day/tokens/<slug:reference>/<slug:action>/",
        doctor_day.day_token_action,
        name="day_token_action",
    ),
    path(
        "day/waiting/<slug:reference>/<slug:action>/",
        doctor_day.day_waiting_action,
        name="day_waiting_action",
    ),
    path("waiting/<slug:reference>/slip/", doctor_day.waiting_slip, name="waiting_slip"),
    path("doctor/", serving.doctor_console, name="console"),
    path("doctor/queue/", serving.doctor_console_queue, name="console_queue"),
    path("doctor/call-next/", serving.console_call_next, name="console_call_next"),
    path("doctor/running-late/", serving.console_running_late, name="console_running_late"),
    path(
        "doctor/tokens/<slug:reference>/<slug:action>/",
        serving.console_token_action,
        name="console_action",
    ),
]

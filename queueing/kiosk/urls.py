"""The self check-in kiosk, mounted at ``/kiosk/``: ``/kiosk/<department code>/``."""

from django.urls import path

from queueing.kiosk import views

app_name = "kiosk"

urlpatterns = [
    path("<slug:code>/", views.kiosk, name="kiosk"),
]

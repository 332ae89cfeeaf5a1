"""Public pages: ``/board/<department code>/`` and ``/status/<token reference>/``."""

from django.urls import path

from queueing.board import views

app_name = "board"

urlpatterns = [
    path("board/<slug:code>/", views.board, name="board"),
    path("board/<slug:code>/rows/", views.board_partial, name="board_rows"),
    path("status/w/<slug:reference>/", views.waiting_status, name="waiting_status"),
    path(
        "status/w/<slug:reference>/card/", views.waiting_status_partial, name="waiting_status_card"
    ),
    path("status/<slug:reference>/", views.token_status, name="status"),
    path("status/<slug:reference>/card/", views.token_status_partial, name="status_card"),
]

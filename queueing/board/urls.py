"""Public pages: ``/board/<department code>/`` and ``/status/<token reference>/``."""

from django.urls import path

from queueing.board import views

app_name = "board"

urlpatterns = [
    path("board/<slug:code>/", views.board, name="board"),
    path("board/<slug:code>/rows/", views.board_partial, name="board_rows"),
    path("status/<slug:reference>/", views.token_status, name="status"),
    path("status/<slug:reference>/card/", views.token_status_partial, name="status_card"),
]

from django.urls import path

from queueing.api import views

urlpatterns = [
    path("waiting", views.WaitingListApi.as_view(), name="api-waiting"),
    path("waiting/<id:pk>", views.WaitingDetailApi.as_view(), name="api-waiting-entry"),
    path("waiting/<id:pk>/cancel", views.WaitingCancelApi.as_view(), name="api-waiting-cancel"),
]

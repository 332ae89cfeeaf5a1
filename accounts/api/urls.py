from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register", views.RegisterApi.as_view(), name="api-register"),
    path("auth/login", views.LoginApi.as_view(), name="api-login"),
    path("auth/refresh", views.RefreshApi.as_view(), name="api-refresh"),
    path("auth/logout", views.LogoutApi.as_view(), name="api-logout"),
    path("auth/profile", views.ProfileApi.as_view(), name="api-profile"),
    path("auth/change-password", views.ChangePasswordApi.as_view(), name="api-change-password"),
    path("patients", views.PatientListApi.as_view(), name="api-patients"),
    path("patients/<id:pk>", views.PatientDetailApi.as_view(), name="api-patient"),
    path(
        "patients/<id:pk>/clear-block",
        views.PatientClearBlockApi.as_view(),
        name="api-patient-clear-block",
    ),
]

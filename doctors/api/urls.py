from django.urls import path

from doctors.api import views

urlpatterns = [
    path("departments", views.DepartmentListApi.as_view(), name="api-departments"),
    path("doctors", views.DoctorListApi.as_view(), name="api-doctors"),
    path("doctors/<id:pk>", views.DoctorDetailApi.as_view(), name="api-doctor"),
    path(
        "doctors/<id:pk>/availability",
        views.DoctorAvailabilityApi.as_view(),
        name="api-doctor-availability",
    ),
    path("doctors/<id:pk>/slots", views.DoctorSlotsApi.as_view(), name="api-doctor-slots"),
    path("doctors/<id:pk>/stats", views.DoctorStatsApi.as_view(), name="api-doctor-stats"),
    path("doctors/<id:pk>/queue", views.DoctorQueueApi.as_view(), name="api-doctor-queue"),
    path("doctors/<id:pk>/delay", views.DoctorDelayApi.as_view(), name="api-doctor-delay"),
    path(
        "doctors/<id:pk>/call-next", views.DoctorCallNextApi.as_view(), name="api-doctor-call-next"
    ),
]

"""Departments and doctors: the directory and a doctor's profile."""

from django.urls import path

from doctors.api import views

urlpatterns = [
    path("departments", views.DepartmentListApi.as_view(), name="api-departments"),
    path("doctors", views.DoctorListApi.as_view(), name="api-doctors"),
    path("doctors/<id:pk>", views.DoctorDetailApi.as_view(), name="api-doctor"),
]

from django.contrib import admin
from django.urls import path

from opd_site.health import healthz

admin.site.site_header = "OPD front desk"
admin.site.site_title = "OPD admin"
admin.site.index_title = "Outpatient department"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

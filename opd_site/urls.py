from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from opd_site.health import healthz
from opd_site.metrics import metrics_view
from opd_site.readiness import readyz

admin.site.site_header = "OPD front desk"
admin.site.site_title = "OPD admin"
admin.site.index_title = "Outpatient department"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="desk:overview"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("opd_site.api_urls")),
    path("desk/", include("queueing.desk.urls")),
    path("", include("queueing.board.urls")),
]

handler400 = "opd_site.api_errors.bad_request"
handler404 = "opd_site.api_errors.page_not_found"
handler500 = "opd_site.api_errors.server_error"

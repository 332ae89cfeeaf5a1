from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from opd_site.health import healthz
from opd_site.metrics import metrics_view
from opd_site.readiness import readyz

# One site for the front desk: the admin's header (the hospital's name) heads the desk's pages too.
admin.site.site_header = getattr(settings, "HOSPITAL_NAME", "") or "OPD"
admin.site.site_title = admin.site.site_header
admin.site.index_title = _("Outpatient department")

urlpatterns = [
    # Each person's start page: a doctor's console, the front desk's overview (desk:home).
    path("", RedirectView.as_view(pattern_name="desk:home"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    # POST language=hi|en-gb: the desk's language switch (a cookie read by LocaleMiddleware).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("opd_site.api_urls")),
    path("desk/", include("queueing.desk.urls")),
    path("kiosk/", include("queueing.kiosk.urls")),
    path("", include("queueing.board.urls")),
]

handler400 = "opd_site.api_errors.bad_request"
handler404 = "opd_site.api_errors.page_not_found"
handler500 = "opd_site.api_errors.server_error"

"""The REST API v1: every app's endpoints, the OpenAPI schema and its Swagger UI."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI comes from the app's own static files (drf-spectacular-sidecar) and its start-up
# script from this page's own "?script" URL, so the docs work on a network without internet and
# no script runs inline. The one inline thing left is the page template's small <style> block,
# allowed by its hash (drf-spectacular's swagger_ui.html; tests check the hash still matches).
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; "
    f"style-src 'self' {SWAGGER_UI_STYLE_HASH}; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SwaggerView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # Set here, so the site-wide policy (SecurityHeadersMiddleware's setdefault) stays off.
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("doctors.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("queueing.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

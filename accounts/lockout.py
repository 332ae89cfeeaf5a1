"""What a locked-out sign-in sees: the API's error shape, or a plain page for the admin."""

from django.http import HttpResponse, JsonResponse

from opd_site.errors import error_body

LOCKOUT_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes."


def lockout_response(request, credentials, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", LOCKOUT_MESSAGE), status=429)
    return HttpResponse(LOCKOUT_MESSAGE, status=429, content_type="text/plain; charset=utf-8")

"""Turn every API error, DRF's and the engine's, into the contract's error shape."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    return drf_exception_handler(exc, context)

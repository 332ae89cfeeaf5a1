"""What every API view shares: JSON only, page-number lists, scoped throttles, id fields."""

from django import forms
from django.urls import register_converter
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from opd_site.api_errors import StrictJSONParser

MAX_ID = 2**63 - 1


class IdConverter:
    """``<id:pk>``: at most 18 digits, so no id in a path overflows a 64-bit column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class ScopedThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, reading the rates when asked (so settings overrides apply)."""

    @property
    def THROTTLE_RATES(self):
        return api_settings.DEFAULT_THROTTLE_RATES


class Pagination(PageNumberPagination):
    """``?page=`` (and ``?page_size=`` up to 200): count, next, previous, results."""

    page_size_query_param = "page_size"
    max_page_size = 200


class JsonApi:
    # JSON in, JSON out, for every API view. (No docstring: the schema would show it as the
    # description of every view without its own.)

    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [ScopedThrottle]


class ApiView(JsonApi, APIView):
    # One operation: validate input, call one service or selector, present the result.
    pass


class ListApi(JsonApi, generics.ListAPIView):
    # A paginated, filterable list.

    pagination_class = Pagination


class ObjectIdField(serializers.PrimaryKeyRelatedField):
    """An integer id of an existing object; refuses booleans, floats and out-of-range numbers."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class IdFormField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """Filter by an integer id (``?doctor=3``)."""

    field_class = IdFormField

"""What every API view shares: JSON only, page-number lists, scoped throttles, id fields, and
answers built by serializers whose fields are built once."""

import functools

from django import forms
from django.db import models
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
    """DRF's scoped throttle, reading the rates when asked (so settings overrides apply), with
    a counter the cache increments atomically.

    DRF's own throttle reads a client's request history, decides, then writes the history back:
    requests arriving together on several workers or machines all read the same history and
    all pass. Here each request is one atomic increment (Redis INCR with a shared
    ``CACHE_URL``), so a rate is the rate for the whole site however many instances serve it.
    The window starts with a client's first request and lasts the rate's period.
    """

    @property
    def THROTTLE_RATES(self):
        return api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        if self.cache.add(self.key, 1, self.duration):
            self.cache.set(f"{self.key}:since", self.now, self.duration)
            return True
        try:
            count = self.cache.incr(self.key)
        except ValueError:  # the window ended between add and incr: this request opens the next
            self.cache.set(self.key, 1, self.duration)
            self.cache.set(f"{self.key}:since", self.now, self.duration)
            return True
        return count <= self.num_requests

    def wait(self):
        since = self.cache.get(f"{self.key}:since", self.now)
        return max(1.0, self.duration - (self.now - since))


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
    """An integer id of an existing object; refuses booleans, floats and out-of-range numbers.

    ``read``, if given, finds the object by its id (or answers None) in place of the queryset,
    which still says the field's model to the schema: for a hot path's own read.
    """

    def __init__(self, *, read=None, **kwargs):
        self.read = read
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if self.read is None:
            return super().to_internal_value(data)
        found = self.read(data)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found


class IdFormField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """Filter by an integer id (``?doctor=3``)."""

    field_class = IdFormField


class ChoiceLabelField(serializers.CharField):
    """A choice's label in the asker's language, as ``get_FOO_display`` gives it (the value
    itself when it is no choice), read-only; ``source`` names the field holding the value.

    ``get_FOO_display`` translates every label of the field to look one up (it makes the
    choices hashable first): for an event's thirty kinds, a twentieth of a booking's CPU."""

    def __init__(self, choices: type[models.Choices], **kwargs):
        self.choices = choices
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        try:
            return str(self.choices(value).label)
        except ValueError:
            return str(value)


@functools.cache
def _built(serializer_class: type[serializers.BaseSerializer]) -> serializers.BaseSerializer:
    serializer = serializer_class()
    serializer.fields  # noqa: B018 - built here, once per process
    return serializer


def represent(serializer_class: type[serializers.BaseSerializer], instance) -> dict:
    """``serializer_class(instance).data``, from a serializer whose fields were built once.

    Building a ``ModelSerializer``'s fields (and its nested serializers' fields) from the model
    cost more than filling them: about three quarters of a booking answer's serialization
    (``bench/README.md``). Only for output serializers that use no context (no request, no
    URL): the fields are shared by every call in the process, and filling them changes none.
    """
    return _built(serializer_class).to_representation(instance)

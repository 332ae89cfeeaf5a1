"""Merging two patient records of one person (allocation's act: it moves their tokens)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.permissions import allows
from accounts.api.serializers import PatientSerializer
from accounts.models import Patient
from accounts.roles import Act
from opd_site.api_base import MAX_ID, ApiView
from opd_site.api_errors import error_responses
from scheduling.services.patients import merge_patients


class PatientMergeApi(ApiView):
    permission_classes = [allows(Act.MERGE_PATIENTS)]

    class InputSerializer(serializers.Serializer):
        into = serializers.IntegerField(
            min_value=1, max_value=MAX_ID, help_text="The id of the record to keep."
        )

        class Meta:
            ref_name = "PatientMerge"

    @extend_schema(
        tags=["patients"],
        summary="Merge this patient record into another record of the same person",
        description=(
            "This record's tokens, waiting entries and notifications move to `into`, whose "
            "blank fields this record fills; this record stays, with `merged_into` set, and "
            "leaves searches and duplicate checks. Answers the kept record. 409 "
            "`merge_refused` when both records hold a token or waiting entry for the same "
            "doctor and day (`details.conflicts`), when either was already merged, or when both "
            "have a sign-in account, or when `into` is this record; 400 when `into` is "
            "unknown."
        ),
        request=InputSerializer,
        responses={200: PatientSerializer, **error_responses(400, 401, 403, 404, 409, 415)},
        examples=[OpenApiExample("Keep record 12", value={"into": 12}, request_only=True)],
    )
    def post(self, request, pk: int):
        duplicate = get_object_or_404(Patient, pk=pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        keep = Patient.objects.filter(pk=body.validated_data["into"]).first()
        if keep is None:
            raise serializers.ValidationError({"into": ["No patient record has this id."]})
        merged = merge_patients(keep=keep, duplicate=duplicate, actor=request.user)
        return Response(PatientSerializer(merged.kept).data)

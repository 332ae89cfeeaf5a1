"""Auth and patient records: thin views over ``accounts.services``."""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.api.permissions import IsFrontDesk
from accounts.api.serializers import (
    PatientInputSerializer,
    PatientSerializer,
    PhoneNumberField,
    SessionSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.lockout import LOCKOUT_MESSAGE
from accounts.models import Patient, User
from accounts.selectors import patient_match
from accounts.services import clear_booking_block
from opd_site.api_base import ApiView, ListApi
from opd_site.api_errors import error_responses

AUTH = "auth"
PATIENTS = "patients"


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = LOCKOUT_MESSAGE

    @property
    def retry_after(self) -> int:
        return int(settings.AXES_COOLOFF_TIME / timedelta(seconds=1))


def session_body(user: User) -> dict:
    """The answer to a sign-up or sign-in: the user and a fresh JWT pair."""
    refresh = RefreshToken.for_user(user)
    return SessionSerializer(
        {"user": user, "access": str(refresh.access_token), "refresh": str(refresh)}
    ).data


class RegisterApi(ApiView):
    permission_classes = [AllowAny]
    throttle_scope = "register"

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=150)
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        phone = PhoneNumberField(required=False, allow_blank=True)

        class Meta:
            ref_name = "Register"

    @extend_schema(
        tags=[AUTH],
        summary="Create a patient account",
        request=InputSerializer,
        responses={201: SessionSerializer, **error_responses(400, 415, 429)},
        auth=[],
        examples=[
            OpenApiExample(
                "New patient",
                value={
                    "name": "Asha Rao",
                    "email": "asha@example.com",
                    "password": "a long passphrase",
                    "phone": "+919800000001",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.register_patient(**body.validated_data)
        return Response(session_body(user), status=status.HTTP_201_CREATED)


class LoginApi(ApiView):
    """Sign in with e-mail and password; django-axes counts failures per account and IP.

    ``authenticate()`` is handed this DRF request: ``AxesStandaloneBackend`` refuses a pair
    that is locked out, and axes' ``user_login_failed`` handler records each failure and sets
    ``axes_locked_out`` on the request it was given (the 5th failure included). That flag lands
    on the DRF request, which ``AxesMiddleware`` never sees, so this view answers the 429 itself.
    A success is announced with ``user_logged_in``, on which axes clears the pair's failures.
    """

    permission_classes = [AllowAny]
    throttle_scope = "login"

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

        class Meta:
            ref_name = "Login"

    @extend_schema(
        tags=[AUTH],
        summary="Sign in",
        description=(
            "Five failed attempts for one account from one IP address lock that pair out for "
            "15 minutes (429 `locked_out`)."
        ),
        request=InputSerializer,
        responses={200: SessionSerializer, **error_responses(400, 401, 415, 429)},
        auth=[],
        examples=[
            OpenApiExample(
                "Sign in",
                value={"email": "asha@example.com", "password": "a long passphrase"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        email = services.normalise_email(body.validated_data["email"])
        user = authenticate(
            request=request, username=email, password=body.validated_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if user is None:
            raise exceptions.AuthenticationFailed(
                "The e-mail address or password is wrong.", code="invalid_credentials"
            )
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response(session_body(user))


class RefreshApi(ApiView):
    permission_classes = [AllowAny]
    throttle_scope = "login"

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "Refresh"

    @extend_schema(
        tags=[AUTH],
        summary="Exchange a refresh token for a new pair",
        description="The refresh token is rotated: the one sent is blacklisted.",
        request=InputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 415, 429)},
        auth=[],
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rotation = TokenRefreshSerializer(data=body.validated_data)
        try:
            rotation.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        except User.DoesNotExist as exc:
            raise InvalidToken("The account of this token no longer exists.") from exc
        return Response(rotation.validated_data)


class LogoutApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "Logout"

    @extend_schema(
        tags=[AUTH],
        summary="Sign out: blacklist the refresh token",
        request=InputSerializer,
        responses={205: None, **error_responses(400, 401, 415)},
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invalid = exceptions.ValidationError({"refresh": ["Not a valid refresh token of yours."]})
        try:
            refresh = RefreshToken(body.validated_data["refresh"])
        except TokenError as exc:
            raise invalid from exc
        if str(refresh.payload.get("user_id")) != str(request.user.id):
            raise invalid
        refresh.blacklist()
        return Response(status=status.HTTP_205_RESET_CONTENT)


class ProfileApi(ApiView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=150, required=False)
        email = serializers.EmailField(max_length=254, required=False)
        phone = PhoneNumberField(required=False, allow_blank=True)

        class Meta:
            ref_name = "ProfileUpdate"

    @extend_schema(
        tags=[AUTH], summary="Your profile", responses={200: UserSerializer, **error_responses(401)}
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        tags=[AUTH],
        summary="Change your name, e-mail or phone (not your role)",
        request=InputSerializer,
        responses={200: UserSerializer, **error_responses(400, 401, 415)},
    )
    def patch(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.update_profile(user=request.user, **body.validated_data)
        return Response(UserSerializer(user).data)


class ChangePasswordApi(ApiView):
    """Change one's password: throttled per user, and a wrong current password is a failed
    sign-in.

    Each wrong ``old_password`` is announced with ``user_login_failed``, so django-axes counts it
    against the same account-and-address pair as ``auth/login`` does: guessing here leads to the
    same lockout (429 ``locked_out``), and a locked pair cannot change the password either.
    """

    permission_classes = [IsAuthenticated]
    throttle_scope = "password"

    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

        class Meta:
            ref_name = "ChangePassword"

    @extend_schema(
        tags=[AUTH],
        summary="Change your password",
        description=(
            "Django's password validators apply. Every refresh token issued before is "
            "blacklisted; the answer carries a new pair. A wrong current password counts as a "
            "failed sign-in: five lock the account for this client address for 15 minutes "
            "(429 `locked_out`), as at `auth/login`."
        ),
        request=InputSerializer,
        responses={200: SessionSerializer, **error_responses(400, 401, 415, 429)},
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        credentials = {
            settings.AXES_USERNAME_FORM_FIELD: services.normalise_email(request.user.email)
        }
        if not AxesProxyHandler.is_allowed(request, credentials):
            raise LockedOut()
        try:
            user = services.change_password(user=request.user, **body.validated_data)
        except services.WrongPassword:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                raise LockedOut() from None
            raise
        return Response(session_body(user))


class PatientFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=100, label="Name, phone or MRN")

    class Meta:
        model = Patient
        fields = ["search"]

    def filter_search(self, queryset, name, value):
        """Name, MRN or phone however typed (``accounts.selectors``); merged records are
        left out."""
        match = patient_match(value)
        if match is None:
            return queryset
        return queryset.filter(match, merged_into__isnull=True)


class PatientListApi(ListApi):
    """The front desk finds and registers patients (walk-ins have no account)."""

    permission_classes = [IsFrontDesk]
    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    queryset = Patient.objects.order_by("name", "id")

    class InputSerializer(PatientInputSerializer):
        create_anyway = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Create the record even though it looks like an existing one.",
        )
        confirm_new = serializers.BooleanField(
            required=False, default=False, help_text="The same as `create_anyway`."
        )

        class Meta:
            ref_name = "PatientCreate"

        def validate(self, attrs):
            attrs = super().validate(attrs)
            confirm_new = attrs.pop("confirm_new", False)
            attrs["create_anyway"] = attrs.get("create_anyway", False) or confirm_new
            return attrs

    @extend_schema(
        tags=[PATIENTS],
        summary="Find patients",
        description=(
            "`?search=` finds by name, MRN or phone, however the phone is typed "
            "(`09820134567`, `9820134567` and `+91 98201 34567` find the same record); "
            "records merged into another are left out of a search."
        ),
        responses={200: PatientSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[PATIENTS],
        summary="Register a patient without an account",
        description=(
            "The phone is stored in E.164; without one, `phone_missing_reason` says why "
            "(`unknown`, `no_phone`). `age_years` may stand for `date_of_birth` (stored as an "
            "approximate birth date). When the record looks like an existing one (the same "
            "phone, or a similar name born the same year) the answer is 409 "
            "`possible_duplicate` with the records in `details.candidates` "
            "(`[{id, mrn, name, birth_year}]`), and nothing is created; send it again with "
            '`"create_anyway": true` to create it all the same.'
        ),
        request=InputSerializer,
        responses={
            201: PatientSerializer,
            **error_responses(400, 401, 403, 409, 415),
        },
        examples=[
            OpenApiExample(
                "Walk-in by age",
                value={"name": "Ramesh Kumar", "phone": "098201 34567", "age_years": 42},
                request_only=True,
            ),
            OpenApiExample(
                "Unconscious emergency",
                value={"name": "Unknown male, ~40", "phone_missing_reason": "unknown"},
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        patient = services.create_patient(**body.validated_data)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailApi(ApiView):
    permission_classes = [IsFrontDesk]

    class InputSerializer(PatientInputSerializer):
        class Meta:
            ref_name = "PatientUpdate"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["name"].required = False

    @extend_schema(
        tags=[PATIENTS],
        summary="One patient record",
        responses={200: PatientSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(PatientSerializer(get_object_or_404(Patient, pk=pk)).data)

    @extend_schema(
        tags=[PATIENTS],
        summary="Correct a patient record",
        request=InputSerializer,
        responses={200: PatientSerializer, **error_responses(400, 401, 403, 404, 415)},
    )
    def patch(self, request, pk: int):
        patient = get_object_or_404(Patient, pk=pk)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        patient = services.update_patient(patient=patient, **body.validated_data)
        return Response(PatientSerializer(patient).data)


class PatientClearBlockApi(ApiView):
    permission_classes = [IsFrontDesk]

    @extend_schema(
        tags=[PATIENTS],
        summary="Lift a patient's no-show booking block",
        request=None,
        responses={200: PatientSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk: int):
        patient = get_object_or_404(Patient, pk=pk)
        patient = clear_booking_block(patient=patient, actor=request.user)
        return Response(PatientSerializer(patient).data)

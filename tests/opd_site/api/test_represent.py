"""Answers built from serializers whose fields are built once (``api_base.represent``) say
exactly what a serializer built for the one answer says, however many answers came before."""

from django.utils import timezone, translation

from opd_site.api_base import represent
from scheduling.api.serializers import TokenDetailSerializer, TokenEventSerializer
from scheduling.models import EventKind, TokenEvent, TokenStatus
from scheduling.selectors import queue_item_for, token_history, visible_tokens
from tests import factories


def _detailed(hospital, token):
    token = visible_tokens(hospital.receptionist).get(pk=token.pk)
    token.history_events = list(token_history(token))
    token.queue_item = queue_item_for(token)
    return token


def test_shared_fields_answer_as_fresh_ones_for_tokens_of_every_kind(hospital):
    slots = hospital.slots()
    tokens = [
        hospital.token(patient=factories.PatientFactory(), slot=slots[0]),
        hospital.token(patient=factories.PatientFactory(), slot=slots[1], source="walk_in"),
        hospital.token(
            patient=factories.PatientFactory(),
            slot=slots[0],
            status=TokenStatus.CHECKED_IN,
            checked_in_at=timezone.now(),
        ),
        hospital.token(patient=factories.PatientFactory(), slot=slots[1], status="cancelled"),
    ]
    # Each answer after another through the same fields: nothing of one stays in the next.
    for token in [*tokens, *reversed(tokens)]:
        token = _detailed(hospital, token)
        assert represent(TokenDetailSerializer, token) == TokenDetailSerializer(token).data


def test_an_events_label_is_its_kinds_display_in_each_language(hospital):
    """The history's ``label`` is what ``get_kind_display`` says, in English and in Hindi, for
    every kind of event; a kind no longer among the choices shows as itself."""
    token = hospital.token(patient=factories.PatientFactory(), slot=hospital.slots()[0])
    for language in ("en", "hi"):
        with translation.override(language):
            for kind in [*EventKind.values, "retired_kind"]:
                event = TokenEvent(token=token, doctor_day=token.doctor_day, kind=kind)
                label = represent(TokenEventSerializer, event)["label"]
                assert label == event.get_kind_display(), (language, kind)
    with translation.override("hi"):
        assert represent(TokenEventSerializer, TokenEvent(kind=EventKind.BOOKED))["label"] != (
            "Booked"
        )

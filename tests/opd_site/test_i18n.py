"""English and Hindi: the catalogue is complete, templates hide no untranslated text, and each
page speaks the language its reader asked for (the desk's switch, the browser, the patient's own
preference)."""

import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.urls import reverse

from queueing.board.views import BOARD_LANGUAGE_SECONDS
from scheduling.locking import doctor_day_locked
from scheduling.models import EventKind, Notification
from scheduling.notify import notify_patient

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATES = BASE_DIR / "templates"
HINDI = "hi"
DEVANAGARI = re.compile("[\u0900-\u097f]")

# Text a template may show as it is, in every language.
ALLOWED_TEXT = {"OPD", "A6", "MRN", "UPI", "SMS", "QR"}
# Templates that are not pages of the product.
EXEMPT_TEMPLATES = {
    # The simulate_day command's engineering report: English, like the logs and the bench.
    "queueing/simulation_report.html",
}
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")
# Blocks whose text is markup, not something a reader sees ({% block body_class %}desk{% ... %}).
HIDDEN_BLOCK = re.compile(r"(body)?_?class(es)?$|bodyclass$")


# ---- the catalogue -------------------------------------------------------------------------


def _untranslated(po: Path) -> list[str]:
    """msgids of ``po`` with no Hindi text, or only a fuzzy guess (GNU gettext's msgattrib)."""
    found = []
    for selection in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", selection, "--no-obsolete", "--no-wrap", str(po)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found += [
            msgid
            for msgid in re.findall(r'^msgid "(.*)"$', out, flags=re.M)
            if msgid  # the header
        ]
    return found


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="GNU gettext is not installed")
def test_every_string_of_the_product_has_a_hindi_translation(tmp_path):
    """makemessages on a copy of the project: every msgid it finds must have a Hindi msgstr."""
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "tests",
            "bench",
            "staticfiles",
            "artifacts",
            "node_modules",
            "__pycache__",
            "*.sqlite3*",
            ".hypothesis",
            ".pytest_cache",
            ".ruff_cache",
            "*.mo",
        ),
    )
    env = {**os.environ, "DEBUG": "yes", "DJANGO_SETTINGS_MODULE": "opd_site.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", HINDI, "--verbosity=0"],
        cwd=copy,
        env=env,
        check=True,
    )
    po = copy / "locale" / HINDI / "LC_MESSAGES" / "django.po"
    missing = _untranslated(po)
    assert not missing, (
        f"{len(missing)} string(s) without a Hindi translation: run `make makemessages` and "
        "translate them in locale/hi/LC_MESSAGES/django.po:\n" + "\n".join(missing)
    )
    # Placeholders survive translation (msgfmt checks python-format strings).
    subprocess.run(["msgfmt", "--check-format", "-o", os.devnull, str(po)], check=True)


# ---- the templates -------------------------------------------------------------------------


def _visible_text(source: str) -> list[str]:
    """Text a reader would see that is not inside {% translate %} or {% blocktranslate %}."""
    skeleton, inside = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            words = token.contents.split()
            if inside is None and name in ("blocktranslate", "blocktrans", "comment"):
                inside = name
            elif inside is None and name == "block" and HIDDEN_BLOCK.search(words[-1]):
                inside = "block"
            elif inside and name == f"end{inside}":
                inside = None
            skeleton.append("\x00")
        elif token.token_type == TokenType.VAR:
            skeleton.append("\x00")
        elif token.token_type == TokenType.TEXT and inside is None:
            skeleton.append(token.contents)
    html = "".join(skeleton)
    html = re.sub(r"<(script|style)\b.*?</\1>", "\x00", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", "\x00", html, flags=re.S)
    pieces = []

    def tag(match: re.Match) -> str:
        text = match.group(0)
        for name in VISIBLE_ATTRIBUTES:
            pieces.extend(re.findall(rf'\s{name}\s*=\s*"([^"]*)"', text))
            pieces.extend(re.findall(rf"\s{name}\s*=\s*'([^']*)'", text))
        if re.match(r"<input\b", text) and re.search(r'type="(submit|button)"', text):
            pieces.extend(re.findall(r'\svalue\s*=\s*"([^"]*)"', text))
        return "\x00"

    html = re.sub(r"<[^>]*>", tag, html)
    pieces.append(html)
    words = []
    for piece in pieces:
        for part in re.sub(r"&\w+;|&#\d+;", " ", piece).split("\x00"):
            part = part.strip()
            if set(re.findall(r"[A-Za-z][\w'-]*", part)) - ALLOWED_TEXT:
                words.append(part)
    return words


def _templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).as_posix() not in EXEMPT_TEMPLATES
    )


def test_the_template_linter_finds_untranslated_text():
    assert _visible_text('<p title="Hello">Hi {{ name }}</p>') == ["Hello", "Hi"]
    assert _visible_text('{% load i18n %}<p>{% translate "Hi" %} {{ name }} · OPD</p>') == []
    assert _visible_text("<a aria-label=\"{% translate 'Go' %}\">{{ x }}</a>") == []
    assert _visible_text("{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}") == []
    assert _visible_text('<input type="submit" value="Apply">') == ["Apply"]
    assert _visible_text("<style>body { color: red; }</style><script>go()</script>") == []


@pytest.mark.parametrize(
    "template", _templates(), ids=lambda path: path.relative_to(TEMPLATES).as_posix()
)
def test_templates_show_no_untranslated_text(template):
    untranslated = _visible_text(template.read_text(encoding="utf-8"))
    assert not untranslated, (
        f"{template.relative_to(BASE_DIR)} shows text outside {{% translate %}} / "
        f"{{% blocktranslate %}}: {untranslated}"
    )


# ---- the pages -----------------------------------------------------------------------------


pytestmark_db = pytest.mark.django_db


@pytest.mark.django_db
def test_the_board_is_english_by_default_and_hindi_when_the_browser_asks(client, clinic):
    url = reverse("board:board", args=["CARD"])
    english = client.get(url).content.decode()
    assert '<html lang="en-gb">' in english
    assert "Now serving" in english and not DEVANAGARI.search(english)
    hindi = client.get(url, HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert '<html lang="hi">' in hindi
    assert "अभी बारी" in hindi and "डॉक्टर" in hindi
    assert "Now serving" not in hindi


@pytest.mark.django_db
def test_the_board_rows_alternate_between_english_and_hindi(client, clinic, clock):
    url = reverse("board:board_rows", args=["CARD"])
    first = client.get(url).content.decode()
    clock.set(clock.at + timedelta(seconds=BOARD_LANGUAGE_SECONDS))
    second = client.get(url).content.decode()
    clock.set(clock.at + timedelta(seconds=BOARD_LANGUAGE_SECONDS))
    third = client.get(url).content.decode()
    assert "Now serving" in first and 'lang="en-gb"' in first
    assert "अभी बारी" in second and 'lang="hi"' in second
    assert "Now serving" in third
    # A Hindi screen starts with Hindi.
    assert "अभी बारी" in client.get(url, HTTP_ACCEPT_LANGUAGE="hi").content.decode()


@pytest.mark.django_db
def test_the_status_page_follows_the_browser(client, clinic):
    token = clinic.book()
    url = reverse("board:status", args=[token.reference])
    english = client.get(url).content.decode()
    assert "Position" in english and '<html lang="en-gb">' in english
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="hi,en;q=0.5")
    hindi = response.content.decode()
    assert "डॉक्टर" in hindi and "स्थान" in hindi and '<html lang="hi">' in hindi
    assert response["Content-Language"] == "hi"


@pytest.mark.django_db
def test_the_patients_own_language_wins_on_the_status_page(client, clinic):
    token = clinic.book(preferred_language="hi")
    for name in ("board:status", "board:status_card"):
        page = client.get(reverse(name, args=[token.reference]), HTTP_ACCEPT_LANGUAGE="en")
        assert "डॉक्टर" in page.content.decode(), name
    english = clinic.book(preferred_language="en-gb")
    page = client.get(reverse("board:status", args=[english.reference]), HTTP_ACCEPT_LANGUAGE="hi")
    assert "Doctor" in page.content.decode()


@pytest.mark.django_db
def test_the_slip_is_in_the_patients_language_and_the_desk_keeps_its_own(desk_client, clinic):
    token = clinic.book(preferred_language="hi")
    page = desk_client.get(reverse("desk:slip", args=[token.reference])).content.decode()
    assert "आपका टोकन" in page  # the slip: "Your token"
    assert "Print slip" in page  # the desk's own buttons stay English


@pytest.mark.django_db
def test_notifications_are_written_in_the_patients_language(clinic):
    hindi = clinic.book(preferred_language="hi", phone="9820134567")
    plain = clinic.book(phone="9820134568")
    with doctor_day_locked(doctor_id=clinic.doctor.id, day=hindi.doctor_day.date):
        notify_patient(patient=hindi.patient, kind=EventKind.BUMPED, token=hindi)
        notify_patient(patient=plain.patient, kind=EventKind.BUMPED, token=plain)
    to_hindi = Notification.objects.get(patient=hindi.patient)
    assert to_hindi.subject == "आपका ओपीडी टोकन बाद के स्लॉट में बदल गया है"
    assert "टोकन" in to_hindi.body and hindi.reference in to_hindi.body
    to_plain = Notification.objects.get(patient=plain.patient)
    assert to_plain.subject == "Your OPD token has moved to a later slot"


@pytest.mark.django_db
def test_the_desk_language_switch_changes_the_desks_language(desk_client):
    overview = reverse("desk:overview")
    page = desk_client.get(overview).content.decode()
    assert 'name="language" value="hi"' in page
    assert "Find or register patient" in page
    response = desk_client.post(reverse("set_language"), {"language": "hi", "next": overview})
    assert response.status_code == 302 and response["Location"] == overview
    hindi = desk_client.get(overview).content.decode()
    assert "मरीज़ खोजें या पंजीकरण करें" in hindi and '<html lang="hi">' in hindi
    desk_client.post(reverse("set_language"), {"language": "en-gb", "next": overview})
    assert "Find or register patient" in desk_client.get(overview).content.decode()


@pytest.mark.django_db
def test_domain_refusals_reach_the_desk_in_its_language(clinic):
    from django.utils import translation

    from scheduling.errors import QueueEmpty

    with translation.override("hi"):
        assert QueueEmpty().message == "चेक-इन किया हुआ कोई मरीज़ प्रतीक्षा में नहीं है।"
    assert QueueEmpty().message == "No checked-in patient is waiting."

"""The slip's settings come from the environment: the hospital's name and address, and the
paper (80 mm roll or A6); a paper the slip cannot print on stops the start."""

import secrets

from tests.opd_site.test_settings import production_env, run

READ = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.HOSPITAL_NAME, settings.HOSPITAL_ADDRESS, settings.SLIP_PAPER, sep='|')"
)


def test_the_slip_settings_are_read_from_the_environment():
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        HOSPITAL_NAME="Sanjeevani Hospital",
        HOSPITAL_ADDRESS="12 MG Road, Pune",
        SLIP_PAPER="A6",
    )

    result = run(["-c", READ], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Sanjeevani Hospital|12 MG Road, Pune|a6"


def test_the_defaults_print_on_an_80mm_roll():
    result = run(["-c", READ], production_env(SECRET_KEY=secrets.token_urlsafe(50)))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "City General Hospital||80mm"


def test_an_unknown_paper_stops_the_start():
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50), SLIP_PAPER="letter")

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "SLIP_PAPER must be 80mm or a6, not 'letter'" in result.stderr

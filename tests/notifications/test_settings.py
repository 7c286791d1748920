"""E-mail settings: without SENDGRID_API_KEY the console backend stays; a malformed SendGrid
value stops the start naming the variable."""

from tests.backend.test_settings import manage


def test_without_a_sendgrid_key_mail_goes_to_the_console(tmp_path):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND)",
        KIPINA_VAR_DIR=str(tmp_path),
        SENDGRID_API_KEY="",
    )

    assert (
        result.stdout.strip().splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"
    )


def test_with_a_key_mail_goes_to_sendgrid(tmp_path):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND)",
        KIPINA_VAR_DIR=str(tmp_path),
        SENDGRID_API_KEY="SG.abc",
    )

    assert result.stdout.strip().splitlines()[-1] == "anymail.backends.sendgrid.EmailBackend"


def test_a_malformed_sendgrid_url_stops_the_start(tmp_path):
    result = manage(
        "check",
        KIPINA_VAR_DIR=str(tmp_path),
        SENDGRID_API_KEY="SG.abc",
        SENDGRID_API_URL="api.sendgrid.com/v3/",
    )

    assert result.returncode != 0
    assert "SENDGRID_API_URL must be an http(s):// URL" in result.stderr


def test_a_malformed_sendgrid_timeout_stops_the_start(tmp_path):
    result = manage(
        "check",
        KIPINA_VAR_DIR=str(tmp_path),
        SENDGRID_API_KEY="SG.abc",
        SENDGRID_TIMEOUT_SECONDS="ten",
    )

    assert result.returncode != 0
    assert "SENDGRID_TIMEOUT_SECONDS must be a whole number" in result.stderr

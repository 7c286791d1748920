"""E-mail settings: without SENDGRID_API_KEY the console backend stays; a malformed SendGrid
value stops the start naming the variable."""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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


def test_a_webhook_key_that_is_not_a_p256_public_key_stops_the_start(tmp_path):
    result = manage(
        "check",
        KIPINA_VAR_DIR=str(tmp_path),
        SENDGRID_WEBHOOK_PUBLIC_KEY="MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",  # cut short
    )

    assert result.returncode != 0
    assert "SENDGRID_WEBHOOK_PUBLIC_KEY is not a base64 DER public key" in result.stderr


def test_the_key_as_sendgrid_shows_it_starts(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    result = manage(
        "check",
        KIPINA_VAR_DIR=str(tmp_path),
        SENDGRID_WEBHOOK_PUBLIC_KEY=base64.b64encode(der).decode(),
    )

    assert result.returncode == 0, result.stderr

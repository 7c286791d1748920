"""The badge signing key from the environment (engagement/badges/keys.py)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.exceptions import ImproperlyConfigured

from engagement.badges.keys import (
    GENERATED_KEY_FILE,
    new_key_pem,
    public_pem,
    retired_keys_pem,
    signing_key_pem,
)
from engagement.badges.keys import _parse as parse_key
from engagement.badges.keys import _parse_public as parse_public

NAME = "KIPINA_BADGE_SIGNING_KEY"
ROOT = Path(__file__).resolve().parents[3]
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def pem_of(private) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def ed25519_pem() -> str:
    return pem_of(ed25519.Ed25519PrivateKey.generate())


def test_it_takes_an_rsa_pem_from_the_variable_and_signs_rs256(monkeypatch, tmp_path, rsa_pem):
    monkeypatch.setenv(NAME, rsa_pem)
    pem = signing_key_pem(NAME, var_dir=tmp_path, debug=False)
    assert parse_key(pem).alg == "RS256"


def test_it_reads_an_ed25519_key_from_a_path_and_signs_eddsa(monkeypatch, tmp_path, ed25519_pem):
    key_file = tmp_path / "key.pem"
    key_file.write_text(ed25519_pem)
    monkeypatch.setenv(NAME, str(key_file))
    pem = signing_key_pem(NAME, var_dir=tmp_path, debug=False)
    assert parse_key(pem).alg == "EdDSA"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----",
            "not an unencrypted PEM",
        ),
        ("/nonexistent/badge-key.pem", "must be a PEM private key or the path of one"),
    ],
)
def test_it_stops_the_start_on_a_malformed_key(monkeypatch, tmp_path, value, message):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured, match=NAME) as raised:
        signing_key_pem(NAME, var_dir=tmp_path, debug=True)
    assert message in str(raised.value)


def test_it_refuses_a_short_rsa_key(monkeypatch, tmp_path):
    monkeypatch.setenv(NAME, pem_of(rsa.generate_private_key(public_exponent=65537, key_size=1024)))  # noqa: S505
    with pytest.raises(ImproperlyConfigured, match="at least 2048 bits, not 1024"):
        signing_key_pem(NAME, var_dir=tmp_path, debug=True)


def test_it_refuses_a_key_of_another_kind(monkeypatch, tmp_path):
    monkeypatch.setenv(NAME, pem_of(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ImproperlyConfigured, match="must be RSA or Ed25519"):
        signing_key_pem(NAME, var_dir=tmp_path, debug=True)


def test_it_refuses_a_public_key(monkeypatch, tmp_path):
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    monkeypatch.setenv(NAME, pem)
    with pytest.raises(ImproperlyConfigured, match="not an unencrypted PEM private key"):
        signing_key_pem(NAME, var_dir=tmp_path, debug=True)


def test_production_refuses_to_start_without_a_key(monkeypatch, tmp_path):
    monkeypatch.delenv(NAME, raising=False)
    with pytest.raises(
        ImproperlyConfigured, match=f"{NAME} must be set when DJANGO_DEBUG is false"
    ):
        signing_key_pem(NAME, var_dir=tmp_path, debug=False)
    assert not (tmp_path / GENERATED_KEY_FILE).exists()


def test_development_generates_a_key_once_and_keeps_it_private(monkeypatch, tmp_path: Path):
    monkeypatch.delenv(NAME, raising=False)
    first = signing_key_pem(NAME, var_dir=tmp_path, debug=True)
    second = signing_key_pem(NAME, var_dir=tmp_path, debug=True)
    assert first == second
    assert parse_key(first).alg == "RS256"
    mode = (tmp_path / GENERATED_KEY_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [GENERATED_KEY_FILE]


@pytest.mark.parametrize("fixture", ["rsa_pem", "ed25519_pem"])
def test_the_public_jwk_has_no_private_part(request, fixture):
    key = parse_key(request.getfixturevalue(fixture))
    public = key.public_jwk()
    assert PRIVATE_MEMBERS.isdisjoint(public)
    assert public["alg"] == key.alg
    assert public["use"] == "sig"


def test_the_settings_refuse_a_production_start_without_a_badge_key(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "KIPINA_"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **environment,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "k" * 50,
            "KIPINA_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "KIPINA_BADGE_SIGNING_KEY must be set when DJANGO_DEBUG is false" in result.stderr


def test_new_key_pem_makes_a_key_the_settings_accept(monkeypatch, tmp_path):
    monkeypatch.setenv(NAME, new_key_pem().decode())
    assert parse_key(signing_key_pem(NAME, var_dir=tmp_path, debug=False)).alg == "RS256"


RETIRED = "KIPINA_BADGE_RETIRED_KEYS"


def test_no_retired_keys_by_default(monkeypatch):
    monkeypatch.delenv(RETIRED, raising=False)
    assert retired_keys_pem(RETIRED) == ""


def test_retired_public_keys_are_read_from_a_file(monkeypatch, tmp_path, rsa_pem, ed25519_pem):
    keys_file = tmp_path / "retired.pem"
    keys_file.write_text(public_pem(rsa_pem) + public_pem(ed25519_pem))
    monkeypatch.setenv(RETIRED, str(keys_file))
    parsed = parse_public(retired_keys_pem(RETIRED))
    assert [key.alg for key in parsed] == ["RS256", "EdDSA"]
    assert parsed[0].thumbprint == parse_key(rsa_pem).thumbprint


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "no -----BEGIN PUBLIC"),
        ("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----", "not a PEM public"),
        ("/nonexistent/retired.pem", "must be PEM public keys or the path"),
    ],
)
def test_malformed_retired_keys_stop_the_start(monkeypatch, value, message):
    monkeypatch.setenv(RETIRED, value)
    with pytest.raises(ImproperlyConfigured, match=RETIRED) as raised:
        retired_keys_pem(RETIRED)
    assert message in str(raised.value)


def test_a_private_key_among_the_retired_ones_is_refused(monkeypatch, rsa_pem):
    monkeypatch.setenv(RETIRED, rsa_pem + public_pem(rsa_pem))
    with pytest.raises(ImproperlyConfigured, match="holds a private key"):
        retired_keys_pem(RETIRED)


def test_the_command_line_prints_a_keys_public_half(rsa_pem):
    result = subprocess.run(
        [sys.executable, "-m", "engagement.badges.keys", "public"],
        cwd=ROOT,
        input=rsa_pem,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == public_pem(rsa_pem)
    assert "PRIVATE" not in result.stdout

"""The key that signs Open Badges 3.0 credentials, and its public half for verifiers.

Settings read the key once at start (`signing_key_pem`), so a malformed key stops the start
with a message that names the variable. Run-time code asks `signing_key()` for the parsed key.
No Django models here: settings import this module.

`python -m engagement.badges.keys` prints a new key (RSA, PEM) for a deployment to keep;
`python -m engagement.badges.keys public < key.pem` prints a key's public half, to list it
in KIPINA_BADGE_RETIRED_KEYS when the signing key changes.
"""

import functools
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core.exceptions import ImproperlyConfigured
from jwcrypto import jwk

# NIST SP 800-57 puts RSA-2048 at 112-bit strength; badges are kept for decades, so we ask
# for at least that and generate 3072 bits ourselves.
MIN_RSA_BITS = 2048
GENERATED_RSA_BITS = 3072
GENERATED_KEY_FILE = "badge-signing-key.pem"
_PUBLIC_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


@dataclass(frozen=True)
class PublicKey:
    """A key we publish for verifiers: the current signing key's public half, or a retired
    key's, kept so that the credentials it signed still verify."""

    public: jwk.JWK
    alg: str
    # RFC 7638 thumbprint: stable for the key, so a kid URL never points at another key.
    thumbprint: str

    def public_jwk(self) -> dict[str, Any]:
        """The JWK dict: never contains `d` or other private members."""
        public: dict[str, Any] = self.public.export_public(as_dict=True)
        public.update({"alg": self.alg, "use": "sig"})
        return public


@dataclass(frozen=True)
class SigningKey:
    private: jwk.JWK
    # RS256 for RSA: OB 3.0 §8.2.1 names it the minimum every verifier supports. EdDSA for
    # Ed25519 (RFC 8037), for deployments that choose it knowing some verifiers lack it.
    alg: str
    thumbprint: str

    def public_key(self) -> PublicKey:
        public = jwk.JWK(**self.private.export_public(as_dict=True))
        return PublicKey(public=public, alg=self.alg, thumbprint=self.thumbprint)

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK dict: never contains `d` or other private members."""
        return self.public_key().public_jwk()


def signing_key_pem(name: str, *, var_dir: Path, debug: bool) -> str:
    """Read the signing key from the environment variable `name` (PEM text or a file path).

    Unset: in production (DEBUG off) the start is refused, as for DJANGO_SECRET_KEY; in
    development, demo and tests a key is generated once under `var_dir` and kept there.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        if not debug:
            raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is false")
        return _generated_key_pem(var_dir / GENERATED_KEY_FILE)
    if raw.startswith("-----BEGIN"):
        pem = raw
    else:
        try:
            pem = Path(raw).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImproperlyConfigured(
                f"{name} must be a PEM private key or the path of one; "
                f"reading {raw!r} failed: {exc}"
            ) from None
    try:
        _parse(pem)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return pem


def retired_keys_pem(name: str) -> str:
    """Read the public keys of earlier signing keys from `name` (PEM text or a file path, one
    or more `PUBLIC KEY` blocks); "" when unset. Malformed stops the start."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    if raw.startswith("-----BEGIN"):
        pem = raw
    else:
        try:
            pem = Path(raw).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImproperlyConfigured(
                f"{name} must be PEM public keys or the path of a file of them; "
                f"reading {raw!r} failed: {exc}"
            ) from None
    try:
        if "PRIVATE KEY" in pem:
            raise ValueError("holds a private key: list only the public halves of old keys")
        if not _parse_public(pem):
            raise ValueError("no -----BEGIN PUBLIC KEY----- block found")
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return pem


def signing_key() -> SigningKey:
    from django.conf import settings

    return _parse(settings.KIPINA_BADGE_SIGNING_KEY)


def published_keys() -> tuple[PublicKey, ...]:
    """The current key first, then the retired ones (each once, by thumbprint)."""
    from django.conf import settings

    current = signing_key().public_key()
    retired = _parse_public(settings.KIPINA_BADGE_RETIRED_KEYS)
    return (current, *(key for key in retired if key.thumbprint != current.thumbprint))


@functools.lru_cache(maxsize=4)
def _parse_public(pem: str) -> tuple[PublicKey, ...]:
    keys: dict[str, PublicKey] = {}
    for block in _PUBLIC_PEM.findall(pem):
        try:
            loaded = serialization.load_pem_public_key(block.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ValueError(f"not a PEM public key ({exc})") from None
        if isinstance(loaded, rsa.RSAPublicKey):
            alg = "RS256"
        elif isinstance(loaded, ed25519.Ed25519PublicKey):
            alg = "EdDSA"
        else:
            raise ValueError(f"a key must be RSA or Ed25519, not {type(loaded).__name__}")
        key = jwk.JWK.from_pyca(loaded)
        keys.setdefault(key.thumbprint(), PublicKey(key, alg, key.thumbprint()))
    return tuple(keys.values())


@functools.lru_cache(maxsize=4)
def _parse(pem: str) -> SigningKey:
    """Parse a PEM private key; ValueError says what is wrong in words a deployer can act on."""
    try:
        private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        # TypeError: an encrypted key without a password. We take no password variable:
        # the key comes from a secret store, which protects it already.
        raise ValueError(f"not an unencrypted PEM private key ({exc})") from None
    if isinstance(private, rsa.RSAPrivateKey):
        if private.key_size < MIN_RSA_BITS:
            raise ValueError(
                f"an RSA key needs at least {MIN_RSA_BITS} bits, not {private.key_size}"
            )
        alg = "RS256"
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        alg = "EdDSA"
    else:
        raise ValueError(f"the key must be RSA or Ed25519, not {type(private).__name__}")
    key = jwk.JWK.from_pyca(private)
    return SigningKey(private=key, alg=alg, thumbprint=key.thumbprint())


def new_key_pem() -> bytes:
    """A new RSA key in PEM: RS256 is the algorithm every OB 3.0 verifier supports."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=GENERATED_RSA_BITS)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _generated_key_pem(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii")
    pem = new_key_pem()
    # Several processes (pytest-xdist workers, web and worker of the demo) may start at once
    # on a fresh var/. Each writes its own temporary file and links it into place: link fails
    # if another process won, and then everyone uses the winner's key.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text(encoding="ascii")


def public_pem(private_pem: str) -> str:
    """The public half of a PEM private key, in PEM."""
    private = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode("ascii")


if __name__ == "__main__":
    if sys.argv[1:] == ["public"]:
        print(public_pem(sys.stdin.read()), end="")
    else:
        print(new_key_pem().decode("ascii"), end="")

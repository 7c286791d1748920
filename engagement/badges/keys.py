"""The key that signs Open Badges 3.0 credentials, and its public half for verifiers.

Settings read the key once at start (`signing_key_pem`), so a malformed key stops the start
with a message that names the variable. Run-time code asks `signing_key()` for the parsed key.
No Django models here: settings import this module.

`python -m engagement.badges.keys` prints a new key (RSA, PEM) for a deployment to keep.
"""

import functools
import os
import secrets
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


@dataclass(frozen=True)
class SigningKey:
    private: jwk.JWK
    # RS256 for RSA: OB 3.0 §8.2.1 names it the minimum every verifier supports. EdDSA for
    # Ed25519 (RFC 8037), for deployments that choose it knowing some verifiers lack it.
    alg: str
    # RFC 7638 thumbprint: stable for the key, so a kid URL never points at another key.
    thumbprint: str

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK dict: never contains `d` or other private members."""
        public: dict[str, Any] = self.private.export_public(as_dict=True)
        public.update({"alg": self.alg, "use": "sig"})
        return public


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


def signing_key() -> SigningKey:
    from django.conf import settings

    return _parse(settings.KIPINA_BADGE_SIGNING_KEY)


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


if __name__ == "__main__":
    print(new_key_pem().decode("ascii"), end="")

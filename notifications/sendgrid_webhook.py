"""SendGrid's signed Event Webhook, the pure part: the signature check and the events' shape.
Nothing here reads the clock, the settings or the database; the view passes them in.

SendGrid signs the timestamp header followed by the raw body with ECDSA P-256 and SHA-256, and
sends the DER signature in base64; its public key is shown in base64 DER (SubjectPublicKeyInfo).
(https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features)
"""

import base64
import binascii
import hashlib
from typing import Annotated

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class WebhookRefused(Exception):
    """The request is not a genuine, fresh webhook call; the message says why."""


class EventsMalformed(Exception):
    """The body is signed but not a list of events; the message names the path and the rule."""


def public_key_load(text: str) -> ec.EllipticCurvePublicKey:
    """SendGrid's verification key as its settings page shows it; ValueError if it is not a
    base64 DER P-256 public key."""
    try:
        key = load_der_public_key(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"not a base64 DER public key ({error})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not an ECDSA P-256 public key")
    return key


def signed_timestamp(
    *,
    key: ec.EllipticCurvePublicKey,
    signature: str,
    timestamp: str,
    body: bytes,
    now: int,
    tolerance: int,
) -> int:
    """The call's timestamp (Unix seconds) once the signature over timestamp + body holds and
    the timestamp is within `tolerance` seconds of `now` either way; WebhookRefused if not."""
    if not signature or not timestamp:
        raise WebhookRefused(f"the {SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers are required")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise WebhookRefused(f"{TIMESTAMP_HEADER} must be Unix seconds")
    try:
        der = base64.b64decode(signature, validate=True)
        key.verify(der, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise WebhookRefused("the signature does not match the body") from None
    # Checked after the signature, so that only a genuine old call is called stale.
    if abs(now - int(timestamp)) > tolerance:
        raise WebhookRefused(f"the timestamp is more than {tolerance} s from now")
    return int(timestamp)


def message_digest(*, timestamp: str, body: bytes) -> str:
    """What identifies a signed message for replay refusal: the digest of what was signed."""
    return hashlib.sha256(timestamp.encode() + b"." + body).hexdigest()


class SendGridEvent(BaseModel):
    """One event. SendGrid adds fields per event type (reason, type, url, ip, our custom args
    at the top level), so extra fields are kept, not refused."""

    model_config = ConfigDict(extra="allow", frozen=True)

    event: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    email: Annotated[StrictStr, Field(max_length=254)]
    # Up to the end of year 9999: a larger number is no time a datetime can hold.
    timestamp: Annotated[StrictInt, Field(ge=0, le=253_402_300_799)]
    sg_event_id: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    kipina_id: Annotated[StrictStr, Field(max_length=200)] = ""


_EVENTS = TypeAdapter(list[SendGridEvent])


def events_parse(body: bytes) -> list[SendGridEvent]:
    """The events of a body, or EventsMalformed naming the first problem, e.g.
    `events[3].timestamp: Input should be a valid integer`."""
    try:
        return _EVENTS.validate_json(body)
    except PydanticValidationError as error:
        first = error.errors()[0]
        where = "events" + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
        )
        raise EventsMalformed(f"{where}: {first['msg']}") from None

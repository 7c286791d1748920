"""The e-mail channel: one message handed to Django's mail backend (anymail's SendGrid
backend in production, console or locmem without SENDGRID_API_KEY) and the outcome sorted
into sent, retry (transient) or failed (permanent)."""

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from anymail.exceptions import AnymailError, AnymailRequestsAPIError
from anymail.message import AnymailMessage
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.translation import gettext_lazy as _

from notifications.rendering import Rendered

# What the provider's answer is worth keeping of (the attempt row, the admin).
RESPONSE_KEPT = 2000


@dataclass(frozen=True)
class SendOutcome:
    outcome: str  # DeliveryAttempt.Outcome: sent, retry or failed
    status_code: int | None = None
    response: str = ""
    error: str = ""
    retry_after: float | None = None


@contextmanager
def email_connection() -> Iterator[BaseEmailBackend | None]:
    """One open connection to the mail backend for several messages (a deliver task's batch):
    with anymail's SendGrid backend one HTTP session, whose kept-alive connection the messages
    share instead of a TCP connect and a new session each. When it cannot be opened (an SMTP
    relay that is down) it yields None: each message then opens its own, and its failure is
    recorded on its attempt as before."""
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError):
        yield None
        return
    try:
        yield connection
    finally:
        connection.close()


def email_send(
    *,
    to: str,
    rendered: Rendered,
    idempotency_key: str,
    category: str,
    unsubscribe_url: str,
    connection: BaseEmailBackend | None = None,
) -> SendOutcome:
    """Hand one message over; through `connection` when given (email_connection), else a
    connection of its own."""
    message = AnymailMessage(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            # RFC 8058 §3.1: an HTTPS URI and the One-Click post make one-click unsubscribe.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        # SendGrid custom_args: every webhook event carries our id back.
        metadata={"kipina_id": idempotency_key},
        # SendGrid categories: statistics per kind of message.
        tags=[category],
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    for attachment in rendered.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    try:
        message.send()
    except AnymailRequestsAPIError as error:
        return _refused(error)
    except AnymailError as error:  # refused before any call: an address SendGrid cannot take
        return SendOutcome("failed", error=str(error)[:RESPONSE_KEPT])
    except smtplib.SMTPRecipientsRefused as error:
        return SendOutcome("failed", error=str(error)[:RESPONSE_KEPT])
    except (smtplib.SMTPException, OSError) as error:  # the SMTP backend (mailpit, relays)
        return SendOutcome("retry", error=f"{type(error).__name__}: {error}"[:RESPONSE_KEPT])
    answer = message.anymail_status.esp_response
    return SendOutcome(
        "sent",
        status_code=getattr(answer, "status_code", None),
        response=str(message.anymail_status.message_id or "")[:RESPONSE_KEPT],
    )


def _refused(error: AnymailRequestsAPIError) -> SendOutcome:
    """Timeouts, connection errors, 408, 429 and 5xx are worth another try; any other answer
    is a permanent refusal (SendGrid answers 400 for a payload or address it will never take,
    401/403 for a key that will not start working by itself)."""
    response = error.response
    if response is None:
        cause = error.__cause__ or error
        return SendOutcome("retry", error=f"{type(cause).__name__}: {cause}"[:RESPONSE_KEPT])
    code = response.status_code
    body = response.text[:RESPONSE_KEPT]
    if code in (408, 429) or code >= 500:
        return SendOutcome(
            "retry",
            status_code=code,
            response=body,
            error=str(_("the provider answered %(code)d") % {"code": code}),
            retry_after=_seconds(response.headers.get("Retry-After")),
        )
    return SendOutcome(
        "failed",
        status_code=code,
        response=body,
        error=str(_("the provider refused the message (%(code)d)") % {"code": code}),
    )


def _seconds(retry_after: str | None) -> float | None:
    """RFC 9110 §10.2.3 Retry-After in seconds (the HTTP-date form is not used by SendGrid)."""
    value = (retry_after or "").strip()
    if value.isascii() and value.isdigit():
        # Capped: a proxy's "come back tomorrow" (or a number past what a timedelta holds)
        # must not hold every e-mail for a day, nor crash the send after its attempt is kept.
        return min(float(value), float(settings.KIPINA_NOTIFY_BACKOFF_MAX_SECONDS))
    return None

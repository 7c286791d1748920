"""SendGrid's Event Webhook: POST /notifications/sendgrid/events/, without a login. Only a call
signed with SendGrid's key, fresh and not seen before, is accepted (sendgrid_webhook.py checks;
services.email_webhook_accept records)."""

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import sendgrid_webhook as webhook
from notifications.services import email_webhook_accept


def _refuse(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


# SendGrid posts without cookies or a token of ours: the signature is what makes a call genuine.
@csrf_exempt
@require_POST
def sendgrid_events(request: HttpRequest) -> JsonResponse:
    if not settings.SENDGRID_WEBHOOK_PUBLIC_KEY:
        return _refuse(503, "webhook not configured")
    body = _body(request, settings.SENDGRID_WEBHOOK_MAX_BYTES)
    if body is None:
        return _refuse(413, f"the body is over {settings.SENDGRID_WEBHOOK_MAX_BYTES} bytes")
    now = timezone.now()
    timestamp = request.headers.get(webhook.TIMESTAMP_HEADER, "")
    try:
        signed_at = webhook.signed_timestamp(
            key=webhook.public_key_load(settings.SENDGRID_WEBHOOK_PUBLIC_KEY),
            signature=request.headers.get(webhook.SIGNATURE_HEADER, ""),
            timestamp=timestamp,
            body=body,
            now=int(now.timestamp()),
            tolerance=settings.SENDGRID_WEBHOOK_TOLERANCE_SECONDS,
        )
        events = webhook.events_parse(body)
    except webhook.WebhookRefused as refusal:
        return _refuse(403, str(refusal))
    except webhook.EventsMalformed as malformed:
        return _refuse(400, str(malformed))
    digest = webhook.message_digest(timestamp=timestamp, body=body)
    at = dt.datetime.fromtimestamp(signed_at, tz=dt.UTC)
    recorded = email_webhook_accept(digest=digest, signed_at=at, events=events, now=now)
    if recorded is None:
        return _refuse(403, "this signed call was accepted before (a replay)")
    return JsonResponse({"received": len(events), "new": recorded})


def _body(request: HttpRequest, limit: int) -> bytes | None:
    """The raw body (the signature covers its exact bytes), or None when it is over the limit.
    Read from the stream rather than request.body, whose own cap (DATA_UPLOAD_MAX_MEMORY_SIZE)
    would answer a bare 400 before ours."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body

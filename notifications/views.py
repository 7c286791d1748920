"""One-click unsubscribe without a login (RFC 8058). A GET shows a button and changes
nothing (mail scanners open links); a POST, from the button or from the mail client's
List-Unsubscribe-Post, unsubscribes."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.links import unsubscribe_target
from notifications.models import Topic
from notifications.services import topic_unsubscribe

PAGE = "notifications/unsubscribe.html"


# RFC 8058 §3.2: the mail client posts without cookies or a form of ours, so no CSRF token can
# come with it; the signed token in the URL is what makes the request genuine.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = unsubscribe_target(token)
    if target is None:
        return render(request, PAGE, {"invalid": True}, status=404)
    person_id, topic = target
    context = {"topic": Topic(topic).label}
    if request.method == "POST":
        topic_unsubscribe(person_id=person_id, topic=topic)
        return render(request, PAGE, {**context, "done": True})
    return render(request, PAGE, context)

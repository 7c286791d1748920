"""Pages reached from e-mails without a login.

- One-click unsubscribe (RFC 8058). A GET shows a button and changes nothing (mail scanners
  open links); a POST, from the button or from the mail client's List-Unsubscribe-Post,
  unsubscribes.
- The preference page (topics on or off, pause until), through a signed link that expires.
  A GET shows the form and changes nothing; a POST of the form (CSRF-protected) saves
  through services.preference_update, the same service as the API.
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from engagement.network.models import Person
from notifications import selectors
from notifications.links import preference_target, unsubscribe_target
from notifications.models import Topic
from notifications.services import preference_update, topic_unsubscribe

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


PREFERENCES_PAGE = "notifications/preferences.html"


class PreferencePageForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label=_("Send me messages about"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    paused_until = forms.DateField(
        label=_("Pause everything until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for no pause."),
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    person_id = preference_target(token)
    person = Person.objects.filter(pk=person_id).first() if person_id is not None else None
    if person is None:
        return render(request, PREFERENCES_PAGE, {"invalid": True}, status=404)
    if request.method == "POST":
        form = PreferencePageForm(request.POST)
        if not form.is_valid():
            return render(request, PREFERENCES_PAGE, {"form": form}, status=400)
        wanted = set(form.cleaned_data["topics"])
        preference_update(
            person_id=person.pk,
            opted_out=[topic for topic in Topic.values if topic not in wanted],
            paused_until=form.cleaned_data["paused_until"],
        )
        return render(request, PREFERENCES_PAGE, {"form": _form_of(person), "done": True})
    return render(request, PREFERENCES_PAGE, {"form": _form_of(person)})


def _form_of(person: Person) -> PreferencePageForm:
    opted_out = selectors.opted_out_topics([person.pk]).get(person.pk, frozenset())
    return PreferencePageForm(
        initial={
            "topics": [topic for topic in Topic.values if topic not in opted_out],
            "paused_until": selectors.preference_of(person).paused_until,
        }
    )

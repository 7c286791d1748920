"""The events REST API under /api/events/ (DRF). Interfaces only.

Reading the calendar is public; registering and cancelling are the signed-in person's own;
marking attendance is for the organiser's staff and administrators. Bodies are tiny (a person
id at most), so anything over EVENTS_MAX_BODY_BYTES is refused before it is parsed.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engagement.events import selectors, services
from engagement.events.ics import event_url
from engagement.events.models import Event, Registration
from engagement.network.apis import BodyLimitMixin
from engagement.network.models import Person

EVENTS_MAX_BODY_BYTES = 16 * 1024


class EventsAPIMixin(BodyLimitMixin):
    max_body_bytes = EVENTS_MAX_BODY_BYTES

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.NotAllowed):
            exc = PermissionDenied(str(exc))
        elif isinstance(exc, services.EventError):
            exc = ValidationError({"detail": str(exc)})
        return super().handle_exception(exc)  # type: ignore[misc]


class EventSerializer(serializers.ModelSerializer[Event]):
    title = serializers.CharField(source="translated_title")
    description = serializers.CharField(source="translated_description")
    organiser = serializers.CharField(source="organiser.translated_name")
    seats_taken = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "uuid",
            "title",
            "description",
            "kind",
            "organiser",
            "starts_at",
            "ends_at",
            "time_zone",
            "place",
            "online_url",
            "capacity",
            "seats_taken",
            "audience",
            "activity_iri",
            "url",
        ]

    def get_url(self, event: Event) -> str:
        return event_url(event)


class RegistrationSerializer(serializers.ModelSerializer[Registration]):
    event = serializers.UUIDField(source="event.uuid")

    class Meta:
        model = Registration
        fields = ["event", "status", "position", "requested_at", "registered_at", "attended_at"]


class FilterSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Event.Kind.choices, required=False)
    audience = serializers.ChoiceField(choices=Event.Audience.choices, required=False)


class AttendanceSerializer(serializers.Serializer[Any]):
    person = serializers.IntegerField(min_value=1)


ERROR = inline_serializer("EventsError", {"detail": serializers.CharField()})
REFUSALS = {
    400: OpenApiResponse(
        description="invalid input, or the event refuses it (the detail says why)"
    ),
    403: OpenApiResponse(ERROR, description="not signed in, or not allowed"),
    404: OpenApiResponse(ERROR, description="no such published event, or no registration"),
    413: OpenApiResponse(ERROR, description="the body is larger than the limit"),
}


class EventPagination(PageNumberPagination):
    page_size = 20


@extend_schema(
    summary="Upcoming network events",
    parameters=[FilterSerializer],
    responses={200: EventSerializer(many=True), 400: REFUSALS[400]},
)
class EventListApi(EventsAPIMixin, ListAPIView[Event]):
    """Upcoming published events, soonest first; ?kind= and ?audience= filter."""

    permission_classes = [AllowAny]
    serializer_class = EventSerializer
    pagination_class = EventPagination

    def get_queryset(self) -> Any:
        filters = FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.event_list_upcoming(now=timezone.now(), **filters.validated_data)


def _event(event_uuid: Any) -> Event:
    event = selectors.event_published(event_uuid=event_uuid)
    if event is None:
        raise NotFound(_("No such event."))
    return event


def _person(request: Request) -> Person:
    person = selectors.person_of(request.user)
    if person is None:
        raise PermissionDenied(_("Your login has no person in the network directory."))
    return person


class EventDetailApi(EventsAPIMixin, APIView):
    """A published event, for anyone: an unpublished one is not there (404)."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="One published event", responses={200: EventSerializer, 404: REFUSALS[404]}
    )
    def get(self, request: Request, event_uuid: Any) -> Response:
        return Response(EventSerializer(_event(event_uuid)).data)


class RegistrationApi(EventsAPIMixin, APIView):
    """The signed-in person's own registration: GET it, POST to register, DELETE to cancel."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My registration for an event",
        responses={200: RegistrationSerializer, 403: REFUSALS[403], 404: REFUSALS[404]},
    )
    def get(self, request: Request, event_uuid: Any) -> Response:
        found = selectors.registration_of(event=_event(event_uuid), person=_person(request))
        if found is None:
            raise NotFound(_("You have no registration for this event."))
        return Response(RegistrationSerializer(found).data)

    @extend_schema(
        summary="Register for an event (a seat, or the waiting list when it is full)",
        request=None,
        responses={201: RegistrationSerializer, 200: RegistrationSerializer, **REFUSALS},
    )
    def post(self, request: Request, event_uuid: Any) -> Response:
        event, person = _event(event_uuid), _person(request)
        had = selectors.registration_of(event=event, person=person)
        registration = services.registration_create(event=event, person=person, now=timezone.now())
        created = had is None or had.status == Registration.Status.CANCELLED
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(RegistrationSerializer(registration).data, status=code)

    @extend_schema(
        summary="Cancel my registration (the first on the waiting list takes the seat)",
        responses={200: RegistrationSerializer, **REFUSALS},
    )
    def delete(self, request: Request, event_uuid: Any) -> Response:
        event, person = _event(event_uuid), _person(request)
        found = selectors.registration_of(event=event, person=person)
        if found is None:
            raise NotFound(_("You have no registration for this event."))
        registration = services.registration_cancel(
            registration=found, person=person, now=timezone.now()
        )
        return Response(RegistrationSerializer(registration).data)


class AttendanceApi(EventsAPIMixin, APIView):
    """Mark a person's attendance: {"person": <id>}; the organiser's staff or administrators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mark a person's attendance (organiser's staff, administrators)",
        request=AttendanceSerializer,
        responses={200: RegistrationSerializer, 415: OpenApiResponse(ERROR), **REFUSALS},
    )
    def post(self, request: Request, event_uuid: Any) -> Response:
        event = _event(event_uuid)
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": _("The body must be a JSON object.")})
        body = AttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # Refused before the person is looked up: an outsider learns nothing about who exists.
        if not selectors.can_mark_attendance(user=request.user, event=event):
            raise PermissionDenied(
                _("Only the organiser's staff or an administrator can mark attendance.")
            )
        person = Person.objects.filter(pk=body.validated_data["person"]).first()
        if person is None:
            raise ValidationError({"person": [_("No such person.")]})
        registration = services.attendance_mark(
            event=event, person=person, marked_by=request.user, now=timezone.now()
        )
        return Response(RegistrationSerializer(registration).data)

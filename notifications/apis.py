"""The in-app inbox under /api/notifications/ (DRF). Interfaces only: read the request,
call one selector or service, format the answer. A person reads and marks only their own
notifications: another's are not in the queryset, so they answer 404."""

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import views, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from engagement.network.apis import ERROR, NetworkAPIMixin
from engagement.network.models import Person
from notifications import selectors, services
from notifications import serializers as shapes
from notifications.digests.selectors import preferences_with_summary
from notifications.models import Notification

ERRORS = {
    403: OpenApiResponse(ERROR, description="not signed in"),
    404: OpenApiResponse(ERROR, description="no such notification of yours, or no person"),
}
WRITE_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(description="invalid input; the body names each field's problem"),
    413: OpenApiResponse(ERROR, description="the body is larger than the limit"),
}


@extend_schema_view(
    list=extend_schema(summary="Your in-app notifications, newest first"),
    partial_update=extend_schema(
        summary="Mark one of your notifications read (or unread again)",
        request=shapes.MarkReadSerializer,
        responses={200: shapes.NotificationSerializer, **WRITE_ERRORS},
    ),
)
class InboxViewSet(NetworkAPIMixin, viewsets.GenericViewSet[Notification]):
    """The signed-in person's in-app notifications."""

    serializer_class = shapes.NotificationSerializer
    permission_classes = [IsAuthenticated]
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.inbox_of(person_id=self._person_id())

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        notification = self.get_object()
        given = shapes.MarkReadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.notification_mark_read(
            notification=notification, read=given.validated_data["read"], now=timezone.now()
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(summary="How many of your notifications are unread", responses={
        200: shapes.UnreadCountSerializer, **ERRORS})  # fmt: skip
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(person_id=self._person_id())})

    @extend_schema(
        summary="Mark all your notifications read",
        request=shapes.MarkAllReadSerializer,
        responses={200: shapes.MarkedSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        given = shapes.MarkAllReadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        marked = services.notifications_mark_all_read(
            person_id=self._person_id(), now=timezone.now(), **given.validated_data
        )
        return Response({"marked": marked})

    def _person_id(self) -> int:
        person_id = self.viewer.person_id
        if person_id is None:
            raise NotFound(_("Your login is not linked to a person in the directory."))
        return person_id


@extend_schema_view(
    get=extend_schema(
        summary="Your notification preferences",
        responses={200: shapes.PreferenceSerializer, **ERRORS},
    ),
    patch=extend_schema(
        summary="Change your notification preferences (any of the fields)",
        request=shapes.PreferenceSerializer,
        responses={200: shapes.PreferenceSerializer, **WRITE_ERRORS},
    ),
)
class PreferenceView(NetworkAPIMixin, views.APIView):
    """The signed-in person's own preferences: there is no id in the URL, so no one else's
    can be named."""

    permission_classes = [IsAuthenticated]
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]
    http_method_names = ["get", "patch", "head", "options"]

    def get(self, request: Request) -> Response:
        person = self._person()
        return Response(shapes.PreferenceSerializer(preferences_with_summary(person)).data)

    def patch(self, request: Request) -> Response:
        person = self._person()
        given = shapes.PreferenceSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.preference_update(person_id=person.pk, **given.validated_data)
        return Response(shapes.PreferenceSerializer(preferences_with_summary(person)).data)

    def _person(self) -> Person:
        person_id = self.viewer.person_id
        person = Person.objects.filter(pk=person_id).first() if person_id is not None else None
        if person is None:
            raise NotFound(_("Your login is not linked to a person in the directory."))
        return person

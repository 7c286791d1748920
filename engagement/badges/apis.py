"""The badges API under /api/badges/ (DRF, signed in): a learner's own badges and share link,
and revocation for network administrators. Interfaces only."""

import uuid
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engagement.badges import selectors, services
from engagement.badges.models import Assertion, BadgeShare
from engagement.badges.ob2 import public_url
from engagement.network.apis import ERROR, WRITE_ERRORS, Conflict, NetworkAPIMixin
from engagement.network.models import Person
from engagement.network.permissions import IsNetworkAdmin

# A share switch or a revocation reason is a few hundred bytes.
MAX_BODY_BYTES = 16 * 1024
REASON_MAX_LENGTH = 1000


class BadgesAPIMixin(NetworkAPIMixin):
    max_body_bytes = MAX_BODY_BYTES
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]
    pagination_class = None

    def own_person(self) -> Person:
        person = self.viewer.person
        if person is None:
            raise PermissionDenied(_("This login has no person in the network."))
        return person

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.AlreadyRevoked):
            exc = Conflict(str(exc))
        elif isinstance(exc, services.BadgeAwardError):
            exc = ValidationError({"detail": str(exc)})
        return super().handle_exception(exc)


class AssertionOut(serializers.ModelSerializer[Assertion]):
    id = serializers.UUIDField(source="uuid")
    badge = serializers.CharField(source="badge_class.translated_name")
    issuer = serializers.CharField(source="badge_class.issuer.translated_name")
    url = serializers.SerializerMethodField()
    baked_image_url = serializers.SerializerMethodField()
    revoked = serializers.BooleanField(source="is_revoked")

    class Meta:
        model = Assertion
        fields = [
            "id", "badge", "issuer", "issued_at", "revoked", "revoked_at", "revocation_reason",
            "url", "baked_image_url",
        ]  # fmt: skip

    def get_url(self, assertion: Assertion) -> str:
        return public_url("assertion", uuid=assertion.uuid)

    def get_baked_image_url(self, assertion: Assertion) -> str | None:
        if assertion.is_revoked:
            return None
        return public_url("assertion-baked", uuid=assertion.uuid)


class MyBadgesView(BadgesAPIMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The signed-in learner's own badges (revoked ones included, with the reason)",
        responses={200: AssertionOut(many=True), 403: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request) -> Response:
        assertions = selectors.assertions_of(person=self.own_person())
        return Response(AssertionOut(assertions, many=True).data)


class ShareIn(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    new_link = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data: Any) -> Any:
        # Strict booleans: "yes", 1 or "true" are refused, not guessed at.
        if isinstance(data, dict):
            for field in ("enabled", "new_link"):
                if field in data and not isinstance(data[field], bool):
                    raise ValidationError({field: [_("Must be true or false.")]})
            unknown = set(data) - {"enabled", "new_link"}
            if unknown:
                raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
        return super().to_internal_value(data)


class ShareOut(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    url = serializers.URLField(allow_null=True, help_text="the public link while shared")


def _share_answer(share: BadgeShare | None) -> dict[str, Any]:
    if share is None or not share.enabled:
        return {"enabled": False, "url": None}
    return {"enabled": True, "url": public_url("shared", token=selectors.share_token(share))}


class ShareView(BadgesAPIMixin, APIView):
    """The learner's public badge list: off until turned on; the link is shown while on."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Whether the signed-in learner's badge list is shared, and its link",
        responses={200: ShareOut, 403: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request) -> Response:
        return Response(_share_answer(selectors.share_of(person=self.own_person())))

    @extend_schema(
        summary="Share the badge list by link, or stop; new_link makes the old link dead",
        request=ShareIn,
        responses={200: ShareOut, **WRITE_ERRORS},
    )
    def put(self, request: Request) -> Response:
        given = ShareIn(data=request.data)
        given.is_valid(raise_exception=True)
        share = services.badge_share_set(person=self.own_person(), **given.validated_data)
        return Response(_share_answer(share))


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would turn 5 or true into "5" and "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RevokeIn(serializers.Serializer[Any]):
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, allow_blank=False)


class RevokeView(BadgesAPIMixin, APIView):
    permission_classes = [IsAuthenticated, IsNetworkAdmin]

    @extend_schema(
        summary="Revoke a badge with a reason (network administrators)",
        request=RevokeIn,
        responses={
            200: AssertionOut,
            404: OpenApiResponse(ERROR),
            409: OpenApiResponse(ERROR, description="already revoked"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, uuid: uuid.UUID) -> Response:
        given = RevokeIn(data=request.data)
        given.is_valid(raise_exception=True)
        found = selectors.assertion_get(public_id=uuid)
        if found is None:
            raise NotFound(_("No such badge assertion."))
        revoked = services.assertion_revoke(
            assertion=found, reason=given.validated_data["reason"], now=timezone.now()
        )
        return Response(AssertionOut(revoked).data)

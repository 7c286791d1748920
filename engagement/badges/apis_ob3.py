"""Showing a badge to a consented employer, under /api/badges/ (DRF, signed in). Interfaces
only: engagement/badges/employer_shares.py decides.

The learner lists, adds and removes the employers a badge is shown to; an employer contact
lists the badges shown to their companies while the learner's consent is in force.
"""

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engagement.badges import employer_shares, selectors
from engagement.badges.apis import BadgesAPIMixin
from engagement.badges.models import Assertion
from engagement.badges.models_ob3 import EmployerBadgeShare
from engagement.badges.ob2 import public_url
from engagement.network.apis import ERROR, WRITE_ERRORS
from engagement.network.models import Organisation


class EmployerShareIn(serializers.Serializer[Any]):
    employer = serializers.SlugField(max_length=64, help_text="the company's slug")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = set(data) - {"employer"}
            if unknown:
                raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
            if "employer" in data and not isinstance(data["employer"], str):
                raise ValidationError({"employer": [_("Must be a text slug.")]})
        return super().to_internal_value(data)


class EmployerShareOut(serializers.ModelSerializer[EmployerBadgeShare]):
    employer = serializers.CharField(source="employer.slug")
    employer_name = serializers.CharField(source="employer.translated_name")

    class Meta:
        model = EmployerBadgeShare
        fields = ["employer", "employer_name", "shared_at"]


class ShownToEmployerOut(serializers.ModelSerializer[EmployerBadgeShare]):
    """What an employer sees: the credential and its status, nothing of the learning itself."""

    id = serializers.UUIDField(source="assertion.uuid")
    employer = serializers.CharField(source="employer.slug")
    learner = serializers.SerializerMethodField()
    badge = serializers.CharField(source="assertion.badge_class.translated_name")
    issuer = serializers.CharField(source="assertion.badge_class.issuer.translated_name")
    issued_at = serializers.DateTimeField(source="assertion.issued_at")
    revoked = serializers.BooleanField(source="assertion.is_revoked")
    url = serializers.SerializerMethodField()

    class Meta:
        model = EmployerBadgeShare
        fields = ["id", "employer", "learner", "badge", "issuer", "issued_at", "revoked", "url"]

    def get_learner(self, share: EmployerBadgeShare) -> str:
        person = share.assertion.recipient
        return f"{person.given_name} {person.family_name}"

    def get_url(self, share: EmployerBadgeShare) -> str:
        return public_url("assertion", uuid=share.assertion.uuid)


class _OwnBadgeMixin(BadgesAPIMixin):
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, employer_shares.ShareRefused):
            exc = ValidationError({"detail": str(exc)})
        return super().handle_exception(exc)

    def own_assertion(self, public_id: uuid.UUID) -> Assertion:
        found = selectors.assertion_get(public_id=public_id)
        # Another person's badge is as absent as an unknown one.
        if found is None or found.recipient_id != self.own_person().pk:
            raise NotFound(_("No such badge assertion."))
        return found


class EmployerSharesView(_OwnBadgeMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The employers the signed-in learner shows this badge to",
        responses={200: EmployerShareOut(many=True), 404: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request, uuid: uuid.UUID) -> Response:
        shares = employer_shares.shares_of(assertion=self.own_assertion(uuid))
        return Response(EmployerShareOut(shares, many=True).data)

    @extend_schema(
        summary="Show this badge to an employer the learner has a consent in force with",
        request=EmployerShareIn,
        responses={
            201: EmployerShareOut,
            200: EmployerShareOut,
            404: OpenApiResponse(ERROR),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, uuid: uuid.UUID) -> Response:
        assertion = self.own_assertion(uuid)
        given = EmployerShareIn(data=request.data)
        given.is_valid(raise_exception=True)
        employer = Organisation.objects.filter(slug=given.validated_data["employer"]).first()
        if employer is None:
            raise ValidationError({"employer": [_("No such organisation.")]})
        share, created = employer_shares.employer_share_create(
            assertion=assertion, employer=employer, now=timezone.now()
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(EmployerShareOut(share).data, status=code)


class EmployerShareView(_OwnBadgeMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Stop showing this badge to the employer",
        responses={204: None, 404: OpenApiResponse(ERROR)},
    )
    def delete(self, request: Request, uuid: uuid.UUID, employer: str) -> Response:
        assertion = self.own_assertion(uuid)
        found = Organisation.objects.filter(slug=employer).first()
        if found is None or not employer_shares.employer_share_delete(
            assertion=assertion, employer=found
        ):
            raise NotFound(_("This badge is not shown to that employer."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShownToMeView(BadgesAPIMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Badges shown to the companies the signed-in employer contact speaks for",
        responses={200: ShownToEmployerOut(many=True), 403: OpenApiResponse(ERROR)},
    )
    def get(self, request: Request) -> Response:
        shown = employer_shares.badges_shown_to(self.viewer)
        return Response(ShownToEmployerOut(shown, many=True).data)

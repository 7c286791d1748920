"""/api/membership/: network administrators decide on applications."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.openapi import ErrorSerializer as ERROR
from engagement.membership import services
from engagement.membership.models import MembershipApplication
from engagement.network.permissions import IsNetworkAdmin


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = MembershipApplication
        fields = [
            "id",
            "name_en",
            "name_fi",
            "name_sv",
            "kind",
            "business_id",
            "status",
            "decided_at",
            "decline_reason",
            "organisation",
        ]


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DecisionView(APIView):
    permission_classes = [IsNetworkAdmin]
    decision = ""

    def post(self, request: Request, pk: int) -> Response:
        get_object_or_404(MembershipApplication, pk=pk)
        # Read for both decisions, so a malformed body is refused, not ignored.
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": _("The body must be a JSON object.")})
        fields: dict[str, Any] = {}
        if self.decision == "decline":
            body = DeclineSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            fields["reason"] = body.validated_data["reason"]
        decide = getattr(services, f"application_{self.decision}")
        try:
            application = decide(
                application_id=pk, decided_by=request.user, now=timezone.now(), **fields
            )
        except services.AlreadyDecided as refusal:
            raise Conflict(str(refusal)) from None
        except services.MembershipError as refusal:
            raise ValidationError({"detail": str(refusal)}) from None
        return Response(ApplicationSerializer(application).data)


DECISION_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="the decision cannot be made"),
    409: OpenApiResponse(ERROR, description="the application was decided already"),
}


@extend_schema_view(
    post=extend_schema(
        summary="Approve a membership application",
        description="Makes the organisation, the contact's role and, for a provider, its "
        "badge issuer and LRS client, and queues the welcome e-mail; all or nothing. 409 when "
        "the application was decided already.",
        request=None,
        responses={200: ApplicationSerializer, **DECISION_ERRORS},
    )
)
class ApproveView(DecisionView):
    decision = "approve"


@extend_schema_view(
    post=extend_schema(
        summary="Decline a membership application",
        description="Records the reason and e-mails it to the applicant. 409 when the "
        "application was decided already.",
        request=DeclineSerializer,
        responses={200: ApplicationSerializer, **DECISION_ERRORS},
    )
)
class DeclineView(DecisionView):
    decision = "decline"

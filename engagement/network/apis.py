"""The directory's REST API under /api/network/ (DRF). Interfaces only: a view reads the
request, calls one selector or service, and formats the answer.

Reads go through the visibility selectors, so a row the caller may not see is simply not
there (404, never 403, so ids of other tenants' data reveal nothing). Writes need a network
administrator, except the learner's own consents.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.openapi import ErrorSerializer
from engagement.network import filters, selectors, services
from engagement.network import serializers as shapes
from engagement.network.interchange import LAYOUTS, ImportRefused, network_export, network_import
from engagement.network.interchange.format import KIND_BY_NAME
from engagement.network.models import (
    Consent,
    EscoSkill,
    Milestone,
    MilestoneActivity,
    Organisation,
)
from engagement.network.permissions import (
    IsConsentLearnerOrAdmin,
    IsNetworkAdmin,
    viewer_of_request,
)
from engagement.network.selectors import Viewer

# Directory requests are small: a pathway with all its texts is a few kilobytes. Larger
# bodies are refused before they are parsed. (Imports have their own, larger limit.)
API_MAX_BODY_BYTES = 1024 * 1024

ERROR = ErrorSerializer
WRITE_ERRORS = {
    400: OpenApiResponse(description="invalid input; the body names each field's problem"),
    403: OpenApiResponse(ERROR, description="not signed in, or not a network administrator"),
    409: OpenApiResponse(ERROR, description="conflicts with data stored meanwhile, or in use"),
    413: OpenApiResponse(ERROR, description="the body is larger than the limit"),
}
# A field-by-field refusal: each field (or `detail`) maps to its messages.
VALIDATION_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="invalid input")


# A slug in a URL: what SlugField allows. DRF's default ([^/.]+) would pass a NUL character
# to the query, which PostgreSQL refuses with an error (a 500); this answers 404.
SLUG_IN_URL = r"[-a-zA-Z0-9_]+"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "The change conflicts with data stored meanwhile; read it again and retry."
    )
    default_code = "conflict"


class NetworkPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BodyLimitMixin:
    """Refuses a body over `max_body_bytes` (413) before DRF parses it, and a Content-Length
    that is not a number (400). The other rooms' APIs use it too."""

    max_body_bytes = API_MAX_BODY_BYTES

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ValidationError(
                {"detail": _("The Content-Length header is not a number.")}
            ) from None
        if length > self.get_max_body_bytes():
            limit = self.get_max_body_bytes()
            raise PayloadTooLarge(
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )

    def get_max_body_bytes(self) -> int:
        return self.max_body_bytes


class NetworkAPIMixin(BodyLimitMixin):
    """Body size limit, the viewer, and directory refusals as clear 4xx answers."""

    pagination_class: type[BasePagination] | None = NetworkPagination

    @property
    def viewer(self) -> Viewer:
        return viewer_of_request(self.request)  # type: ignore[attr-defined]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.DirectoryError):
            exc = ValidationError({"detail": str(exc)})
        elif isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            exc = ValidationError(detail)
        elif isinstance(exc, IntegrityError):
            exc = Conflict()
        return super().handle_exception(exc)  # type: ignore[misc]


class ManagedViewSet(NetworkAPIMixin, viewsets.GenericViewSet[Any]):
    """List and read for whoever may see the rows; create, change and delete for network
    administrators, each through one service."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    update_serializer_class: type[serializers.BaseSerializer[Any]] | None = None
    admin_actions = ("create", "partial_update", "destroy")

    def get_permissions(self) -> list[BasePermission]:
        if self.action in self.admin_actions:
            return [IsAuthenticated(), IsNetworkAdmin()]
        return [IsAuthenticated()]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "partial_update" and self.update_serializer_class is not None:
            return self.update_serializer_class
        return super().get_serializer_class()

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = self.service_create(dict(serializer.validated_data))
        return Response(self._output(created), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = self.service_update(instance, dict(serializer.validated_data))
        return Response(self._output(updated))

    def destroy(self, request: Request, **kwargs: Any) -> Response:
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _output(self, instance: Model) -> Any:
        fresh = self.get_queryset().get(pk=instance.pk)  # with the list's related rows
        return super().get_serializer_class()(fresh, context=self.get_serializer_context()).data

    def service_create(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_delete(self, instance: Any) -> None:
        raise NotImplementedError


def _documented(name: str, serializer: Any, *, update: bool = True) -> Any:
    """OpenAPI texts of a managed resource's actions."""
    admins = "(network administrators)"
    views = {
        "list": extend_schema(summary=f"List the {name} you may see"),
        "retrieve": extend_schema(summary=f"Read one of the {name}"),
        "create": extend_schema(
            summary=f"Add to the {name} {admins}", responses={201: serializer, **WRITE_ERRORS}
        ),
        "destroy": extend_schema(
            summary=f"Delete one of the {name} {admins}",
            responses={204: None, **WRITE_ERRORS},
        ),
    }
    if update:
        views["partial_update"] = extend_schema(
            summary=f"Change one of the {name} {admins}",
            responses={200: serializer, **WRITE_ERRORS},
        )
    return extend_schema_view(**views)


@_documented("organisations", shapes.OrganisationSerializer)
class OrganisationViewSet(ManagedViewSet):
    serializer_class = shapes.OrganisationSerializer
    update_serializer_class = shapes.OrganisationUpdateSerializer
    filterset_class = filters.OrganisationFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_IN_URL

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.order_by("name_en", "slug")

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.organisation_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.organisation_update(organisation=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.organisation_delete(organisation=instance)


@_documented("people", shapes.PersonSerializer)
class PersonViewSet(ManagedViewSet):
    serializer_class = shapes.PersonSerializer
    filterset_class = filters.PersonFilter

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.people_visible_to(self.viewer).select_related("user").order_by("id")

    @extend_schema(summary="Your own person, with your roles and xAPI identities")
    @action(detail=False, serializer_class=shapes.PersonDetailSerializer, pagination_class=None)
    def me(self, request: Request) -> Response:
        person_id = self.viewer.person_id
        if person_id is None:
            raise NotFound(_("Your login is not linked to a person in the directory."))
        person = selectors.people_visible_to(self.viewer).prefetch_related(
            "identities",
            Prefetch(
                "roles",
                queryset=selectors.roles_visible_to(self.viewer).select_related("organisation"),
            ),
        )
        return Response(self.get_serializer(person.get(pk=person_id)).data)

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.person_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.person_update(person=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.person_delete(person=instance)


@_documented("roles", shapes.RoleSerializer, update=False)
class RoleViewSet(ManagedViewSet):
    """Roles: own ones, or all for administrators. Granting a role twice is harmless."""

    serializer_class = shapes.RoleSerializer
    filterset_class = filters.RoleFilter
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.roles_visible_to(self.viewer).select_related("organisation").order_by("id")

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.role_grant(**data)

    def service_delete(self, instance: Any) -> None:
        services.role_revoke(role=instance)


@_documented("xAPI identities", shapes.IdentitySerializer, update=False)
class IdentityViewSet(ManagedViewSet):
    """The xAPI identities (mbox, mbox_sha1sum, openid, account) statements are matched to
    people by. Own ones, or all for administrators; only administrators link them, since a
    link gives a person the statements made under it."""

    serializer_class = shapes.IdentitySerializer
    filterset_class = filters.IdentityFilter
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.identities_visible_to(self.viewer).order_by("id")

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.identity_link(**data)

    def service_delete(self, instance: Any) -> None:
        services.identity_unlink(identity=instance)


@_documented("ESCO skills", shapes.SkillSerializer)
class SkillViewSet(ManagedViewSet):
    serializer_class = shapes.SkillSerializer
    filterset_class = filters.SkillFilter

    def get_queryset(self) -> QuerySet[EscoSkill]:
        return EscoSkill.objects.order_by("label_en", "id")

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.skill_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.skill_update(skill=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.skill_delete(skill=instance)


def _milestones_with_criteria() -> Prefetch[Any]:
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.select_related("provider").prefetch_related(
            "skills", Prefetch("activities", queryset=MilestoneActivity.objects.order_by("id"))
        ),
    )


@_documented("pathways", shapes.PathwaySerializer)
class PathwayViewSet(ManagedViewSet):
    """Pathways with their milestones and completion criteria. Everyone signed in sees the
    published ones (and unpublished ones they are enrolled on); administrators see all."""

    serializer_class = shapes.PathwaySerializer
    update_serializer_class = shapes.PathwayUpdateSerializer
    filterset_class = filters.PathwayFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_IN_URL

    def get_queryset(self) -> QuerySet[Any]:
        return (
            selectors.pathways_visible_to(self.viewer)
            .prefetch_related("skills", "providers", _milestones_with_criteria())
            .order_by("title_en", "slug")
        )

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.pathway_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.pathway_update(pathway=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.pathway_delete(pathway=instance)


@_documented("milestones", shapes.MilestoneSerializer)
class MilestoneViewSet(ManagedViewSet):
    serializer_class = shapes.MilestoneSerializer
    update_serializer_class = shapes.MilestoneUpdateSerializer
    filterset_class = filters.MilestoneFilter

    def get_queryset(self) -> QuerySet[Any]:
        return (
            Milestone.objects.filter(pathway__in=selectors.pathways_visible_to(self.viewer))
            .select_related("pathway", "provider")
            .prefetch_related(
                "skills", Prefetch("activities", queryset=MilestoneActivity.objects.order_by("id"))
            )
            .order_by("pathway__slug", "position")
        )

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.milestone_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.milestone_update(milestone=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.milestone_delete(milestone=instance)


@_documented("milestone activities (completion criteria)", shapes.ActivitySerializer)
class ActivityViewSet(ManagedViewSet):
    serializer_class = shapes.ActivitySerializer
    update_serializer_class = shapes.ActivityUpdateSerializer
    filterset_class = filters.ActivityFilter

    def get_queryset(self) -> QuerySet[Any]:
        visible = selectors.pathways_visible_to(self.viewer)
        return MilestoneActivity.objects.filter(milestone__pathway__in=visible).order_by("id")

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.milestone_activity_add(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.milestone_activity_update(activity=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.milestone_activity_remove(activity=instance)


@_documented("enrolments", shapes.EnrolmentSerializer)
class EnrolmentViewSet(ManagedViewSet):
    """Enrolments in full: a learner's own, a teacher's cohorts' (while they hold the
    teacher role at the cohort's provider), or all for administrators. Employer contacts
    read what is shared with them at /shared-enrolments/."""

    serializer_class = shapes.EnrolmentSerializer
    update_serializer_class = shapes.EnrolmentUpdateSerializer
    filterset_class = filters.EnrolmentFilter

    def get_queryset(self) -> QuerySet[Any]:
        return (
            selectors.enrolments_visible_to(self.viewer)
            .select_related("learner", "pathway", "sponsor")
            .prefetch_related("cohorts")
            .order_by("id")
        )

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.enrolment_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.enrolment_update(enrolment=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.enrolment_delete(enrolment=instance)


@extend_schema_view(
    list=extend_schema(summary="Enrolments shared with your company (employer contacts)"),
    retrieve=extend_schema(summary="One enrolment shared with your company"),
)
class SharedEnrolmentViewSet(NetworkAPIMixin, viewsets.ReadOnlyModelViewSet[Any]):
    """Enrolments whose learners gave an active consent to a company you are an employer
    contact of: completion status only. Revoking the consent removes the row at once."""

    serializer_class = shapes.SharedEnrolmentSerializer
    filterset_class = filters.SharedEnrolmentFilter
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Any]:
        return (
            selectors.enrolments_shared_with(self.viewer)
            .select_related("learner", "pathway", "progress")
            .order_by("id")
        )


@_documented("cohorts", shapes.CohortSerializer)
class CohortViewSet(ManagedViewSet):
    """Cohorts: the ones you teach (with the teacher role at their provider), or all for
    administrators."""

    serializer_class = shapes.CohortSerializer
    update_serializer_class = shapes.CohortUpdateSerializer
    filterset_class = filters.CohortFilter

    def get_queryset(self) -> QuerySet[Any]:
        return (
            selectors.cohorts_visible_to(self.viewer)
            .select_related("provider")
            .prefetch_related("teachers", "enrolments")
            .order_by("provider__slug", "name")
        )

    def service_create(self, data: dict[str, Any]) -> Model:
        return services.cohort_create(**data)

    def service_update(self, instance: Any, data: dict[str, Any]) -> Model:
        return services.cohort_update(cohort=instance, data=data)

    def service_delete(self, instance: Any) -> None:
        services.cohort_delete(cohort=instance)


@extend_schema_view(
    list=extend_schema(summary="Consents: your own, or the ones given to your company"),
    retrieve=extend_schema(summary="Read one consent"),
    create=extend_schema(
        summary="Share one of your enrolments with an employer (learners)",
        request=shapes.ConsentGiveSerializer,
        responses={201: shapes.ConsentSerializer, **WRITE_ERRORS},
    ),
)
class ConsentViewSet(NetworkAPIMixin, viewsets.ReadOnlyModelViewSet[Any]):
    """Consent is the learner's: only they give it, on their own enrolments; they (or an
    administrator) revoke it, which hides the enrolment from the employer at once."""

    serializer_class = shapes.ConsentSerializer
    filterset_class = filters.ConsentFilter
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Consent]:
        return (
            selectors.consents_visible_to(self.viewer)
            .select_related("employer", "enrolment")
            .order_by("id")
        )

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "revoke":
            return [IsAuthenticated(), IsConsentLearnerOrAdmin()]
        return [IsAuthenticated()]

    def create(self, request: Request) -> Response:
        serializer = shapes.ConsentGiveSerializer(data=request.data, learner=self.viewer.person)
        serializer.is_valid(raise_exception=True)
        consent = services.consent_give(**serializer.validated_data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a consent (the learner who gave it, or an administrator)", request=None
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        consent = services.consent_revoke(consent=self.get_object())
        return Response(self.get_serializer(consent).data)


# --- The public catalogue ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Search the published pathways (public)"),
    retrieve=extend_schema(summary="One published pathway (public)"),
)
class CatalogueViewSet(NetworkAPIMixin, viewsets.ReadOnlyModelViewSet[Any]):
    """The public pathway catalogue: published pathways only, no sign-in needed. Texts come
    in the language of the request's Accept-Language (fi, sv, en), with all three alongside."""

    serializer_class = shapes.CataloguePathwaySerializer
    filterset_class = filters.CatalogueFilter
    permission_classes = [AllowAny]
    lookup_field = "slug"
    lookup_value_regex = SLUG_IN_URL

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.catalogue_pathways_in_full()

    @extend_schema(
        summary="Overlapping published pathways (public)",
        description=(
            "Pairs of published pathways whose milestones count the same activity IRIs, or whose "
            "ESCO skill sets overlap with a Jaccard index of at least 0.5, with the reasons."
        ),
        filters=False,
        responses=shapes.OverlapSerializer(many=True),
    )
    @action(detail=False, filterset_class=None, serializer_class=shapes.OverlapSerializer)
    def overlaps(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.pathway_overlaps())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Import and export ------------------------------------------------------------------------


class _RawBodyParser(BaseParser):
    """Hands the body over as bytes: the importer parses it itself, to know line numbers."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return b"" if stream is None else bytes(stream.read())


class JsonDocumentParser(_RawBodyParser):
    media_type = "application/json"


class ZipParser(_RawBodyParser):
    media_type = "application/zip"


class CsvParser(_RawBodyParser):
    media_type = "text/csv"


def _flag(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes"}


class NetworkImportView(NetworkAPIMixin, APIView):
    """Import a network file, all or nothing (docs/network-import.md)."""

    permission_classes = [IsAuthenticated, IsNetworkAdmin]
    parser_classes = [JsonDocumentParser, ZipParser, CsvParser, MultiPartParser]

    def get_max_body_bytes(self) -> int:
        return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    @extend_schema(
        summary="Import a network file (administrators)",
        description=(
            "Send a JSON document (application/json), a zip of CSV files (application/zip), "
            "one CSV file (text/csv with ?kind=people etc.), or any of them as the multipart "
            "field `file`. Nothing is stored when any row is bad: the 400 answer lists every "
            "problem with file, line and field. Importing the same file again changes nothing."
        ),
        parameters=[
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="check and count only"),
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                enum=list(KIND_BY_NAME),
                description="the kind of a text/csv body",
            ),
        ],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/zip": OpenApiTypes.BINARY,
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": shapes.ImportUploadSerializer,
        },
        responses={
            200: shapes.ImportResultSerializer,
            # ImportRefusedSerializer's `detail` and `problems` when the data is refused;
            # a field's message when the upload itself is wrong (no file, no CSV kind).
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="refused: `detail` and `problems` (ImportProblem), or a field's "
                "message when the upload is malformed",
            ),
            403: OpenApiResponse(ERROR, description="not a network administrator"),
            413: OpenApiResponse(ERROR, description="larger than the upload limit"),
        },
    )
    def post(self, request: Request) -> Response:
        filename, content = self._upload(request)
        try:
            result = network_import(
                filename=filename,
                content=content,
                dry_run=_flag(request.query_params.get("dry_run")),
            )
        except ImportRefused as refused:
            problems = [problem.as_dict() for problem in refused.problems]
            return Response({"detail": str(refused), "problems": problems}, status=400)
        return Response(result.as_dict())

    def _upload(self, request: Request) -> tuple[str, bytes]:
        media_type = (request.content_type or "").split(";")[0].strip()
        if media_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": _("Attach the file to import as the field `file`.")})
            return upload.name or "upload", upload.read()
        content = request.data
        if not isinstance(content, bytes) or not content:
            raise ValidationError({"detail": _("Send the file to import as the request body.")})
        if media_type == "text/csv":
            kind = request.query_params.get("kind", "")
            if kind not in KIND_BY_NAME:
                raise ValidationError(
                    {
                        "kind": _("Name the CSV's kind: one of %(kinds)s.")
                        % {"kinds": ", ".join(KIND_BY_NAME)}
                    }
                )
            return f"{kind}.csv", content
        return ("upload.zip" if media_type == "application/zip" else "upload.json"), content


class NetworkExportView(NetworkAPIMixin, APIView):
    """Export the directory in the import format."""

    permission_classes = [IsAuthenticated, IsNetworkAdmin]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The answer is a file, not a rendered value: any Accept header gets it.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Export the directory (administrators)",
        parameters=[
            OpenApiParameter(
                "layout",
                OpenApiTypes.STR,
                enum=list(LAYOUTS),
                description="json (default) or csv (a zip)",
            )
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/zip"): OpenApiTypes.BINARY,
            (400, "application/json"): OpenApiTypes.OBJECT,
            (403, "application/json"): ERROR,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        layout = request.query_params.get("layout", "json")
        if layout not in LAYOUTS:
            raise ValidationError(
                {"layout": _("Must be one of %(layouts)s.") % {"layouts": ", ".join(LAYOUTS)}}
            )
        export = network_export(layout=layout)
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response

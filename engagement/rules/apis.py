"""The rules API under /api/rules/ (DRF). Interfaces only: read the request, call one service
or selector, format the answer. The network room's mixin gives the body limit (413), the
viewer and its error shapes; rules and their reports are for network administrators."""

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engagement.network.apis import ERROR, WRITE_ERRORS, NetworkAPIMixin
from engagement.network.permissions import IsNetworkAdmin
from engagement.rules import effectiveness, selectors, services
from engagement.rules import serializers as shapes
from engagement.rules.definitions import DefinitionError
from engagement.rules.models import Rule, RuleVersion
from engagement.rules.previews import PREVIEW_LIMIT, rule_preview_report

READ_ERRORS = {
    403: OpenApiResponse(ERROR, description="not signed in, or not a network administrator"),
    404: OpenApiResponse(ERROR, description="no such rule"),
}


class RulesAPIMixin(NetworkAPIMixin):
    """The network room's limits and error shapes; JSON bodies only; a DefinitionError (from
    a service) answered as 400 under the field each message names."""

    parser_classes: Sequence[type[BaseParser]] = [JSONParser]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DefinitionError):
            # Each message starts with the field it names: "definition.days: ...", "pathway: ..."
            by_field: dict[str, list[str]] = {}
            for message in exc.errors:
                by_field.setdefault(message.split(":")[0].split(".")[0], []).append(message)
            exc = ValidationError(by_field)
        return super().handle_exception(exc)


@extend_schema_view(
    list=extend_schema(summary="List the engagement rules (network administrators)"),
    retrieve=extend_schema(
        summary="Read one rule with its current version (network administrators)",
        responses={200: shapes.RuleSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Make a rule (network administrators)",
        description="The definition is validated; each problem names its field. The rule "
        "starts at version 1.",
        request=shapes.RuleCreateSerializer,
        responses={201: shapes.RuleSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a rule (network administrators)",
        description="A definition different from the current one makes a new version "
        "(decisions already made keep theirs); name, enabled and holdout_share change the "
        "rule without one. Scope and target cannot change.",
        request=shapes.RuleUpdateSerializer,
        responses={200: shapes.RuleSerializer, **WRITE_ERRORS, 404: READ_ERRORS[404]},
    ),
)
class RuleViewSet(RulesAPIMixin, viewsets.GenericViewSet[Any]):
    """Engagement rules as data: each edit of a definition is a new version, decisions keep
    the version that made them. Network administrators only."""

    serializer_class = shapes.RuleSerializer
    permission_classes = [IsAuthenticated, IsNetworkAdmin]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Only ids: the API's named paths (study-plan/, traffic-lights/) sit beside the rules.
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Rule]:
        return Rule.objects.select_related(
            "provider", "pathway", "current_version__created_by"
        ).order_by("name", "id")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        given = shapes.RuleCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rule = services.rule_create(**given.validated_data, user=request.user)
        return Response(self._output(rule), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        given = shapes.RuleUpdateSerializer(rule, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.rule_edit(rule=rule, **given.validated_data, user=request.user)
        return Response(self._output(rule))

    def _output(self, rule: Rule) -> Any:
        return self.get_serializer(self.get_queryset().get(pk=rule.pk)).data

    @extend_schema(
        summary="The versions of a rule, newest first (network administrators)",
        responses={200: shapes.RuleVersionSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, serializer_class=shapes.RuleVersionSerializer)
    def versions(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        versions = RuleVersion.objects.filter(rule=rule).select_related("created_by")
        page = self.paginate_queryset(versions.order_by("-number"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Switch a rule on (network administrators)",
        description="Also clears the reason it was switched off for an error.",
        request=None,
        responses={200: shapes.RuleSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str) -> Response:
        rule = services.rule_set_enabled(rule=self.get_object(), enabled=True)
        return Response(self._output(rule))

    @extend_schema(
        summary="Switch a rule off (network administrators)",
        request=None,
        responses={200: shapes.RuleSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str) -> Response:
        rule = services.rule_set_enabled(rule=self.get_object(), enabled=False)
        return Response(self._output(rule))

    @extend_schema(
        summary="Whom the rule would act on now, and why; whom it leaves out (administrators)",
        description=f"Nothing is recorded or sent. Schedule rules only; at most {PREVIEW_LIMIT} "
        "candidate learners are evaluated, and the note says when the lists are a sample.",
        responses={200: shapes.PreviewSerializer, **READ_ERRORS},
    )
    @action(detail=True, pagination_class=None, serializer_class=shapes.PreviewSerializer)
    def preview(self, request: Request, pk: str) -> Response:
        report = rule_preview_report(rule=self.get_object(), now=timezone.now())
        return Response(self.get_serializer(report).data)

    @extend_schema(
        summary="Did the rule help? Nudged against held out, per version (administrators)",
        description=effectiveness.METHOD,
        responses={200: shapes.EffectivenessSerializer, **READ_ERRORS},
    )
    @action(detail=True, pagination_class=None, serializer_class=shapes.EffectivenessSerializer)
    def effectiveness(self, request: Request, pk: str) -> Response:
        rule, now = self.get_object(), timezone.now()
        effects = effectiveness.rule_effects(*selectors.decision_outcomes(rule_id=rule.pk, now=now))
        report = {
            "rule_id": rule.pk,
            "as_of": now,
            "method": effectiveness.METHOD,
            "versions": effects[:-1],
            "all_versions": effects[-1],
        }
        return Response(self.get_serializer(report).data)


class StudyPlanView(RulesAPIMixin, APIView):
    """The signed-in person's own study plan: a weekly goal and preferred study times."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your study plan",
        responses={
            200: shapes.StudyPlanSerializer,
            403: OpenApiResponse(ERROR, description="not signed in"),
            404: OpenApiResponse(ERROR, description="no plan yet, or no person for the login"),
        },
    )
    def get(self, request: Request) -> Response:
        plan = selectors.study_plan_of(person_id=self._person().pk)
        if plan is None:
            raise NotFound(_("You have no study plan yet: PUT one here."))
        return Response(shapes.StudyPlanSerializer(plan).data)

    @extend_schema(
        summary="Set your study plan (replaces it whole)",
        description="One weekly goal, days_per_week (1-7) or hours_per_week (0.5-80), and "
        'preferred_times: [{"weekday": 0-6 (Monday 0), "from": "HH:MM", "to": "HH:MM"}] '
        "in your time zone, from before to, not overlapping.",
        request=shapes.StudyPlanSerializer,
        responses={
            200: shapes.StudyPlanSerializer,
            400: OpenApiResponse(description="invalid input; the body names each field"),
            403: OpenApiResponse(ERROR, description="not signed in"),
            404: OpenApiResponse(ERROR, description="no person for the login"),
            413: OpenApiResponse(ERROR, description="the body is larger than the limit"),
        },
    )
    def put(self, request: Request) -> Response:
        given = shapes.StudyPlanSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        plan = services.study_plan_set(person=self._person(), **given.validated_data)
        return Response(shapes.StudyPlanSerializer(plan).data)

    def _person(self) -> Any:
        person = self.viewer.person
        if person is None:
            raise NotFound(_("Your login is not linked to a person in the directory."))
        return person


class CohortQuery(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(min_value=1, help_text=_("the cohort's id"))


class TrafficLightsView(RulesAPIMixin, generics.GenericAPIView[Any]):
    """Traffic lights of a cohort's enrolments, for its teachers (and administrators)."""

    permission_classes = [IsAuthenticated]
    serializer_class = shapes.TrafficLightSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Traffic lights of a cohort you teach: green, amber or red, with every reason",
        description="Rule-based, never a score (DESIGN.md); for teachers of the cohort who "
        "hold the teacher role at its provider, and administrators. Others get 404.",
        parameters=[OpenApiParameter("cohort", OpenApiTypes.INT, required=True)],
        responses={
            200: shapes.TrafficLightSerializer(many=True),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="no cohort, or not a number"),
            403: OpenApiResponse(ERROR, description="not signed in"),
            404: OpenApiResponse(ERROR, description="no such cohort that you teach"),
        },
    )
    def get(self, request: Request) -> Response:
        query = CohortQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        enrolments = selectors.cohort_enrolments(
            viewer=self.viewer, cohort_id=query.validated_data["cohort"]
        )
        if enrolments is None:
            raise NotFound(_("No such cohort among the ones you teach."))
        page = self.paginate_queryset(enrolments) or []
        lights = selectors.traffic_lights(enrolments=page, now=timezone.now())
        return self.get_paginated_response(self.get_serializer(lights, many=True).data)

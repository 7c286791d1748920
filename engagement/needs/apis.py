"""/api/needs/: a company's contacts record and change its needs; network administrators
and provider staff read every company's needs and the needs-vs-offer report.

Another company's need is not there (404), as in the directory's API. Bodies over
API_MAX_BODY_BYTES are refused (413) before they are parsed, by the directory's mixin.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engagement.needs import selectors, services
from engagement.needs.models import TrainingNeed
from engagement.needs.serializers import (
    SkillCoverageShape,
    TrainingNeedChange,
    TrainingNeedShape,
    TrainingNeedWrite,
)
from engagement.network.apis import NetworkAPIMixin
from engagement.network.permissions import viewer_of_request


class ReadsNeeds(BasePermission):
    message = gettext_lazy(
        "Only employer contacts, education providers and network administrators see training needs."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        viewer = viewer_of_request(request)
        if view.action in TrainingNeedViewSet.contact_actions:
            return selectors.companies_of_contact(person=viewer.person).exists()
        return (
            selectors.reads_every_need(person=viewer.person, is_admin=viewer.is_admin)
            or selectors.companies_of_contact(person=viewer.person).exists()
        )


class WritesNeeds(ReadsNeeds):
    message = gettext_lazy("Only an employer contact of the company may change its needs.")


class TrainingNeedViewSet(NetworkAPIMixin, viewsets.GenericViewSet[TrainingNeed]):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    contact_actions = ("create", "partial_update", "destroy")
    serializer_class = TrainingNeedShape

    def get_permissions(self) -> list[BasePermission]:
        writes = self.action in self.contact_actions
        return [WritesNeeds() if writes else ReadsNeeds()]

    def get_queryset(self) -> QuerySet[TrainingNeed]:
        viewer = self.viewer
        if self.action in self.contact_actions:
            return selectors.needs_of_contact(person=viewer.person)
        return selectors.needs_visible_to(person=viewer.person, is_admin=viewer.is_admin)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset().order_by("needed_by", "pk"))
        return self.get_paginated_response(TrainingNeedShape(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TrainingNeedShape(self._need(pk)).data)

    @extend_schema(request=TrainingNeedWrite, responses={201: TrainingNeedShape})
    def create(self, request: Request) -> Response:
        body = TrainingNeedWrite(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        companies = selectors.companies_of_contact(person=self.viewer.person)
        slug = fields.pop("company", None)
        if slug is None and len(companies) != 1:
            raise ValidationError(
                {"company": [_("Name the company: you are a contact of several.")]}
            )
        company = companies.get() if slug is None else companies.filter(slug=slug).first()
        if company is None:
            raise ValidationError(
                {"company": [_("You are not an employer contact of this company.")]}
            )
        need = services.training_need_create(
            company=company,
            recorded_by=self.viewer.person,
            skill_uris=fields.pop("skills"),
            today=timezone.localdate(),
            **fields,
        )
        return Response(TrainingNeedShape(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TrainingNeedChange, responses={200: TrainingNeedShape})
    def partial_update(self, request: Request, pk: str) -> Response:
        need = self._need(pk)
        body = TrainingNeedChange(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        need = services.training_need_update(
            need=need,
            today=timezone.localdate(),
            skill_uris=fields.pop("skills", None),
            status=fields.pop("status", None),
            **fields,
        )
        return Response(TrainingNeedShape(need).data)

    def destroy(self, request: Request, pk: str) -> Response:
        """Withdraws the need: it stays in the company's history."""
        services.training_need_withdraw(need=self._need(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _need(self, pk: str) -> TrainingNeed:
        need = self.get_queryset().filter(pk=int(pk)).first() if pk.isdigit() else None
        if need is None:
            raise NotFound(_("No such training need."))
        return need


class ReadsOffer(BasePermission):
    message = gettext_lazy(
        "Only network administrators and education providers see needs against the offer."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        viewer = viewer_of_request(request)
        return selectors.reads_every_need(person=viewer.person, is_admin=viewer.is_admin)


class NeedsOfferView(NetworkAPIMixin, APIView):
    permission_classes = [ReadsOffer]
    pagination_class = None

    @extend_schema(responses={200: SkillCoverageShape(many=True)})
    def get(self, request: Request) -> Response:
        return Response(SkillCoverageShape(selectors.needs_offer_report(), many=True).data)

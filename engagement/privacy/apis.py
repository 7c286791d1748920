"""GET /api/me/export: the signed-in person's own export (session authentication)."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from engagement.network.selectors import viewer_of_user
from engagement.privacy.views import export_response


class MyExportApi(APIView):
    """Everything held about the signed-in person, as one JSON document (docs/privacy.md).
    Only one's own: the endpoint takes no person parameter."""

    @extend_schema(
        responses={
            200: OpenApiTypes.OBJECT,
            404: OpenApiResponse(
                OpenApiTypes.OBJECT, description="the login is not linked to a person"
            ),
        },
        operation_id="me_export",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        person = viewer_of_user(request.user).person
        if person is None:
            raise NotFound(_("Your login is not linked to a person in the directory."))
        return export_response(person=person, now=timezone.now())

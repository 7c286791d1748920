"""Who may call what: reads are narrowed by the visibility selectors, writes need these."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from engagement.network.models import Consent
from engagement.network.selectors import Viewer, viewer_of_user


def viewer_of_request(request: Request) -> Viewer:
    """The request's viewer, worked out once per request."""
    viewer = getattr(request, "_network_viewer", None)
    if viewer is None:
        viewer = viewer_of_user(request.user)
        request._network_viewer = viewer  # type: ignore[attr-defined]
    return viewer


class IsNetworkAdmin(BasePermission):
    message = _("Only a network administrator may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return viewer_of_request(request).is_admin


class IsConsentLearnerOrAdmin(BasePermission):
    """A consent is revoked by the learner who gave it (or an administrator): the employer
    it was given to may read it but not change it."""

    message = _("Only the learner who gave this consent may revoke it.")

    def has_object_permission(self, request: Request, view: Any, obj: Consent) -> bool:
        viewer = viewer_of_request(request)
        return viewer.is_admin or (
            viewer.person_id is not None and obj.enrolment.learner_id == viewer.person_id
        )

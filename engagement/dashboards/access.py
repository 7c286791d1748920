"""Who may open which dashboard: one query for the viewer and the kinds of role they hold.

Anonymous users are sent to the login page; a signed-in user without the page's role gets
403. Each page then narrows what it reads with the network's visibility selectors.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from engagement.network.models import Person, Role

P = ParamSpec("P")


@dataclass(frozen=True)
class DashboardViewer:
    """The signed-in person and the role kinds they hold anywhere in the network."""

    person: Person | None
    role_kinds: frozenset[str]
    is_superuser: bool

    @property
    def is_teacher(self) -> bool:
        return Role.Kind.TEACHER in self.role_kinds

    @property
    def is_employer_contact(self) -> bool:
        return Role.Kind.EMPLOYER_CONTACT in self.role_kinds

    @property
    def is_learner(self) -> bool:
        return Role.Kind.LEARNER in self.role_kinds

    @property
    def is_network_admin(self) -> bool:
        return self.is_superuser or Role.Kind.NETWORK_ADMIN in self.role_kinds


def dashboard_viewer(request: HttpRequest) -> DashboardViewer:
    user = request.user
    # role_required calls this for signed-in users only: their pk is set.
    person = Person.objects.filter(user_id=user.pk or 0).first()
    kinds: frozenset[str] = frozenset()
    if person is not None:
        # A network administrator's role counts only in the network organisation itself.
        kinds = frozenset(
            kind
            for kind, org_kind in Role.objects.filter(person=person).values_list(
                "kind", "organisation__kind"
            )
            if kind != Role.Kind.NETWORK_ADMIN or org_kind == "network"
        )
    return DashboardViewer(person=person, role_kinds=kinds, is_superuser=user.is_superuser)


def role_required(
    allowed: Callable[[DashboardViewer], bool],
) -> Callable[
    [Callable[Concatenate[HttpRequest, DashboardViewer, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Gives the view the viewer, after sending anonymous users to log in and refusing
    (403) those `allowed` says no to."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, DashboardViewer, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            viewer = dashboard_viewer(request)
            # The base template's menu shows only the pages this viewer may open, without
            # asking the database again.
            request.dashboard_viewer = viewer  # type: ignore[attr-defined]
            if not allowed(viewer):
                raise PermissionDenied(_("This page is not for your role."))
            return view(request, viewer, *args, **kwargs)

        return guarded

    return decorate

"""Failed log-ins limited (backend/ratelimit.py) on every form that calls authenticate():
the dashboards' /accounts/login/ and the admin's.

The backend (Django's ModelBackend, and the only one) refuses every attempt, right or
wrong, once a limit is reached, so guessing on gets no answer; Django then sends
user_login_failed, counted below unless the attempt was refused for the limit (a person
waiting it out is not kept locked by retrying). Our login page answers such an attempt with
429, Retry-After and a message saying how long to wait; the admin's shows its usual "enter
a correct username and password".
"""

from typing import Any

from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from backend import ratelimit

_ATTEMPT = "_kipina_login_attempt"


class FailedLoginLimitBackend(ModelBackend):
    """Django's username and password check, refused past a failure limit. One backend, not
    a second one in front: with two, login() and force_login() must be told which to use."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is not None and username is not None:
            attempt = ratelimit.attempt_start(
                scope="login", account=username, address=ratelimit.client_address(request)
            )
            setattr(request, _ATTEMPT, attempt)
            if attempt.retry_after is not None:
                raise PermissionDenied("too many failed log-ins")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender: str, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    attempt: ratelimit.Attempt | None = getattr(request, _ATTEMPT, None)
    if attempt is not None and attempt.retry_after is None:
        ratelimit.attempt_failed(attempt)


@receiver(user_logged_in)
def _forget_failures(sender: type, request: Any = None, **_: Any) -> None:
    attempt: ratelimit.Attempt | None = getattr(request, _ATTEMPT, None)
    if attempt is not None:
        ratelimit.attempt_succeeded(attempt)


class LoginView(auth_views.LoginView):
    """Django's login page, answering 429 with Retry-After past the failure limit."""

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        attempt: ratelimit.Attempt | None = getattr(self.request, _ATTEMPT, None)
        retry_after = attempt.retry_after if attempt is not None else None
        if retry_after is None:
            return super().form_invalid(form)
        minutes = max(1, -(-retry_after // 60))
        context = self.get_context_data(
            form=self.get_form_class()(self.request),
            limited=ngettext(
                "Too many failed log-ins from your address. Try again in %(minutes)d minute.",
                "Too many failed log-ins from your address. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(retry_after)
        return response

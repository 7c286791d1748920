"""Failed log-ins limited (backend/ratelimit.py) on every form that calls authenticate():
the dashboards' /accounts/login/ and the admin's.

The backend (Django's ModelBackend, and the only one) counts each attempt before checking
the password and takes it back when the password is right; once a limit is reached it
refuses every attempt, right or wrong, so guessing on gets no answer (an attempt refused for
the limit is not counted: a person waiting it out is not kept locked by retrying). Our login
page answers such an attempt with 429, Retry-After and a message saying how long to wait;
the admin's shows its usual "enter a correct username and password".
"""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
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
                scope="login",
                account=username,
                address=ratelimit.client_address(request),
                count_first=True,
            )
            setattr(request, _ATTEMPT, attempt)
            if attempt.retry_after is not None:
                raise PermissionDenied("too many failed log-ins")
            try:
                user = super().authenticate(request, username=username, password=password, **kwargs)
            except BaseException:
                ratelimit.attempt_withdrawn(attempt)  # not a wrong password: the check failed
                raise
            if user is not None:
                ratelimit.attempt_succeeded(attempt)
            return user
        return super().authenticate(request, username=username, password=password, **kwargs)


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

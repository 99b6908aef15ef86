"""Signing in (password, then the code when the steward has set up a second factor) and out."""

import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.models import Device

from accounts import throttle
from accounts.actions import confirmed_totp_device, is_verified
from accounts.forms import LoginForm, TokenForm
from accounts.middleware import SIGNED_OUT_REASON
from accounts.views.common import WRONG_CODE, device_wait_message, requested_next, safe_next
from audit.log import record
from people.access import is_active_steward
from people.models import StewardProfile

# Between a correct password and the code, the session only remembers who is half-way in.
PENDING = "accounts_pending_signin"
PENDING_SECONDS = 5 * 60

SIGNED_OUT_NOTICES = {
    "idle": gettext_lazy("You were signed out after a period without activity."),
    "expired": gettext_lazy("Your session ended. Please sign in again."),
    "deactivated": gettext_lazy("You have been signed out."),
}


def generic_failure() -> str:
    # One message for every refusal, so it says nothing about which accounts exist or are active.
    return _("That user name and password do not match an active steward account.")


def needs_steward_profile(user: Any) -> bool:
    """A superuser `createsuperuser` made: Django's idea of an admin, but not yet a steward Steward lets in."""
    return bool(user.is_active and user.is_superuser and not StewardProfile.objects.filter(user=user).exists())


def unfinished_admin(user: Any) -> str:
    return _(
        "This account was made with createsuperuser and is not a steward yet. To finish it, run on the server: "
        "python manage.py create_admin --username %(username)s"
    ) % {"username": user.get_username()}


def _locked(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    minutes = throttle.minutes_left()
    context["locked_message"] = ngettext(
        "Too many sign-in attempts. Try again in %(minutes)d minute.",
        "Too many sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(throttle.seconds_left())
    return response


def _record_lock(scopes: list[throttle.Scope], username: str) -> None:
    # Only a user name that exists goes into the log: what people type there is sometimes a password.
    known = get_user_model().objects.filter(username=username).exists()
    record(
        "auth.locked",
        "Sign-in locked after repeated failures",
        actor_label="anonymous",
        data={"scopes": sorted(scopes), "username": username if known else ""},
    )


def _failure(request: HttpRequest, username: str) -> bool:
    """Count a failed attempt; True when it has just locked sign-in."""
    scopes = throttle.record_failure(request, username)
    if scopes:
        _record_lock(scopes, username)
    return bool(scopes)


def _complete(request: HttpRequest, user: Any, backend: str | None, device: Device | None) -> None:
    if not request.user.is_authenticated or request.user.pk != user.pk:
        auth.login(request, user, backend=backend)
    if device is not None:
        django_otp.login(request, device)
    throttle.record_success(user.get_username())
    record(
        "auth.login",
        f"{user.get_username()} signed in",
        actor=user,
        data={"second_factor": device is not None},
    )


@sensitive_post_parameters("password")
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, requested_next(request))
    reason = request.session.pop(SIGNED_OUT_REASON, None)
    form = LoginForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url, "notice": SIGNED_OUT_NOTICES.get(reason or "")}
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if throttle.is_locked(request, username):
            return _locked(request, "accounts/login.html", context)
        user = auth.authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is not None and needs_steward_profile(user):
            # The password was right, so saying why reveals nothing; counting it as a failure would lock them out.
            form.add_error(None, unfinished_admin(user))
        elif user is None or not is_active_steward(user):
            if _failure(request, username):
                return _locked(request, "accounts/login.html", context)
            form.add_error(None, generic_failure())
        elif confirmed_totp_device(user) is None:
            _complete(request, user, getattr(user, "backend", None), None)
            return redirect(next_url)
        else:
            # Not signed in yet, and the user-name counter is not reset: only the code completes it.
            request.session[PENDING] = {"user": user.pk, "backend": user.backend, "next": next_url, "at": int(time.time())}
            return redirect("accounts:verify")
    return render(request, "accounts/login.html", context)


def _user_to_verify(request: HttpRequest) -> tuple[Any, str | None, str]:
    pending = request.session.get(PENDING)
    if pending:
        user = get_user_model().objects.filter(pk=pending["user"]).first()
        if int(time.time()) - pending["at"] <= PENDING_SECONDS and is_active_steward(user):
            return user, pending["backend"], pending["next"]
        del request.session[PENDING]
        return None, None, ""
    if request.user.is_authenticated and not is_verified(request.user):
        return request.user, None, safe_next(request, requested_next(request))
    return None, None, ""


@sensitive_post_parameters("token")
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    user, backend, next_url = _user_to_verify(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(safe_next(request, requested_next(request)))
        return redirect("accounts:login")
    device = confirmed_totp_device(user)
    if device is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:totp_setup" if request.user.is_authenticated else "accounts:login")

    form = TokenForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url}
    if request.method == "POST":
        username = user.get_username()
        if throttle.is_locked(request, username):
            return _locked(request, "accounts/verify.html", context)
        if form.is_valid():
            wait = device_wait_message(device)
            if wait:
                form.add_error(None, wait)
                return render(request, "accounts/verify.html", context, status=429)
            if django_otp.verify_token(user, device.persistent_id, form.cleaned_data["token"]):
                request.session.pop(PENDING, None)
                _complete(request, user, backend, device)
                return redirect(next_url)
            if _failure(request, username):
                return _locked(request, "accounts/verify.html", context)
            form.add_error("token", WRONG_CODE)
    return render(request, "accounts/verify.html", context)


@require_POST
def logout(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    if request.user.is_authenticated:
        username = request.user.get_username()
        record("auth.logout", f"{username} signed out", actor=request.user, data={"reason": "signed out"})
    auth.logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)

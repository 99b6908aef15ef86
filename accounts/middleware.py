"""Ends and guards steward sessions: deactivation, idle and absolute timeouts, and the second factor.

Runs after django_otp's OTPMiddleware, so `request.user.is_verified()` is available.
"""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.actions import confirmed_totp_device, is_verified
from audit.log import record
from people.models import StewardProfile

LAST_SEEN = "steward_last_seen"
SIGNED_IN_AT = "steward_signed_in_at"
SIGNED_OUT_REASON = "steward_signed_out"
# Only these need a steward; everything else (reporting, the policy pages, accounts/) is public.
PROTECTED_PREFIXES = ("/cases/", "/admin/", "/report/on-behalf/")
# Writing the session on every request would cost a write per page; a minute's precision is plenty.
LAST_SEEN_RESOLUTION = 60


def idle_timeout() -> int:
    return int(getattr(settings, "STEWARD_IDLE_TIMEOUT_SECONDS", 1800))


def stamp_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: start the idle and absolute clocks."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


def is_protected(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES)


def _not_verified() -> bool:
    return False


def end_session(request: HttpRequest, reason: str) -> None:
    """Sign the user out because of `reason`, record it, and leave the reason for the sign-in page."""
    user = request.user
    if user.is_authenticated:
        record("auth.logout", f"{user.get_username()} signed out ({reason})", actor=user, data={"reason": reason})
    auth.logout(request)  # flushes the session
    # The anonymous user that replaces them must answer like one OTPMiddleware prepared.
    request.user.otp_device = None  # type: ignore[union-attr]
    request.user.is_verified = _not_verified  # type: ignore[union-attr]
    request.session[SIGNED_OUT_REASON] = reason


def _profile_deactivated(user: Any) -> bool:
    try:
        profile = user.steward_profile
    except StewardProfile.DoesNotExist:
        return False
    return not profile.is_active


class StewardSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.check(request) or self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        user = request.user
        if not user.is_authenticated:
            if auth.SESSION_KEY in session:
                # The session names a user who may no longer sign in (made inactive, or deleted).
                session.flush()
            return None
        if not user.is_active or _profile_deactivated(user):
            end_session(request, "deactivated")
            return None

        now = int(time.time())
        last_seen, signed_in_at = session.get(LAST_SEEN), session.get(SIGNED_IN_AT)
        if last_seen is None or signed_in_at is None:
            session[LAST_SEEN] = session[SIGNED_IN_AT] = now
        elif now - last_seen > idle_timeout():
            end_session(request, "idle")
            return None
        elif now - signed_in_at > settings.SESSION_COOKIE_AGE:
            end_session(request, "expired")
            return None
        elif now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now

        if settings.STEWARD_REQUIRE_2FA and is_protected(request.path_info) and not is_verified(user):
            target = "accounts:verify" if confirmed_totp_device(user) else "accounts:totp_setup"
            return HttpResponseRedirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))
        return None

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy, ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

WRONG_CODE = gettext_lazy("That code is not right. Check the time on your phone and try again.")


def safe_next(request: HttpRequest, candidate: str | None, default: str | None = None) -> str:
    """`candidate` if it points into this site, else `default` (the steward's case queue)."""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def requested_next(request: HttpRequest) -> str | None:
    return request.POST.get("next") or request.GET.get("next")


def device_wait_message(device: TOTPDevice) -> str | None:
    """django_otp slows down guessing on each device (1, 2, 4… seconds after each wrong code)."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until: Any = (info or {}).get("locked_until")
    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second and try again.",
        "Too many wrong codes. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}

"""The Django admin, for admin stewards only, signed in through Steward's own (throttled) sign-in.

`install()` runs from AccountsConfig.ready(): by then every app's admin module has registered its
models, and the admin's URLs are not built yet.
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.actions import is_verified
from people.access import is_admin_steward

# Managed elsewhere: users only through steward creation (people.admin), devices on each steward's
# own security page; the TOTP admin would show every steward's secret.
UNREGISTERED = (User, Group, TOTPDevice)


def has_permission(request: HttpRequest) -> bool:
    user = request.user
    return is_admin_steward(user) and (is_verified(user) or not settings.STEWARD_REQUIRE_2FA)


@never_cache
def login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's own login form would bypass the throttle: send people to Steward's sign-in."""
    from accounts.views.common import safe_next

    next_url = safe_next(request, request.GET.get("next"), default=reverse("admin:index"))
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if has_permission(request):
        return redirect(next_url)
    raise PermissionDenied


def logout(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    from accounts.views.signin import logout as steward_logout

    return steward_logout(request)


def password_change(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    return redirect("accounts:security")


def install(site: admin.AdminSite = admin.site) -> None:
    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign]
    site.logout = logout  # type: ignore[method-assign, assignment]
    site.password_change = password_change  # type: ignore[method-assign, assignment]
    site.site_header = site.site_title = "Steward administration"
    site.index_title = "Stewards and policy"
    for model in UNREGISTERED:
        if site.is_registered(model):
            site.unregister(model)

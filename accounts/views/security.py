"""A steward's own account page: second factor on or off, and their password."""

from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from accounts.actions import (
    confirmed_totp_device,
    do_enable_two_factor,
    do_remove_two_factor,
    do_set_new_report_mail,
    pending_totp_device,
    record_password_changed,
)
from accounts.decorators import steward_required
from accounts.forms import NewReportMailForm, TokenForm
from accounts.qr import qr_data_uri, readable_secret
from accounts.views.common import WRONG_CODE, device_wait_message, requested_next, safe_next
from people.access import is_admin_steward


def _render_security(
    request: HttpRequest, *, remove_form: TokenForm | None = None, password_form: Any = None, mail_form: Any = None, status: int = 200
) -> HttpResponse:
    remove_form = remove_form or TokenForm(prefix="remove")
    mail_form = mail_form or NewReportMailForm(initial={"new_report_mail": request.user.steward_profile.new_report_mail})  # type: ignore[union-attr]
    password_form = password_form or PasswordChangeForm(request.user)  # type: ignore[arg-type]
    for form in (remove_form, password_form):  # the page is about more than these fields
        for field in form.fields.values():
            field.widget.attrs.pop("autofocus", None)
    context = {
        "device": confirmed_totp_device(request.user),
        "require_2fa": settings.STEWARD_REQUIRE_2FA,
        "is_admin": is_admin_steward(request.user),
        "remove_form": remove_form,
        "password_form": password_form,
        "mail_form": mail_form,
    }
    return render(request, "accounts/security.html", context, status=status)


@never_cache
@require_safe
@steward_required
def security(request: HttpRequest) -> HttpResponse:
    return _render_security(request)


@sensitive_post_parameters("token")
@never_cache
@steward_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next(request, requested_next(request), default=reverse("accounts:security"))
    if confirmed_totp_device(user) is not None:
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect(next_url)
    device = pending_totp_device(user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        wait = device_wait_message(device)
        if wait:
            form.add_error(None, wait)
            status = 429
        elif device.verify_token(form.cleaned_data["token"]):
            do_enable_two_factor(user, device)  # type: ignore[arg-type]
            django_otp.login(request, device)
            messages.success(request, _("Two-factor sign-in is on. You will be asked for a code each time you sign in."))
            return redirect(next_url)
        else:
            form.add_error("token", WRONG_CODE)
    context = {
        "form": form,
        "next": next_url,
        "qr_code": qr_data_uri(device.config_url),
        "secret": readable_secret(device.bin_key),
        "require_2fa": settings.STEWARD_REQUIRE_2FA,
    }
    return render(request, "accounts/totp_setup.html", context, status=status)


@sensitive_post_parameters("remove-token")
@require_POST
@steward_required
def totp_remove(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = confirmed_totp_device(user)
    if device is None:
        return redirect("accounts:security")
    form = TokenForm(request.POST, prefix="remove")
    if form.is_valid():
        wait = device_wait_message(device)
        if wait:
            form.add_error(None, wait)
        elif django_otp.verify_token(user, device.persistent_id, form.cleaned_data["token"]):
            do_remove_two_factor(user, user)  # type: ignore[arg-type]
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("accounts:security")
        else:
            form.add_error("token", WRONG_CODE)
    return _render_security(request, remove_form=form)


@sensitive_post_parameters()
@require_POST
@steward_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST)  # type: ignore[arg-type]
    if not form.is_valid():
        return _render_security(request, password_form=form)
    user = form.save()
    update_session_auth_hash(request, user)  # keeps this session (and its verified second factor)
    record_password_changed(user)
    messages.success(request, _("Your password has been changed."))
    return redirect("accounts:security")


@require_POST
@steward_required
def new_report_mail(request: HttpRequest) -> HttpResponse:
    form = NewReportMailForm(request.POST)
    if not form.is_valid():
        return _render_security(request, mail_form=form, status=400)
    do_set_new_report_mail(request.user, form.cleaned_data["new_report_mail"])
    messages.success(request, _("Saved: how new reports reach you by mail."))
    return redirect("accounts:security")

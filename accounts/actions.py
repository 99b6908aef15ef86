"""Changes to a steward's sign-in: second factor and password. Each writes an audit event."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.log import record


def is_verified(user: Any) -> bool:
    """Signed in with the second factor in this session (OTPMiddleware adds `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def confirmed_totp_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_totp_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being set up, created on first use (its secret is new and random)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def do_enable_two_factor(user: AbstractBaseUser, device: TOTPDevice) -> TOTPDevice:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    record("auth.2fa_enabled", f"{user.get_username()} turned on two-factor sign-in", actor=user)
    return device


@transaction.atomic
def do_remove_two_factor(actor: Any, user: AbstractBaseUser) -> int:
    """Remove every second-factor device of `user` (their own choice, or an admin after a lost phone)."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record(
        "auth.2fa_removed",
        f"Two-factor sign-in removed for {user.get_username()}",
        actor=actor,
        data={"username": user.get_username()},
    )
    return removed


def record_password_changed(user: AbstractBaseUser) -> None:
    record("auth.password_changed", f"{user.get_username()} changed their password", actor=user)


@transaction.atomic
def do_set_new_report_mail(user: Any, choice: str) -> None:
    """The steward's own choice of how new reports reach them by mail (notifications.alerts reads it)."""
    from people.models import NewReportMail, StewardProfile

    if choice not in NewReportMail.values:
        raise ValueError(f"Unknown choice {choice!r}.")
    profile = StewardProfile.objects.select_for_update().get(user=user)
    if profile.new_report_mail == choice:
        return
    old, profile.new_report_mail = profile.new_report_mail, choice
    profile.save(update_fields=["new_report_mail"])
    record(
        "steward.new_report_mail",
        f"{user.get_username()} chose new-report mail: {choice}",
        actor=user,
        data={"from": old, "to": choice},
    )

"""Who counts as a steward right now. Every permission check in Steward starts here."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from people.models import StewardProfile


def is_active_steward(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    profile = getattr(user, "steward_profile", None)
    return isinstance(profile, StewardProfile) and profile.is_active


def is_admin_steward(user: Any) -> bool:
    return is_active_steward(user) and user.steward_profile.is_admin


def active_stewards() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True, steward_profile__is_active=True)

"""Who hears that something came in from a space (the mail itself goes through enforcement.notices).

The mail names a case by its code name (or names nothing but the space), never content, handles or
people: mail leaves Steward's control, and a conflicted steward may be among the readers of a shared inbox.
"""

from typing import Any

from django.conf import settings
from django.urls import reverse

from people.access import active_stewards


def review_stewards(exclude_person_ids: set[int]) -> list[Any]:
    """Every active steward with an address, except those the reviewed action is about."""
    stewards = active_stewards().select_related("steward_profile").order_by("pk")
    return [steward for steward in stewards if steward.email and steward.steward_profile.person_id not in exclude_person_ids]


def review_link() -> str:
    return settings.SITE_URL + reverse("enforcement:moderator_actions")


def tell_reviewers(item: Any, subject_line: str, body: str) -> None:
    """Mail a queued item (enforcement.ModeratorAction) to every steward who may review it, once per item and steward."""
    from enforcement import notices

    reviewers = review_stewards({item.subject_person_id} if item.subject_person_id else set())
    notices.tell(None, f"moderator-action:{item.pk}", subject_line, body.rstrip("\n"), recipients=reviewers)

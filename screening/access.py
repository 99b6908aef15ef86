"""Which flags a steward may see. Every screening view reaches a flag only through these helpers.

Only active stewards see flags, and a steward never sees a flag on content they wrote or that is addressed to
them (matched through their own person record's identities): nobody reviews their own case. The handles of an
item are encrypted, so the match on them runs here in Python, after the database has narrowed the rows.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from people.access import is_active_steward
from people.models import Identity, normalise_handle
from screening.models import Flag, FlagStatus, Item
from spaces.inbound import identity_space


def split_handles(value: str) -> list[str]:
    return [handle.strip() for handle in (value or "").split(",") if handle.strip()]


def _own_handles(user: Any) -> tuple[int | None, set[tuple[str, str]]]:
    """The steward's person id and every (space, normalised handle) they are known by."""
    person = user.steward_profile.person
    handles = {(identity.space, normalise_handle(identity.space, identity.handle)) for identity in Identity.objects.filter(person=person)}
    return person.pk, handles


def _involves(item: Item, person_id: int | None, handles: set[tuple[str, str]], spaces: dict[int, str]) -> bool:
    if person_id is not None and item.author_person_id == person_id:
        return True
    if not handles:
        return False
    if item.connection_id not in spaces:
        spaces[item.connection_id] = identity_space(item.connection)
    space = spaces[item.connection_id]
    named = [*split_handles(item.author), *split_handles(item.addressed)]
    return any((space, normalise_handle(space, handle)) in handles for handle in named)


def _base(user: Any) -> QuerySet[Flag]:
    if not is_active_steward(user):
        return Flag.objects.none()
    person_id = user.steward_profile.person_id
    return Flag.objects.select_related("item__connection", "action", "case").exclude(item__author_person_id=person_id)


def visible_flags(user: Any, *, status: str = FlagStatus.OPEN, category: str = "") -> list[Flag]:
    """The flags this steward may review, ordered by priority then score (status "" means every status)."""
    flags = _base(user)
    if status:
        flags = flags.filter(status=status)
    if category:
        flags = flags.filter(category=category)
    return _without_own(user, flags.order_by("-priority", "-score", "-id"))


def _without_own(user: Any, flags: Iterable[Flag]) -> list[Flag]:
    person_id, handles = _own_handles(user)
    spaces: dict[int, str] = {}
    return [flag for flag in flags if not _involves(flag.item, person_id, handles, spaces)]


def may_see(user: Any, flag: Flag) -> bool:
    if not is_active_steward(user):
        return False
    person_id, handles = _own_handles(user)
    return not _involves(flag.item, person_id, handles, {})


def access_flag(user: Any, flag_id: Any, *, for_update: bool = False) -> Flag:
    """The flag, if this steward may see it; 404 otherwise (the same answer as a flag that does not exist)."""
    flags = _base(user)
    if for_update:
        flags = flags.select_for_update(of=("self",))
    try:
        flag = flags.get(pk=int(flag_id))
    except (Flag.DoesNotExist, TypeError, ValueError):
        raise Http404("No such flag.") from None
    if not may_see(user, flag):
        raise Http404("No such flag.")
    return flag

"""Which flags a steward may see. Every screening view reaches a flag only through these helpers.

Only active stewards see flags, and a steward never sees a flag on content they wrote or that is addressed to
them (matched through their own person record: the item's author_person, and the blind index of the item's
handles, screening.models.ItemParty, against every identity of theirs): nobody reviews their own case. The
handles are encrypted, so the match runs on their digests, in the database. A flag that opened a case is seen only by
stewards who may know that case exists (cases.access.cases_known_to). `_visible` is the one query shape the queue,
`may_see`, `access_flag` and the figures all use.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cases.access import cases_known_to
from people.access import is_active_steward
from screening.models import Flag, FlagStatus, ItemParty
from screening.parties import own_digests, split_handles

__all__ = ["FLAG_ORDER", "access_flag", "flags_for_figures", "may_see", "split_handles", "visible_flags"]

# Most urgent first; the primary key makes the order total for keyset pages (steward/pagination.py).
FLAG_ORDER = ("-priority", "-score", "-pk")


def _visible(user: Any) -> QuerySet[Flag]:
    """The flags this steward may see: none for anyone else; never one on an item they wrote or that names them;
    never one that opened a case they are hard-conflicted on (the flag names the case, and that a case was opened
    about this content is itself something the conflict hides)."""
    if not is_active_steward(user):
        return Flag.objects.none()
    person = user.steward_profile.person
    known = cases_known_to(user)
    flags = (
        Flag.objects.select_related("item__connection", "action", "case")
        .exclude(item__author_person_id=person.pk)
        .filter(Q(case__isnull=True) | Q(case__in=known) | Q(case__merged_into__in=known))
    )
    digests = own_digests(person)
    if digests:
        flags = flags.exclude(Exists(ItemParty.objects.filter(item_id=OuterRef("item_id"), digest__in=digests)))
    return flags


def visible_flags(user: Any, *, status: str = FlagStatus.OPEN, category: str = "") -> QuerySet[Flag]:
    """The flags this steward may review, ordered by priority then score (status "" means every status).
    A query, not a list: the queue counts and slices it in the database."""
    flags = _visible(user)
    if status:
        flags = flags.filter(status=status)
    if category:
        flags = flags.filter(category=category)
    return flags.order_by(*FLAG_ORDER)


def flags_for_figures(user: Any) -> QuerySet[Flag]:
    """Flags (any status) whose numbers may go into aggregate figures this steward reads (the cut's curve): exactly
    those they may see, so a count tells them nothing their own access would not."""
    return _visible(user)


def may_see(user: Any, flag: Flag) -> bool:
    return _visible(user).filter(pk=flag.pk).exists()


def access_flag(user: Any, flag_id: Any, *, for_update: bool = False) -> Flag:
    """The flag, if this steward may see it; 404 otherwise (the same answer as a flag that does not exist)."""
    flags = _visible(user)
    if for_update:
        flags = flags.select_for_update(of=("self",))
    try:
        return flags.get(pk=int(flag_id))
    except (Flag.DoesNotExist, TypeError, ValueError):
        raise Http404("No such flag.") from None

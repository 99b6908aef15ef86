"""A member of the community's rooms is on a trusted community's ban list (Matrix `follow_policy_rooms`).

The other community's list is their judgement, not this committee's: a match is a flag in the committee's review
queue (the moderator-actions page, beside the bans moderators made by hand), never a sanction. The stewards note
it, or open a case about the person; there is nothing to undo, since nothing was done.

One flag per connection, list, rule and member, however often the list is read: the flag's `delivery_id` is a
digest of the four (so the queue never repeats the rule's place in the list, only the list's name).
"""

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from enforcement.models import ModeratorAction
from enforcement.review.notify import review_link, tell_reviewers
from spaces.base import ListedMemberEvent
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection

# The queue row's `action`: what the stewards read as the heading of the flag.
LISTED = "listed on a trusted ban list"


def flag_key(connection: SpaceConnection, event: ListedMemberEvent) -> str:
    rule = "\n".join((connection.slug, event.rule, event.entity, *sorted(event.listed)))
    return "policy-list:" + hashlib.sha256(rule.encode()).hexdigest()


def detail_of(event: ListedMemberEvent) -> str:
    """What the stewards read: which list, what the rule names, and the list's own reason."""
    lines = [
        _("List: %(list)s") % {"list": event.policy_list},
        _("Rule: %(entity)s (%(recommendation)s)") % {"entity": event.entity, "recommendation": event.recommendation},
    ]
    if event.reason:
        lines.append(_("The list's reason: %(reason)s") % {"reason": event.reason})
    return "\n".join(lines)


def is_listing(item: ModeratorAction) -> bool:
    return item.action == LISTED


def record_listed_member(connection: SpaceConnection, event: ListedMemberEvent, delivery_id: str = "") -> ModeratorAction | None:
    """Queue the flag for the stewards; None when this rule has flagged this member already."""
    key = flag_key(connection, event)
    if ModeratorAction.objects.filter(connection=connection, action=LISTED, delivery_id=key).exists():
        return None
    known = identities_known_as(identity_space(connection), event.listed).select_related("person").first()
    with transaction.atomic():
        item = ModeratorAction.objects.create(
            connection=connection,
            action=LISTED,
            actor=event.policy_list[:300],  # who "acted": the other community's list, named as this community follows it
            subject=ModeratorAction.SEPARATOR.join(handle for handle in event.listed if handle)[:300],
            subject_person=known.person if known is not None else None,
            detail=detail_of(event),
            at=timezone.now(),
            delivery_id=key,
        )
        record(
            "moderation.listed",
            f"Flag #{item.pk}: a member of {connection.slug} is on a followed ban list",
            data={"moderator_action": item.pk, "connection": connection.slug},
        )
        subject_line = _("Someone in %(space)s is on a trusted community's ban list") % {"space": connection.title}
        body = _(
            "A ban list this community follows names someone in %(space)s. Nothing was done to them: the committee "
            "decides whether it matters here (note it, or open a case).\n\nReview it: %(link)s\n"
        ) % {"space": connection.title, "link": review_link()}
        tell_reviewers(item, subject_line, body)
    return item

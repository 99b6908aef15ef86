"""Blocks, bans, removals, locks and deletions made directly on a platform, outside Steward, queued for committee review (REQUIREMENTS 8.6).

A moderator who blocks someone in GitHub's web UI acts for the community without the committee; the
committee looks at each such action afterwards: it stands, it should be undone, or it becomes a case.
Actions Steward itself just made (its executor's own blocks and their reversals) come back through the
same webhooks and logs, and are recognised and skipped.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.actions import InvolvedPerson
from cases.models import Case, Channel, PartyRole
from enforcement.listed import is_listing
from enforcement.models import ActionStatus, EnforcementAction, ModeratorAction, ReviewStatus
from enforcement.review.notify import review_link, tell_reviewers
from intake.actions import Submission, do_submit_report
from people.models import Identity, normalise_handle
from spaces.base import ModeratorActionEvent
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection

# How close in time a platform's report of a block must be to Steward's own action on the same user to be that action.
OWN_ACTION_WINDOW = timedelta(minutes=10)
SEPARATOR = ModeratorAction.SEPARATOR


def handles_of(stored: str) -> list[str]:
    return [handle for handle in stored.split(SEPARATOR) if handle]


def _same_target(value: str) -> str:
    return value.strip().rstrip("/").casefold()


def made_by_steward(connection: SpaceConnection, handles: tuple[str, ...], at: datetime, targets: tuple[str, ...] = ()) -> bool:
    """Whether Steward's executor applied or lifted an action on this user, or on this thread or content
    (`targets`: its URL or ids), in this connection around `at`."""
    space = identity_space(connection)
    wanted = {normalise_handle(space, handle) for handle in handles if handle}
    wanted_targets = {_same_target(target) for target in targets if target}
    low, high = at - OWN_ACTION_WINDOW, at + OWN_ACTION_WINDOW
    candidates = EnforcementAction.objects.filter(connection=connection).filter(
        Q(status=ActionStatus.APPLIED, applied_at__range=(low, high))
        | Q(status__in=(ActionStatus.REVERTED, ActionStatus.EXPIRED), reverted_at__range=(low, high))
        # Still claimed by the executor: the platform can report the block before the executor records it.
        | Q(status__in=(ActionStatus.RUNNING, ActionStatus.REVERTING), lease_until__gte=low)
    )
    for action in candidates.select_related("identity"):
        if normalise_handle(space, action.subject) in wanted or _same_target(action.subject) in wanted_targets:
            return True
        if action.identity is not None and action.identity.handle in wanted:
            return True
    return False


def record_moderator_action(connection: SpaceConnection, event: ModeratorActionEvent, delivery_id: str = "") -> ModeratorAction | None:
    """Queue the action for review; None when Steward made it itself or it is queued already."""
    at = event.at or timezone.now()
    if made_by_steward(connection, event.subject, at, event.targets):
        return None
    subject = SEPARATOR.join(handle for handle in event.subject if handle)[:300]
    action_name = event.action[:64]
    # Polling reads overlapping windows of a moderation log: the same entry is the same action.
    earlier = ModeratorAction.objects.filter(connection=connection, action=action_name, at=at, delivery_id=delivery_id[:200])
    if any(item.subject == subject for item in earlier):
        return None
    known = identities_known_as(identity_space(connection), event.subject).select_related("person").first()
    with transaction.atomic():
        item = ModeratorAction.objects.create(
            connection=connection,
            action=action_name,
            actor=SEPARATOR.join(handle for handle in event.actor if handle)[:300],
            subject=subject,
            subject_person=known.person if known is not None else None,
            detail=event.detail,
            at=at,
            delivery_id=delivery_id[:200],
        )
        record(
            "moderation.queued",
            f"Moderator action #{item.pk} ({action_name}) in {connection.slug} queued for review",
            data={"moderator_action": item.pk, "connection": connection.slug, "action": action_name},
        )
        subject_line = _("A moderator action in %(space)s awaits committee review") % {"space": connection.title}
        body = _(
            "A moderator acted directly in %(space)s, outside Steward. The committee reviews such actions: "
            "it stands, it should be undone, or a case is opened.\n\nReview it: %(link)s\n"
        ) % {"space": connection.title, "link": review_link()}
        tell_reviewers(item, subject_line, body)
    return item


# --- Review ------------------------------------------------------------------------------------

STANDS, UNDO, OPEN_CASE = "stands", "undo", "case"
OUTCOMES = {STANDS: ReviewStatus.ACCEPTED, UNDO: ReviewStatus.OVERTURNED, OPEN_CASE: ReviewStatus.CASE_OPENED}


@dataclass(frozen=True)
class Reviewer:
    """Who is looking at the queue: their person and every handle they are known by, to spot their own actions."""

    user: Any
    person_id: int
    handles: frozenset[tuple[str, str]]  # (people.Space, normalised handle)

    @classmethod
    def of(cls, user: Any) -> "Reviewer":
        person_id = user.steward_profile.person_id
        handles = frozenset((identity.space, identity.handle) for identity in Identity.objects.filter(person_id=person_id))
        return cls(user, person_id, handles)

    def _known_as_any(self, item: ModeratorAction, stored: str) -> bool:
        space = identity_space(item.connection)
        return any((space, normalise_handle(space, handle)) in self.handles for handle in handles_of(stored))

    def is_subject(self, item: ModeratorAction) -> bool:
        return item.subject_person_id == self.person_id or self._known_as_any(item, item.subject)

    def reason_not(self, item: ModeratorAction) -> str:
        """Why this steward may not review the action; empty when they may."""
        if self._known_as_any(item, item.actor):
            return _("You took this action yourself: another steward reviews it.")
        return ""


def do_review_moderator_action(steward: Any, item: ModeratorAction, outcome: str, note: str = "") -> ModeratorAction:
    if outcome not in OUTCOMES:
        raise ValidationError(_("Choose what becomes of this action."))
    note = note.strip()
    if outcome == UNDO and not note:
        raise ValidationError(_("Say why the action should be undone, and how."))
    reviewer = Reviewer.of(steward)
    with transaction.atomic():
        item = ModeratorAction.objects.select_for_update(of=("self",)).select_related("connection").get(pk=item.pk)
        if reviewer.is_subject(item):
            raise ValidationError(_("This action is about you: other stewards review it."))
        if reason := reviewer.reason_not(item):
            raise ValidationError(reason)
        if item.status != ReviewStatus.PENDING:
            raise ValidationError(_("This action has been reviewed already."))
        if outcome == UNDO and is_listing(item):
            raise ValidationError(_("Nothing was done to this person: note the flag, or open a case."))
        case = _open_case(steward, item, note) if outcome == OPEN_CASE else None
        item.status, item.review_note, item.case = OUTCOMES[outcome], note, case
        item.reviewed_by, item.reviewed_at = steward, timezone.now()
        item.save(update_fields=["status", "review_note", "case", "reviewed_by", "reviewed_at"])
        record(
            "moderation.reviewed",
            f"Moderator action #{item.pk} reviewed: {item.status}" + (f" (case {case.code_name})" if case else ""),
            actor=steward,
            case_id=case.pk if case else None,
            data={"moderator_action": item.pk, "status": item.status, **({"code_name": case.code_name} if case else {})},
        )
    return item


def _open_case(steward: Any, item: ModeratorAction, note: str) -> Case:
    space = identity_space(item.connection)
    subjects = handles_of(item.subject)
    known = identities_known_as(space, subjects).first()
    handle = known.handle if known is not None else (subjects[0] if subjects else "")
    if is_listing(item):
        body = (
            f"Someone in {item.connection.title} is on a ban list this community follows.\n"
            f"Member: {item.subject or 'unknown'}\n{item.detail}\n\nOpened from the review of the flag. {note}"
        ).strip()
    else:
        body = _moderator_body(item, note)
    submission = Submission(
        body=body,
        channel=Channel.SPACE,
        involved_people=[InvolvedPerson(PartyRole.REPORTED, "", space, handle)] if handle else [],
    )
    receipt = do_submit_report(submission, taken_by=steward)
    return Case.objects.get(code_name=receipt.case_code_name)


def _moderator_body(item: ModeratorAction, note: str) -> str:
    return (
        f"A moderator action in {item.connection.title}, outside Steward: {item.action} "
        f"on {timezone.localtime(item.at):%Y-%m-%d %H:%M %Z}.\n"
        f"Affected user: {item.subject or 'unknown'}\nModerator: {item.actor or 'unknown'}"
        + (f"\nWhat the platform recorded: {item.detail}" if item.detail else "")
        + (f"\n\nOpened from the moderator-action review. {note}" if note else "\n\nOpened from the moderator-action review.")
    )

"""Every change the letters app makes: validate, write, audit, in one transaction.

Callers have passed the access layer (cases.access.access_case for stewards, letters.access for a
reported person's link).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.access import Standing, standing
from cases.models import Approval, Audience, Case, Message, Party, PartyRole
from letters import outbox
from letters.access import new_token
from letters.leakcheck import IdentityLeak, check_text, describe
from letters.models import MailStatus, PartyLink


@dataclass(frozen=True)
class NewLink:
    link: PartyLink
    token: str  # shown once to the steward who made it; only its hash is stored


def reported_party(case: Case, party_id: Any) -> Party:
    party = Party.objects.filter(case=case, pk=party_id, role=PartyRole.REPORTED).select_related("person").first() if party_id else None
    if party is None:
        raise ValidationError(_("Choose a reported person of this case."))
    return party


@transaction.atomic
def do_create_party_link(steward: Any, case: Case, party: Party) -> NewLink:
    """A new link for a reported person; any earlier link of theirs stops working."""
    if party.case_id != case.pk or party.role != PartyRole.REPORTED:
        raise ValidationError(_("Links are only for the reported people of this case."))
    now = timezone.now()
    revoked = PartyLink.objects.filter(party=party, revoked_at__isnull=True).update(revoked_at=now)
    token, digest = new_token()
    link = PartyLink.objects.create(case=case, party=party, secret_hash=digest, created_by=steward)
    record(
        "party_link.created",
        "A new link for a reported person was made" + (" (the earlier one stopped working)" if revoked else ""),
        actor=steward,
        case_id=case.pk,
        data={"link": link.pk, "party": party.pk, "revoked": revoked},
    )
    return NewLink(link, token)


@transaction.atomic
def do_revoke_party_link(steward: Any, case: Case, link_id: Any) -> PartyLink:
    link = PartyLink.objects.filter(case=case, pk=link_id, revoked_at__isnull=True).first() if link_id else None
    if link is None:
        raise ValidationError(_("That link does not exist or was already revoked."))
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    record("party_link.revoked", "A reported person's link was revoked", actor=steward, case_id=case.pk, data={"link": link.pk})
    return link


def _draft(case: Case, message_id: Any) -> Message:
    drafts = Message.objects.filter(case=case, audience=Audience.REPORTED, approval=Approval.AWAITING)
    message = drafts.filter(pk=message_id).first() if message_id else None
    if message is None:
        raise ValidationError(_("That message is not waiting for approval."))
    return message


@transaction.atomic
def do_edit_draft(steward: Any, case: Case, message_id: Any, body: str) -> Message:
    """The author corrects a message that waits for approval (for instance after the identity check)."""
    message = _draft(case, message_id)
    if message.author_id != steward.pk:
        raise ValidationError(_("Only the author can edit a message waiting for approval."))
    body = body.strip()
    if not body:
        raise ValidationError(_("A message cannot be empty."))
    message.body = body
    message.save(update_fields=["body"])
    record("message.edited", "A message waiting for approval was edited", actor=steward, case_id=case.pk, data={"message": message.pk})
    return message


def do_approve_message(approver: Any, case: Case, message_id: Any) -> Message:
    """A second, unconflicted steward lets a message to a reported person go out."""
    with transaction.atomic():
        message = _draft(case, message_id)
        if message.author_id == approver.pk:
            raise ValidationError(_("Another steward must approve your message."))
        if standing(approver, case) is not Standing.UNCONFLICTED:
            raise ValidationError(_("Only a steward with no conflict on this case can approve messages."))
        # The subject goes out with the letter: it is checked with the body.
        subjects = message.outgoing_mails.filter(status=MailStatus.HELD).values_list("subject", flat=True)
        findings = check_text(case, "\n".join([*subjects, message.body]))
        if not findings:
            now = timezone.now()
            # Only while it still awaits approval, in one statement: a withdrawal that got there first wins, and
            # the letter is never released (do_withdraw_draft).
            still_draft = Message.objects.filter(pk=message.pk, approval=Approval.AWAITING)
            if not still_draft.update(approval=Approval.APPROVED, approved_by=approver, approved_at=now):
                raise ValidationError(_("That message is not waiting for approval."))
            message.approval, message.approved_by, message.approved_at = Approval.APPROVED, approver, now
            record(
                "message.approved",
                "A message to the reported person was approved",
                actor=approver,
                case_id=case.pk,
                data={"message": message.pk},
            )
            outbox.release(message)
            return message
        # Findings are recorded by kind only: the audit log must not repeat the reporter's identity.
        record(
            "message.blocked_by_leakcheck",
            "A message to the reported person was stopped: it may identify the reporter",
            actor=approver,
            case_id=case.pk,
            data={"message": message.pk, "kinds": sorted({finding.kind for finding in findings})},
        )
    raise IdentityLeak(
        _("This message may identify the reporter and cannot be approved until it is edited: %(findings)s")
        % {"findings": describe(findings)},
        findings,
    )


def may_withdraw(steward: Any, case: Case, message: Message) -> bool:
    """Its author, or a steward who could approve it (no conflict): withdrawing only ever stops a letter."""
    return message.author_id == steward.pk or standing(steward, case) is Standing.UNCONFLICTED


@transaction.atomic
def do_withdraw_draft(steward: Any, case: Case, message_id: Any) -> Message:
    """Take back a letter to a reported person that awaits approval: it stays in the thread, marked withdrawn, and
    is never sent. Its held mail is cancelled, and approval and the outbox both refuse a withdrawn message."""
    message = _draft(case, message_id)
    if not may_withdraw(steward, case, message):
        raise ValidationError(_("Only its author or a steward with no conflict on this case can withdraw this message."))
    now = timezone.now()
    # One statement that holds only while the message still awaits approval: an approval racing this one either
    # committed first (then this refuses) or finds the message withdrawn (then it refuses).
    still_draft = Message.objects.filter(pk=message.pk, approval=Approval.AWAITING)
    if not still_draft.update(approval=Approval.WITHDRAWN, withdrawn_by=steward, withdrawn_at=now):
        raise ValidationError(_("That message is not waiting for approval any more."))
    message.approval, message.withdrawn_by, message.withdrawn_at = Approval.WITHDRAWN, steward, now
    cancelled = message.outgoing_mails.filter(status=MailStatus.HELD).update(status=MailStatus.CANCELLED)
    record(
        "message.withdrawn",
        "A message to the reported person was withdrawn before approval",
        actor=steward,
        case_id=case.pk,
        data={"message": message.pk, "mails_cancelled": cancelled},
    )
    return message


@transaction.atomic
def do_party_reply(link: PartyLink, body: str) -> Message:
    """The reported person answers through their link."""
    body = body.strip()
    if not body:
        raise ValidationError(_("Write a message first."))
    message = Message.objects.create(case=link.case, party=link.party, audience=Audience.REPORTED, from_party=True, body=body)
    record("message.from_reported", "The reported person wrote to the stewards", actor_label="reported person", case_id=link.case_id)
    return message

"""What a reported person sees through their link: their own approved letters and their answers.

Every query is scoped to the one party of the link; nothing about any reporter is read here.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cases.models import Approval, Audience, Case, Message, Status
from letters.models import PartyLink


@dataclass(frozen=True)
class PartyStatus:
    title: str
    explanation: str


def party_status(case: Case) -> PartyStatus:
    if case.status in (Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING):
        return PartyStatus(
            _("Being looked into"),
            _("The community stewards are looking into a concern that involves you. They write to you here, and you can answer."),
        )
    if case.status == Status.DECIDED:
        return PartyStatus(_("Decided"), _("The stewards have reached a decision. Their letter about it appears below."))
    return PartyStatus(_("Closed"), _("The stewards have finished their work on this matter. You can still write to them below."))


# What of a reported person's thread is theirs to see: what they wrote, and letters a second steward approved.
# The portal and the data-subject export (privacy.export) both use it.
SHOWN_TO_PARTY = Q(from_party=True) | Q(approval=Approval.APPROVED)


def party_messages(link: PartyLink) -> QuerySet[Message]:
    """Approved letters to this person and what they wrote, oldest first."""
    mine = Message.objects.filter(case_id=link.case_id, party_id=link.party_id, audience=Audience.REPORTED)
    return mine.filter(SHOWN_TO_PARTY).only("body", "created_at", "from_party").order_by("created_at", "id")

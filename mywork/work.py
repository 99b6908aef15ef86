"""What waits for one steward, kind by kind: each a bounded list read through cases.access, and its count.

Every case-bound kind reaches its rows through the access layer (`rows_on_cases`, `readable_cases`,
`awaiting_declaration`), so a hard-conflicted steward gets nothing of that case here, and one who has not declared
gets its code name only, in the list to declare on. Each kind is one query for its first LIST_SIZE rows (one more
tells whether there are others); only a kind with more asks for its count, bounded at COUNT_CAP, so the page costs
the same whatever the community holds.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.access import Need, awaiting_declaration, readable_cases, rows_on_cases
from cases.models import QUEUE_ORDER, Approval, Audience, ConflictDeclaration, ConflictLevel, Message, Status
from clocks.deadlines import unmet_overdue
from decisions.models import Appeal, AppealStatus, Proposal, ProposalStatus, Vote
from enforcement.models import ModeratorAction, ReviewStatus
from enforcement.moderation import Reviewer
from mywork.models import UnseenPartyMessages
from screening.access import visible_flags
from transparency.actions import awaiting_sign_off_by

LIST_SIZE = 10
COUNT_CAP = 100  # "100+" beyond: a count is for knowing how much waits, not a tally (the queue has the list)
MODERATION_READ = 200  # as the review page's own list (enforcement.review.views.MAX_ROWS)

VOTE_TAB, APPROVE_TAB, APPEAL_TAB, MESSAGES_TAB = "awaiting-my-vote", "letters-to-approve", "appeals-to-decide", "new-messages"


@dataclass
class Item:
    code_name: str  # the case's, or "" for work outside a case (flags, moderator actions)
    text: str
    url: str
    when: datetime | None = None
    due: bool = False  # `when` is a deadline that passed, not the moment the item arrived


@dataclass
class Kind:
    key: str
    title: str | Promise
    items: list[Item] = field(default_factory=list)
    count: int = 0
    capped: bool = False  # more than COUNT_CAP
    more_url: str = ""

    @property
    def more(self) -> int:
        """How many are not listed here (the link to the full list says so)."""
        return max(self.count - len(self.items), 0)


def case_page(code_name: str, anchor: str) -> str:
    return f"{reverse('cases:detail', kwargs={'code': code_name})}#{anchor}"


def queue_tab(tab: str) -> str:
    return f"{reverse('cases:queue')}?view={tab}"


def _bounded(key: str, title: str | Promise, rows: QuerySet[Any], item: Callable[[Any], Item], more_url: str) -> Kind:
    first = list(rows[: LIST_SIZE + 1])
    kind = Kind(key, title, [item(row) for row in first[:LIST_SIZE]], len(first), more_url=more_url)
    if len(first) > LIST_SIZE:
        kind.count = rows.order_by()[: COUNT_CAP + 1].count()
        kind.capped = kind.count > COUNT_CAP
        kind.count = min(kind.count, COUNT_CAP)
    return kind


# --- Filters the queue's tabs share with this page (a Q on Case, for the viewing steward) ---------------------


def _my_vote(user: Any) -> Exists:
    return Exists(Vote.objects.filter(proposal=OuterRef("pk"), steward=user))


def _declared_none(user: Any) -> Exists:
    return Exists(ConflictDeclaration.objects.filter(case=OuterRef("pk"), steward=user, level=ConflictLevel.NONE))


def _open_proposals_without_my_vote(user: Any) -> QuerySet[Proposal]:
    return Proposal.objects.filter(status=ProposalStatus.OPEN).exclude(_my_vote(user))


def _letters_for_me(user: Any) -> QuerySet[Message]:
    return Message.objects.filter(audience=Audience.REPORTED, from_party=False, approval=Approval.AWAITING).exclude(author=user)


def _appeals_for_me(user: Any) -> QuerySet[Appeal]:
    """Open appeals this steward did not take part in (proposed or voted on the decided proposal)."""
    voted = Exists(Vote.objects.filter(proposal=OuterRef("decision__proposal"), steward=user))
    return Appeal.objects.filter(status=AppealStatus.OPEN).exclude(decision__proposal__proposed_by=user).exclude(voted)


def awaiting_my_vote_q(user: Any) -> Q:
    return Q(_declared_none(user)) & Q(Exists(_open_proposals_without_my_vote(user).filter(case=OuterRef("pk"))))


def letters_to_approve_q(user: Any) -> Q:
    return Q(_declared_none(user)) & Q(Exists(_letters_for_me(user).filter(case=OuterRef("pk"))))


def appeals_to_decide_q(user: Any) -> Q:
    return Q(_declared_none(user)) & Q(Exists(_appeals_for_me(user).filter(decision__case=OuterRef("pk"))))


def new_messages_q(user: Any) -> Q:
    return Q(Exists(UnseenPartyMessages.objects.filter(case=OuterRef("pk"), steward=user)))


# --- The kinds -------------------------------------------------------------------------------------------------


def to_declare(user: Any) -> Kind:
    # Code names only, as on the queue: nothing else about a case reaches a steward before they declare.
    rows = awaiting_declaration(user).order_by("code_name", "pk")
    return _bounded(
        "declare",
        _lazy("Cases to declare on"),
        rows,
        lambda row: Item(row.code_name, _("Declare your position"), reverse("cases:declare", kwargs={"code": row.code_name})),
        f"{reverse('cases:queue')}#undeclared-list",
    )


def to_acknowledge(user: Any) -> Kind:
    rows = readable_cases(user).filter(acknowledged_at__isnull=True).exclude(status=Status.CLOSED).order_by(*QUEUE_ORDER)
    return _bounded(
        "acknowledge",
        _lazy("Reports to acknowledge"),
        rows,
        lambda case: Item(case.code_name, _("Acknowledge the report"), case_page(case.code_name, "case-state"), case.created_at),
        queue_tab("unacknowledged"),
    )


def to_vote(user: Any) -> Kind:
    rows = rows_on_cases(user, _open_proposals_without_my_vote(user), Need.VOTE).select_related("case").order_by("created_at", "pk")

    def item(proposal: Proposal) -> Item:
        text = _("Vote on proposal #%(number)s") % {"number": proposal.pk}
        if proposal.objection_deadline:
            text = _("Object to proposal #%(number)s, or let it pass") % {"number": proposal.pk}
        return Item(proposal.case.code_name, text, case_page(proposal.case.code_name, f"proposal-{proposal.pk}"), proposal.created_at)

    return _bounded("vote", _lazy("Proposals awaiting your vote"), rows, item, queue_tab(VOTE_TAB))


def to_approve(user: Any) -> Kind:
    rows = rows_on_cases(user, _letters_for_me(user), Need.DECIDE).select_related("case").order_by("created_at", "pk")
    return _bounded(
        "approve",
        _lazy("Letters awaiting your approval"),
        rows,
        lambda message: Item(
            message.case.code_name,
            _("Approve letter #%(number)s to the reported person") % {"number": message.pk},
            case_page(message.case.code_name, f"message-{message.pk}"),
            message.created_at,
        ),
        queue_tab(APPROVE_TAB),
    )


def to_decide_appeal(user: Any) -> Kind:
    rows = rows_on_cases(user, _appeals_for_me(user), Need.VOTE, "decision__case").select_related("decision__case")
    return _bounded(
        "appeal",
        _lazy("Appeals you may decide"),
        rows.order_by("filed_at", "pk"),
        lambda appeal: Item(
            appeal.decision.case.code_name,
            _("Decide the appeal by the %(role)s") % {"role": appeal.get_appellant_role_display().lower()},
            case_page(appeal.decision.case.code_name, f"appeal-{appeal.pk}"),
            appeal.filed_at,
        ),
        queue_tab(APPEAL_TAB),
    )


def new_messages(user: Any) -> Kind:
    rows = rows_on_cases(user, UnseenPartyMessages.objects.filter(steward=user), Need.READ).select_related("case").order_by("since", "pk")
    return _bounded(
        "messages",
        _lazy("New messages from parties"),
        rows,
        lambda row: Item(row.case.code_name, _("Read the new messages"), case_page(row.case.code_name, "thread"), row.since),
        queue_tab(MESSAGES_TAB),
    )


def overdue_clocks(user: Any) -> Kind:
    rows = rows_on_cases(user, unmet_overdue(timezone.now()), Need.WRITE).select_related("case").order_by("due_at", "pk")
    return _bounded(
        "clocks",
        _lazy("Overdue clocks"),
        rows,
        lambda deadline: Item(
            deadline.case.code_name,
            _("Overdue: %(what)s — set a new target date") % {"what": deadline.get_kind_display()},
            case_page(deadline.case.code_name, "clocks"),
            deadline.due_at,
            due=True,
        ),
        queue_tab("overdue"),
    )


def flags_to_review(user: Any) -> Kind:
    # screening.access leaves out flags on what this steward wrote or what was addressed to them.
    return _bounded(
        "flags",
        _lazy("Screening flags to look at"),
        visible_flags(user),
        lambda flag: Item(
            "",
            _("Flag #%(number)s in %(space)s") % {"number": flag.pk, "space": flag.item.connection.title},
            reverse("screening:flag", kwargs={"flag_id": flag.pk}),
            flag.created_at,
        ),
        reverse("screening:queue"),
    )


def moderator_actions(user: Any) -> Kind:
    """Pending moderator actions this steward may review: not about them, not taken by them (enforcement.moderation
    decides both by their handles, which are encrypted, so it is done on the rows read, as the review page does)."""
    reviewer = Reviewer.of(user)
    pending = ModeratorAction.objects.filter(status=ReviewStatus.PENDING).select_related("connection").order_by("-at", "-id")
    read = list(pending.exclude(subject_person_id=reviewer.person_id)[:MODERATION_READ])
    mine = [row for row in read if not reviewer.is_subject(row) and not reviewer.reason_not(row)]
    kind = Kind("moderation", _lazy("Moderator actions to review"), count=len(mine), more_url=reverse("enforcement:moderator_actions"))
    kind.capped = len(read) >= MODERATION_READ
    kind.items = [
        Item(
            "",
            _("“%(action)s” in %(space)s") % {"action": row.action, "space": row.connection.title},
            f"{reverse('enforcement:moderator_actions')}#moderator-action-{row.pk}",
            row.at,
        )
        for row in mine[:LIST_SIZE]
    ]
    return kind


def reports_to_sign_off(user: Any) -> Kind:
    """Transparency report drafts a second steward may sign off: not the drafter's, nor the last editor's."""
    return _bounded(
        "transparency",
        _lazy("Transparency reports to sign off"),
        awaiting_sign_off_by(user),
        lambda report: Item(
            "",
            _("The transparency report for %(period)s") % {"period": report.period},
            f"{reverse('transparency:draft', kwargs={'period': report.period})}#sign-off",
            report.changed_at,
        ),
        reverse("transparency:drafts"),
    )


KINDS: tuple[Callable[[Any], Kind], ...] = (
    to_declare,
    to_acknowledge,
    to_vote,
    to_approve,
    to_decide_appeal,
    new_messages,
    overdue_clocks,
    flags_to_review,
    moderator_actions,
    reports_to_sign_off,
)


def waiting_for(user: Any) -> list[Kind]:
    """Everything waiting for `user`, kind by kind, in the order a morning's work takes them."""
    return [kind(user) for kind in KINDS]

"""What a steward does with a flag: dismiss it, act on the content, or open a case from it.

Each validates, writes the flag's review (kept as a label for retraining) and its audit record in one transaction.
Audit summaries name the flag and the category, never the text or the handles in it.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.actions import InvolvedPerson
from cases.models import Case, Channel, PartyRole
from enforcement.actions import do_moderate_content
from enforcement.models import ActionStatus, EnforcementAction
from enforcement.plans import space_class
from intake.actions import Submission, do_submit_report
from people.access import is_admin_steward
from policy.services import current_policy
from screening.access import access_flag, split_handles
from screening.models import CategoryCut, Flag, FlagStatus, Item
from screening.thresholds import check_cut
from spaces.base import Capability, Target
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection
from steward.weblinks import is_web_link

MAX_QUOTED = 20_000  # characters of the flagged text copied into a report (the link leads to the rest)


def content_capabilities(connection: SpaceConnection, subject: str | None = None) -> list[Capability]:
    """What the connection's platform can do to a piece of content, then to its thread (the first is the form's
    default: a flag is about one message, so hiding it comes before locking or limiting a whole thread).
    With `subject` (the item's link), only what the platform can do to that very link: a GitHub issue's opening
    post cannot be hidden as a comment can, and an interaction limit is no operation on a link at all."""
    cls = space_class(connection) if connection.enabled else None
    if cls is None:
        return []
    offered = [item for target in (Target.CONTENT, Target.THREAD) for item in cls.capabilities if item.target == target]
    return offered if subject is None else [item for item in offered if cls.takes_subject(item, subject)]


def item_capabilities(item: Item) -> list[Capability]:
    """The operations the act form offers for a flagged item: none without a link the space could act on."""
    return content_capabilities(item.connection, item.url) if item.url else []


def action_under_way(flag: Flag) -> bool:
    """An act on the flag was asked for and the space has not answered yet (it may still retry)."""
    return flag.action is not None and flag.action.status in (ActionStatus.QUEUED, ActionStatus.RUNNING)


def category_title(code: str) -> str:
    try:
        return current_policy().category(code).title
    except KeyError:
        return code


def _open_flag(steward: Any, flag_id: Any) -> Flag:
    flag = access_flag(steward, flag_id, for_update=True)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(_("This flag has already been reviewed."))
    if action_under_way(flag):
        raise ValidationError(_("An action on this flag is under way: wait for the space's answer."))
    return flag


def category_choices(flag: Flag) -> list[tuple[str, str]]:
    """The policy's categories a steward may file a flag's content under; the flag's own first."""
    choices = current_policy().category_choices()
    own = [(code, title) for code, title in choices if code == flag.category] or [(flag.category, flag.category)]
    return own + [(code, title) for code, title in choices if code != flag.category]


def _violated(flag: Flag, category: str) -> str:
    """The category a steward says the content violates: the flag's own unless they chose another of the policy's."""
    category = (category or flag.category).strip()
    if category not in {code for code, _ in category_choices(flag)}:
        raise ValidationError(_("Choose one of the code of conduct's categories."))
    return category


def _reviewed(flag: Flag, steward: Any, status: str, label: bool, note: str = "", category: str = "") -> None:
    flag.status = status
    flag.label = label
    # What it was judged to violate: the label retraining learns from (another category's head, when it differs).
    flag.label_category = category if label else ""
    flag.review_note = note.strip()
    flag.reviewed_by = steward
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["status", "label", "label_category", "review_note", "reviewed_by", "reviewed_at", "case", "action"])


def _filed(flag: Flag) -> str:
    return f", filed as {flag.label_category}" if flag.label_category and flag.label_category != flag.category else ""


@transaction.atomic
def do_dismiss_flag(steward: Any, flag_id: Any, note: str = "") -> Flag:
    """Not a violation: the flag closes, and the verdict is kept as a negative label."""
    flag = _open_flag(steward, flag_id)
    _reviewed(flag, steward, FlagStatus.DISMISSED, False, note)
    record("screening.flag.dismissed", f"Flag #{flag.pk} ({flag.category}) dismissed", actor=steward, data={"flag": flag.pk})
    return flag


@transaction.atomic
def do_act_on_flag(steward: Any, flag_id: Any, op: str, reason: str, params: dict[str, Any] | None = None, category: str = "") -> Flag:
    """Ask the space, through the enforcement layer and outside any case, to hide (or otherwise moderate) the
    flagged content. The flag stays open until the space has done it (screening.signals marks it acted on then):
    a failed action leaves it open with the space's answer on its page, to try again or review another way.
    `category`: what it violates, when the steward files it under another category than the flag's."""
    flag = _open_flag(steward, flag_id)
    violated = _violated(flag, category)
    item = flag.item
    if not item.url:
        raise ValidationError(_("This item has no link the space could act on."))
    capability = next((cap for cap in item_capabilities(item) if cap.op == op), None)
    if capability is None:
        raise ValidationError(_("%(space)s cannot do that to this content.") % {"space": item.connection.title})
    # Only the settings the chosen operation takes; the form offers the union of every operation's settings.
    wanted = {key: value for key, value in (params or {}).items() if key in capability.params}
    for key, value in wanted.items():
        if capability.choices_of(key) and value not in capability.choices_of(key):
            raise ValidationError(
                _("%(value)s is not one of the values %(space)s takes.") % {"value": value, "space": item.connection.title}
            )
    flag.action = do_moderate_content(steward, item.connection, op, item.url, reason, wanted)
    flag.label_category = violated  # kept for the review the space's success completes; no label until then
    flag.save(update_fields=["action", "label_category"])
    record(
        "screening.flag.act-requested",
        f"Flag #{flag.pk} ({flag.category}): action #{flag.action.pk} ({op}) requested",
        actor=steward,
        data={"flag": flag.pk, "action": flag.action.pk},
    )
    return flag


def complete_act(action: EnforcementAction) -> None:
    """The space answered an act on a flag. Done: the flag is reviewed as acted on, by the steward who asked, under
    the category they chose. Failed for good: the flag stays open (its page shows why) and the failure is recorded."""
    for flag in Flag.objects.select_for_update().filter(action=action, status=FlagStatus.OPEN):
        if action.status == ActionStatus.APPLIED:
            steward = action.added_by
            _reviewed(flag, steward, FlagStatus.ACTED, True, category=flag.label_category or flag.category)
            record(
                "screening.flag.acted",
                f"Flag #{flag.pk} ({flag.category}{_filed(flag)}): action #{action.pk} ({action.op}) applied",
                actor=steward,
                data={"flag": flag.pk, "action": action.pk},
            )
        elif action.status == ActionStatus.FAILED:
            record(
                "screening.flag.act-failed",
                f"Flag #{flag.pk} ({flag.category}): action #{action.pk} ({action.op}) failed; the flag stays open",
                data={"flag": flag.pk, "action": action.pk},
            )


def _preferred(space: str, handles: list[str]) -> str:
    """The handle somebody is already known by in Steward, else the first the space gave."""
    known = identities_known_as(space, handles).first()
    return known.handle if known is not None else (handles[0] if handles else "")


def report_body(flag: Flag) -> str:
    """The case's report as stewards read it: where the text was, what it said, and why screening flagged it."""
    item: Item = flag.item
    author = _preferred(identity_space(item.connection), split_handles(item.author)) or "an unknown user"
    written = f" on {timezone.localtime(item.created_at):%Y-%m-%d %H:%M %Z}" if item.created_at else ""
    where = f" in {item.thread}" if item.thread else ""
    text = item.text if len(item.text) <= MAX_QUOTED else item.text[:MAX_QUOTED] + " […]"
    quoted = "\n".join(f"> {line}" for line in (text.strip() or "(no text)").splitlines())
    parts = [
        f"Found by screening in {item.connection.title} (flag #{flag.pk}: {category_title(flag.category)}, "
        f"score {flag.score:.2f}). Why: {flag.why or 'no explanation given'}.",
        f"The content, written by {author}{where}{written}:\n\n{quoted}",
    ]
    if item.context:
        parts.append("Its context:\n\n" + "\n".join(f"> {line}" for line in item.context.strip().splitlines()))
    if item.url:
        parts.append(f"Link: {item.url}")
    return "\n\n".join(parts)


@transaction.atomic
def do_open_case_from_flag(steward: Any, flag_id: Any, note: str = "", category: str = "") -> Case:
    """A case with the flagged text, its link and the author as the reported party, taken by the steward.
    `category`: what it violates (the case's category), when not the flag's own."""
    flag = _open_flag(steward, flag_id)
    violated = _violated(flag, category)
    item = flag.item
    space = identity_space(item.connection)
    handle = _preferred(space, split_handles(item.author))
    involved = [InvolvedPerson(PartyRole.REPORTED, "", space, handle)] if handle else []
    policy = current_policy()
    body = report_body(flag) + (f"\n\nThe steward's note:\n\n{note.strip()}" if note.strip() else "")
    receipt = do_submit_report(
        Submission(
            body=body,
            involved_people=involved,
            space=next((entry.code for entry in policy.spaces if entry.platform == space), ""),
            link=item.url if is_web_link(item.url) else "",
            categories=[violated] if violated in {c.code for c in policy.categories} else [],
            channel=Channel.SPACE,
        ),
        taken_by=steward,
    )
    flag.case = Case.objects.get(code_name=receipt.case_code_name)
    _reviewed(flag, steward, FlagStatus.CASE_OPENED, True, note, category=violated)
    record(
        "screening.flag.case-opened",
        f"Flag #{flag.pk} ({flag.category}{_filed(flag)}): case {flag.case.code_name} opened",
        actor=steward,
        case_id=flag.case.pk,
        data={"flag": flag.pk},
    )
    return flag.case


def _shown(cut: float | None) -> str:
    return "the model's own threshold" if cut is None else f"{cut:.2f}"


@transaction.atomic
def do_set_cut(admin: Any, category: str, kind: str, cut: float | None) -> CategoryCut:
    """Set the community's cut for one category and content kind (None: back to the model's own threshold). Items
    scored from now on are judged against it; flags already raised stay as they are."""
    if not is_admin_steward(admin):
        raise ValidationError(_("Only admin stewards may change where screening flags."))
    cut = None if cut is None else round(float(cut), 2)
    check_cut(category, kind, cut)
    now = timezone.now()
    # Locked (or made) first: two admins changing the same cut at once are taken one after the other.
    row, made = CategoryCut.objects.select_for_update().get_or_create(category=category, kind=kind, defaults={"set_at": now})
    before = None if made else row.cut
    if before == cut:
        raise ValidationError(_("That is already the cut: nothing changed."))  # the transaction drops a row just made
    row.cut, row.set_by, row.set_at = cut, admin, now
    row.save()
    record(
        "screening.cut.set",
        f"Screening cut for {category} on {kind}: {_shown(before)} -> {_shown(cut)}",
        actor=admin,
        data={"category": category, "kind": kind, "before": before, "after": cut},
    )
    return row

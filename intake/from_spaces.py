"""A report made with a space's own tool (a chat shortcut, an app command, a forum flag) becomes a case.

It lands in the same queue as the web form's reports (REQUIREMENTS 2.9), through the same
`do_submit_report`. The reporter is not anonymous: the space told us who they are, and their handle
there is how the stewards can reach them. The author of the reported content becomes the reported
party, linked through their identity in that space so earlier cases about them show up.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.actions import InvolvedPerson
from cases.models import Channel, PartyRole
from intake.actions import Submission, do_submit_report
from intake.views import follow_up_url
from people.actions import do_link_identity
from people.models import Identity, Person, normalise_handle
from policy.services import current_policy
from spaces.base import Handled, ReportEvent
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection
from steward.ratelimit import Counted, hit
from steward.weblinks import is_web_link

MAX_QUOTED = 20_000  # characters of the reported content kept in the report (the link leads to the rest)


def report_from_space(connection: SpaceConnection, event: ReportEvent) -> Handled:
    space = identity_space(connection)
    reporter_handle = _preferred(space, event.reporter)
    involved = []
    if event.item is not None and event.item.author:
        involved.append(InvolvedPerson(PartyRole.REPORTED, "", space, _preferred(space, event.item.author)))
    if reporter_handle:
        involved.append(InvolvedPerson(PartyRole.REPORTER, event.reporter_name, space, reporter_handle))
    link = event.item.url if event.item is not None else ""
    submission = Submission(
        body=compose_body(connection, event),
        reporter_name=event.reporter_name[:200],
        reporter_other_contact=f"{reporter_handle} on {connection.title}"[:200] if reporter_handle else "",
        involved_people=involved,
        space=_policy_space(space),
        link=link if is_web_link(link) else "",
        channel=Channel.SPACE,
    )
    with transaction.atomic():
        receipt = do_submit_report(submission, held_as_possible_flood=_flooding(connection, reporter_handle))
        # Every other handle the space gave for the same user (id, login, e-mail) joins their person,
        # so watching and the next report find them whichever handle the platform sends.
        if event.item is not None:
            _link_other_handles(space, event.item.author)
        _link_other_handles(space, event.reporter)
    return Handled(event, report_reference=receipt.reference, follow_up_url=follow_up_url(receipt.reference, receipt.secret))


def compose_body(connection: SpaceConnection, event: ReportEvent) -> str:
    """The report as stewards read it: where it came from, what was reported, and the reporter's own words."""
    parts = [f"Reported in {connection.title} with the space's own report action."]
    item = event.item
    if item is not None:
        written = f" on {timezone.localtime(item.created_at):%Y-%m-%d %H:%M %Z}" if item.created_at else ""
        where = f" in {item.thread}" if item.thread else ""
        text = item.text if len(item.text) <= MAX_QUOTED else item.text[:MAX_QUOTED] + " […]"
        parts.append(f"The reported content, written by {_first(item.author) or 'an unknown user'}{where}{written}:\n\n{_quote(text)}")
        if item.url:
            parts.append(f"Link: {item.url}")
    note = event.note.strip()
    parts.append(f"What the reporter wrote:\n\n{note}" if note else "The reporter wrote nothing more.")
    return "\n\n".join(parts)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in (text.strip() or "(no text)").splitlines())


def _first(handles: tuple[str, ...]) -> str:
    return next((handle for handle in handles if handle), "")


def _preferred(space: str, handles: tuple[str, ...]) -> str:
    """The handle somebody is already known by in Steward, else the first the space gave."""
    known = identities_known_as(space, handles).first()
    return known.handle if known is not None else _first(handles)


def _link_other_handles(space: str, handles: tuple[str, ...]) -> None:
    holders = list(identities_known_as(space, handles).select_related("person"))
    if not holders:
        return
    person: Person = holders[0].person
    held = {identity.handle for identity in holders}
    for handle in handles:
        normalised = normalise_handle(space, handle or "")
        # A handle somebody else holds is left alone: merging people is a steward's decision, not a webhook's.
        if normalised and normalised not in held and not Identity.objects.filter(space=space, handle=normalised).exists():
            do_link_identity(None, person, space, normalised)


def _policy_space(platform: str) -> str:
    """The policy's code for the place this happened, so the report reads like a form report would."""
    return next((item.code for item in current_policy().spaces if item.platform == platform), "")


def _flooding(connection: SpaceConnection, reporter_handle: str) -> bool:
    """Past the soft limit a reporter's reports are still taken, held for review (REQUIREMENTS 2.10)."""
    reporter = Counted("space", f"{connection.slug}|{reporter_handle}")
    return hit(reporter, settings.STEWARD_REPORT_WINDOW_SECONDS) > settings.STEWARD_REPORT_SOFT_LIMIT

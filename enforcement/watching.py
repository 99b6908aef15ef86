"""No-contact watching (REQUIREMENTS 8.5): a sanctioned person addressing someone they must leave alone.

For each piece of content from a watched space: who wrote it (matched through identities in that
platform), whether that person has a sanction in force with a no-contact list, and whether the
content is addressed to (replies to, reviews, mentions) anyone on that list. Each breach becomes one
WatchAlert (its unique constraint keeps a re-read or re-delivered item from alerting twice), one
audit record, and one mail to the case's stewards after commit.

The watch covers known identities only. A reporter protected through their report
(`Sanction.no_contact_reports`: an anonymous reporter, or one the case has no person for) has no
identity here to match, so no alert can name them and none is raised for them; the letter still
tells the person not to contact them, a breach they report through their follow-up link lands on
the same case, and a new report about the sanctioned person lists this case among the earlier ones.
A sanction whose list holds only such reports is not watched at all.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from clocks.deadlines import unconflicted_stewards
from decisions.models import Sanction, SanctionStatus
from enforcement import notices
from enforcement.models import WatchAlert
from people.models import Person
from spaces.base import Item
from spaces.identities import identities_known_as, identity_space
from spaces.models import SpaceConnection

EXCERPT_CHARS = 2000


def sanctions_in_force(person_ids: set[int]) -> list[Sanction]:
    now = timezone.now()
    return list(
        Sanction.objects.filter(person_id__in=person_ids, status=SanctionStatus.ACTIVE, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(no_contact__isnull=False)
        .distinct()
        .select_related("decision__case")
        .prefetch_related("no_contact")
    )


def check_content(connection: SpaceConnection, item: Item) -> list[WatchAlert]:
    """The alerts this item newly raised (none when it was seen before)."""
    if not connection.watch or not item.author or not item.addressed:
        return []
    space = identity_space(connection)
    authors = set(identities_known_as(space, item.author).values_list("person_id", flat=True))
    if not authors:
        return []
    addressed = set(identities_known_as(space, item.addressed).values_list("person_id", flat=True))
    alerts = []
    for sanction in sanctions_in_force(authors):
        for protected in sanction.no_contact.all():
            # Talking to oneself is not contact, even when a person is somehow on their own list.
            if protected.pk in addressed and protected.pk not in authors:
                alert = _raise_alert(connection, item, sanction, protected)
                if alert is not None:
                    alerts.append(alert)
    return alerts


def _raise_alert(connection: SpaceConnection, item: Item, sanction: Sanction, protected: Person) -> WatchAlert | None:
    case = sanction.decision.case
    try:
        with transaction.atomic():
            alert = WatchAlert.objects.create(
                sanction=sanction,
                case=case,
                connection=connection,
                protected=protected,
                external_id=item.external_id[:200],
                url=item.url[:500],
                excerpt=item.text[:EXCERPT_CHARS],
            )
    except IntegrityError:
        return None  # seen before: alerted then
    record(
        "watch.alert",
        f"No-contact alert on case {case.code_name} from {connection.slug}",
        case_id=case.pk,
        data={"alert": alert.pk, "sanction": sanction.pk, "connection": connection.slug},
    )
    subject = _("Case %(case)s: possible breach of a no-contact period") % {"case": case.code_name}
    lead = _(
        "Content in a watched space (%(space)s) may break the no-contact terms of a sanction on case %(case)s. "
        "The details are on the case page, for stewards who may read it."
    ) % {"space": connection.title, "case": case.code_name}
    notices.tell(case, f"watch:{alert.pk}", subject, lead, recipients=unconflicted_stewards(case))
    return alert

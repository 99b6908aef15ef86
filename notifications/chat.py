"""The optional notice of a new case in the committee's own chat channel: "New report: case <code name> <link>".

Configured on a space connection (admin site, Space connections): the `notice_channel` setting of an enabled
Slack, Discord or Zulip connection names the channel (spaces.base.Space.post_notice). Every such connection gets
one notice per new case (a ChatNotice row, written with the report, claimed before the post, stamped after).

A channel is shared: it cannot hide one message from one member. So a case that any active steward is
hard-conflicted on (named in the report, excluded by the reporter, or a hard declaration made before the post)
gets no chat notice at all, only the mails to the others; nor does a report held as a possible flood (the
digest carries it). A failed post never touches the mail alerts: it is logged, kept with its error, and the
sweep tries again, MAX_ATTEMPTS times in all.
"""

import logging
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import Standing, committee_standings
from cases.models import Case
from notifications.models import ChatNotice
from spaces.base import NOTICE_SETTING
from spaces.models import SpaceConnection
from spaces.registry import platforms, space_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def notice_text(code_name: str) -> str:
    from notifications.alerts import case_link

    return _("New report: case %(case)s %(link)s") % {"case": code_name, "link": case_link(code_name)}


def notice_connections() -> list[SpaceConnection]:
    """Enabled connections of platforms that post notices, with a channel set."""
    posting = {name for name, cls in platforms().items() if cls.posts_notices}
    found = SpaceConnection.objects.filter(enabled=True, platform__in=posting)
    return [connection for connection in found if str((connection.settings or {}).get(NOTICE_SETTING) or "").strip()]


def _anyone_hidden(members: list[tuple[Any, Standing]]) -> bool:
    return any(standing is Standing.HIDDEN for _, standing in members)


def plan_notices(case: Case, held: bool, members: list[tuple[Any, Standing]]) -> int:
    """Write the case's notices (inside the report's transaction); returns how many."""
    if held or _anyone_hidden(members):
        return 0
    connections = notice_connections()
    ChatNotice.objects.bulk_create([ChatNotice(case=case, connection=connection) for connection in connections], ignore_conflicts=True)
    return len(connections)


def post(pk: int) -> int:
    """Post one notice if nobody has (or is); 1 when this call posted it."""
    from notifications.alerts import CLAIM_EXPIRES

    now = timezone.now()
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES)
    pending = ChatNotice.objects.filter(pk=pk, posted_at__isnull=True, skipped_at__isnull=True).filter(unclaimed)
    if not pending.update(claimed_at=now):
        return 0
    notice = ChatNotice.objects.select_related("case", "connection").get(pk=pk)
    case, connection = notice.case, notice.connection
    channel = str((connection.settings or {}).get(NOTICE_SETTING) or "").strip()
    # Asked again at the moment of posting: a hard declaration since the report, a join, a channel taken away.
    if case.merged_into_id is not None or not connection.enabled or not channel or _anyone_hidden(committee_standings(case)):
        ChatNotice.objects.filter(pk=pk).update(skipped_at=timezone.now())
        return 0
    try:
        ref = space_for(connection).post_notice(channel, notice_text(case.code_name))
    except Exception as error:  # noqa: BLE001 (any failure of a platform call: kept for the retry, never raised into mail delivery)
        logger.warning("Chat notice %s in %s could not be posted: %s", pk, connection.slug, error)
        ChatNotice.objects.filter(pk=pk).update(claimed_at=None, attempts=F("attempts") + 1, last_error=str(error)[:300])
        return 0
    ChatNotice.objects.filter(pk=pk).update(posted_at=timezone.now(), attempts=F("attempts") + 1, last_error="", external_ref=ref[:200])
    return 1


def post_case(case_id: int) -> int:
    ids = ChatNotice.objects.filter(case_id=case_id, posted_at__isnull=True, skipped_at__isnull=True).values_list("pk", flat=True)
    return sum(post(pk) for pk in list(ids))


def retry_unposted() -> int:
    pending = ChatNotice.objects.filter(posted_at__isnull=True, skipped_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    return sum(post(pk) for pk in list(pending.values_list("pk", flat=True)))

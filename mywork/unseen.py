"""Keeps mywork.UnseenPartyMessages: a row per (steward, case) from a party's message until the steward opens the case.

Read state is not a decision about the case, so it writes no audit event (the log would grow with every page a
steward opens, and say nothing anyone must be able to prove); it is kept by signals, in the transaction of the
message that causes it.
"""

from typing import Any

from cases.models import Message
from mywork.models import UnseenPartyMessages
from people.access import active_stewards


def message_saved(sender: Any, instance: Message, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A reporter's or a reported person's new message is unseen by every active steward (the access layer hides
    it again from those who may not read the case); an existing row keeps its earlier `since`."""
    if not created or raw or not (instance.from_reporter or instance.from_party):
        return
    rows = [
        UnseenPartyMessages(steward_id=pk, case_id=instance.case_id, since=instance.created_at)
        for pk in active_stewards().values_list("pk", flat=True)
    ]
    UnseenPartyMessages.objects.bulk_create(rows, ignore_conflicts=True)


def case_opened(sender: Any, user: Any, case: Any, **kwargs: Any) -> None:
    """The steward opened the case's page, where its messages are: nothing on it is new to them any more."""
    mark_seen(user, case)


def mark_seen(user: Any, case: Any) -> None:
    UnseenPartyMessages.objects.filter(steward=user, case=case).delete()

"""What a steward has not seen yet. Nothing here is a permission: cases.access decides what is shown."""

from django.conf import settings
from django.db import models


class UnseenPartyMessages(models.Model):
    """A case with messages from a party (a reporter or a reported person) that this steward has not seen: a row
    from the first such message until the steward next opens the case's page.

    "Messages since I last opened the case" is otherwise every party message tested against every steward's last
    visit; as rows, a steward's list is one index range (`unseen_by_steward`). A row is written for every steward
    when a party writes (mywork.unseen, in the message's transaction) and removed when that steward opens the
    case; the access layer still decides, on each read, whether the steward may see the case at all, so a row
    for a hard-conflicted steward shows nothing.
    """

    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()  # the first message the steward has not seen

    class Meta:
        constraints = [models.UniqueConstraint(fields=["steward", "case"], name="unseen_once_per_case")]
        indexes = [models.Index(fields=["steward", "since", "id"], name="unseen_by_steward")]

    def __str__(self) -> str:
        return f"Unseen party messages on case #{self.case_id}"

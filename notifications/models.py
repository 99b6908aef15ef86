"""Who was told of which new case, and where: the rows that make each alert go out once.

Rows are written in the transaction that stores the report (notifications.alerts), so a report that commits has
its alerts and one that rolls back has none; each mail or chat post is claimed before it is sent and stamped
after, as the clocks' reminders are (clocks.notify). Nothing here holds case content: a case and a steward or
a connection, and when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DIGEST = "digest", _("In the daily digest")


PENDING = Q(sent_at__isnull=True, skipped_at__isnull=True)  # neither sent nor given up


class NewCaseAlert(models.Model):
    """One steward told of one new case by mail: at once, or in their next daily digest."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Not sent: by the time of sending the steward could no longer know of the case (a hard conflict declared,
    # deactivated, the case joined into another). Kept so a retry does not try again.
    skipped_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "steward"], name="one_new_case_alert_per_steward")]
        indexes = [models.Index(fields=["delivery", "created_at"], condition=PENDING, name="alert_pending")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery} alert to {self.steward_id}"


class ChatNotice(models.Model):
    """One notice of one new case in the committee's channel of one space connection."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("spaces.SpaceConnection", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    external_ref = models.CharField(max_length=200, blank=True)  # the platform's id for the message
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "connection"], name="one_chat_notice_per_connection")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"notice in {self.connection_id}"

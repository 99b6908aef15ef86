"""Deadlines of a case, their revised targets, interim protective measures, and the reminders sent.

Everything time-based is a row with a due time; the task worker (and the sweep behind it) acts on
rows, never on in-memory timers, so a restart loses nothing (REQUIREMENTS 3.1, 3.4).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedTextField
from steward.times import when


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge the report")
    FIRST_FOLLOW_UP = "first-follow-up", _("First follow-up to the reporter")
    DECISION = "decision", _("Decision")


class Deadline(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=16, choices=DeadlineKind.choices)
    due_at = models.DateTimeField(db_index=True)
    met_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Bumped whenever the target changes: a task scheduled for an older target finds itself superseded.
    generation = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_deadline_per_kind")]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {when(self.due_at)}"


class DeadlineRevision(models.Model):
    """A late case states a new date: the old and new target, why, and who set it."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="revisions")
    old_due = models.DateTimeField()
    new_due = models.DateTimeField()
    reason = EncryptedTextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["set_at", "id"]

    def __str__(self) -> str:
        return f"{self.old_due:%Y-%m-%d} → {self.new_due:%Y-%m-%d}"


class MeasureOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    LIFTED = "lifted", _("Lifted")


class InterimMeasure(models.Model):
    """A protective step one steward took alone in an emergency; the committee reviews it within 24 h."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="interim_measures")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    description = EncryptedTextField()
    taken_at = models.DateTimeField()
    review_due = models.DateTimeField(db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=MeasureOutcome.choices, blank=True)
    review_note = EncryptedTextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"Interim measure #{self.pk}"

    @property
    def awaiting_review(self) -> bool:
        return self.reviewed_at is None


class Stage(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")


class ReminderSent(models.Model):
    """One e-mail to one steward about one deadline (or measure) at one stage.

    The row is written in the transaction that decides to send, and the mail goes out after commit;
    the unique constraints make a retried task find the row and not send again.
    """

    deadline = models.ForeignKey(Deadline, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    measure = models.ForeignKey(InterimMeasure, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    generation = models.PositiveIntegerField(default=1)
    stage = models.CharField(max_length=16, choices=Stage.choices)
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "generation", "stage", "steward"], condition=Q(deadline__isnull=False), name="one_reminder_per_deadline"
            ),
            models.UniqueConstraint(
                fields=["measure", "stage", "steward"], condition=Q(measure__isnull=False), name="one_reminder_per_measure"
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=False, measure__isnull=True) | Q(deadline__isnull=True, measure__isnull=False),
                name="reminder_about_one_thing",
            ),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.stage} to {self.steward_id}"

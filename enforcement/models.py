"""Enforcement plans: a sanction made concrete as actions in each space, run exactly once, lifted on time.

The plan and its actions are written in the transaction that records the decision (the durable
outbox); nothing runs until a steward approves the plan. Each action moves through

    planned → queued → running → applied → revert-queued → reverting → reverted
                 ↑         │                      ↑             │
                 └─────────┘ (temporary failure)  └─────────────┘
                           └→ failed (permanent)                └→ revert-failed

and every attempt leaves a Receipt. `lease_until` marks a claimed attempt: a worker that dies holding
it leaves the lease to expire, and the next run asks the platform (`verify`) before applying again.
"""

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Case
from decisions.models import Decision, Sanction
from people.models import Identity, Person
from privacy.fields import EncryptedCharField, EncryptedTextField
from spaces.models import SpaceConnection


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft: waiting for review"
    APPROVED = "approved", "Approved: being applied"
    ACTIVE = "active", "In force"
    ENDED = "ended", "Ended: lifted"
    CANCELLED = "cancelled", "Cancelled"


class Notice(models.TextChoices):
    """The policy's rollout order: the person is told before bans are applied (REQUIREMENTS 8.7)."""

    PENDING = "pending", "Not yet notified"
    SENT = "sent", "Notified by letter"
    RECORDED = "recorded", "Notified another way"
    WAIVED = "waived", "Applied without notice"


class Plan(models.Model):
    """A sanction's actions; or, with no case, decision or sanction, a one-off moderation of content
    (e.g. hiding a comment a screening flag found), which applies at once and is never lifted."""

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="enforcement_plans")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.CASCADE, related_name="enforcement_plans")
    sanction = models.OneToOneField(Sanction, null=True, blank=True, on_delete=models.CASCADE, related_name="plan")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    notice = models.CharField(max_length=16, choices=Notice.choices, default=Notice.PENDING)
    notice_note = EncryptedTextField(blank=True)
    notify_first = models.BooleanField(default=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    check_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    end_reminder_at = models.DateTimeField(null=True, blank=True)
    end_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Plan #{self.pk} ({self.status})"

    @property
    def sanctioned(self) -> Sanction:
        """The sanction of a sanction's plan (every plan on a case page, every plan with a check-in or an end)."""
        if self.sanction is None:
            raise ValueError(f"Plan #{self.pk} moderates content; it carries out no sanction.")
        return self.sanction

    @property
    def on_case(self) -> Case:
        if self.case is None:
            raise ValueError(f"Plan #{self.pk} belongs to no case.")
        return self.case

    @property
    def may_apply(self) -> bool:
        """Approved, and the person has been told first (or the stewards chose not to wait)."""
        return self.status in (PlanStatus.APPROVED, PlanStatus.ACTIVE) and (not self.notify_first or self.notice != Notice.PENDING)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Removed from the plan"
    REVERT_QUEUED = "revert-queued", "Lifting queued"
    REVERTING = "reverting", "Lifting"
    REVERTED = "reverted", "Lifted"
    EXPIRED = "expired", "Lifted by the platform at the end time"
    REVERT_FAILED = "revert-failed", "Lifting failed"


# Where an action is waiting for the executor, and where it holds a claim.
WAITING = (ActionStatus.QUEUED, ActionStatus.REVERT_QUEUED)
CLAIMED = (ActionStatus.RUNNING, ActionStatus.REVERTING)
IN_FORCE = (ActionStatus.APPLIED,)


class Phase(models.TextChoices):
    APPLY = "apply", "Apply"
    REVERT = "revert", "Lift"
    VERIFY = "verify", "Check"


def new_key() -> str:
    return uuid.uuid4().hex


class EnforcementAction(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    connection = models.ForeignKey(SpaceConnection, on_delete=models.PROTECT, related_name="actions")
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    op = models.CharField(max_length=32)
    subject = EncryptedCharField(max_length=500, help_text="The user's handle, or the URL or id of the content.")
    reason = EncryptedTextField(blank=True)
    params_json = EncryptedTextField(blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(max_length=32, unique=True, default=new_key, editable=False)
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED, db_index=True)
    revert_at = models.DateTimeField(null=True, blank=True, help_text="When Steward lifts it; empty: it stays.")
    native_expiry = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    state_json = EncryptedTextField(blank=True, default="")
    external_ref = models.CharField(max_length=200, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    drifted_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Action #{self.pk} {self.op} ({self.status})"

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json) if self.params_json else {}

    @params.setter
    def params(self, value: dict[str, Any]) -> None:
        self.params_json = json.dumps(value, sort_keys=True) if value else ""

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_json) if self.state_json else {}

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        self.state_json = json.dumps(value, sort_keys=True, default=str) if value else ""


class NoticeStatus(models.TextChoices):
    CLAIMED = "claimed", "Being posted"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Not posted"
    UNKNOWN = "unknown", "Perhaps posted: the worker stopped mid-way"


class PlatformNotice(models.Model):
    """The one notice an applied action posts on its platform (policy `enforcement.notify_on_platform`).

    The row is claimed before the platform is called, so a notice is never posted twice. A worker that dies in
    between leaves it claimed; once its lease is over the sweep settles it (enforcement.platform_notices): found on
    the platform (where the platform can be asked), posted then (where it can be asked and the notice is not
    there), or marked unknown for the stewards (a second message would be worse than none)."""

    action = models.OneToOneField(EnforcementAction, on_delete=models.CASCADE, related_name="platform_notice")
    status = models.CharField(max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.CLAIMED)
    language = models.CharField(max_length=20, blank=True)
    external_ref = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(default=timezone.now, help_text="When a worker last took it to post; its lease runs from here.")
    posted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Notice for action #{self.action_id} ({self.status})"


class Receipt(models.Model):
    """One attempt's result, for the case page. Details may name handles, so they are encrypted."""

    action = models.ForeignKey(EnforcementAction, on_delete=models.CASCADE, related_name="receipts")
    phase = models.CharField(max_length=8, choices=Phase.choices)
    ok = models.BooleanField()
    detail = EncryptedTextField()
    attempt = models.PositiveSmallIntegerField(default=0)
    recovered = models.BooleanField(default=False, help_text="Found already done after an interrupted attempt.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Receipt #{self.pk} {self.phase} {'ok' if self.ok else 'failed'}"


class WatchAlert(models.Model):
    """A sanctioned person addressed someone they must not contact, in a watched space."""

    sanction = models.ForeignKey(Sanction, on_delete=models.CASCADE, related_name="watch_alerts")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="watch_alerts")
    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="+")
    protected = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    url = EncryptedCharField(max_length=500, blank=True)
    excerpt = EncryptedTextField(blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sanction", "connection", "external_id", "protected"], name="watch_alert_once"),
        ]

    def __str__(self) -> str:
        return f"Watch alert #{self.pk}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    ACCEPTED = "accepted", "Reviewed: stands"
    CASE_OPENED = "case-opened", "Reviewed: a case was opened"
    OVERTURNED = "overturned", "Reviewed: to be undone"


class ModeratorAction(models.Model):
    """A block or ban made directly on a platform, outside Steward, queued for the committee (REQUIREMENTS 8.6)."""

    SEPARATOR = ", "  # between the handles in `actor` and `subject` (enforcement.moderation.handles_of splits on it)

    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=64)
    actor = EncryptedCharField(max_length=300, blank=True)
    subject = EncryptedCharField(max_length=300)
    subject_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = EncryptedTextField(blank=True)
    at = models.DateTimeField()
    delivery_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True)
    review_note = EncryptedTextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} on {self.connection}"


class StewardNotice(models.Model):
    """One e-mail to one steward about one enforcement event (drift, check-in, end reminder, watch alert...).

    Written in the transaction that decides to tell, delivered after commit; the unique `topic` per steward
    makes a repeated run find the row instead of mailing twice. Names the case by code name only.
    """

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")  # none: not about a case
    topic = models.CharField(max_length=100)  # unique per subject, e.g. "drift:12", "check-in:3", "moderator-action:5"
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "steward"], name="steward_notice_once")]

    def __str__(self) -> str:
        return f"Notice {self.topic} to {self.steward_id}"

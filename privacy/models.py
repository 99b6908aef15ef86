"""Retention dates, legal holds, anonymous statistics of erased cases, and data-subject requests."""

import calendar
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from privacy.fields import EncryptedCharField, EncryptedTextField


class CaseRetention(models.Model):
    """When a case's personal data is erased, and whether a legal hold postpones it."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="retention")
    retain_until = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Empty while the case is open.")
    legal_hold = models.BooleanField(default=False)
    hold_reason = EncryptedCharField(max_length=300, blank=True)
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    held_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Retention of case #{self.case_id}"

    @property
    def is_due(self) -> bool:
        return not self.legal_hold and self.retain_until is not None and self.retain_until <= timezone.now()


class CaseStatistic(models.Model):
    """What the statistics need from an erased case. Deliberately no link to the case or anyone in it."""

    created_month = models.DateField()
    closed_month = models.DateField(null=True, blank=True)
    erased_at = models.DateTimeField()
    status = models.CharField(max_length=16)
    outcome = models.CharField(max_length=64, blank=True)
    level = models.CharField(max_length=64, blank=True)
    space = models.CharField(max_length=64, blank=True)
    categories = models.JSONField(default=list, blank=True)
    had_reporter_anonymous = models.BooleanField(default=False)
    hours_to_acknowledgement = models.FloatField(null=True, blank=True)
    hours_to_decision = models.FloatField(null=True, blank=True)
    reports = models.PositiveIntegerField(default=0)
    parties = models.PositiveIntegerField(default=0)
    recusals = models.PositiveIntegerField(default=0)
    expunged = models.BooleanField(default=False)
    # What the transparency report counts (transparency/figures.py); none of it names a case or a person.
    channels = models.JSONField(default=list, blank=True)  # one intake channel per report, sorted
    reported_people = models.PositiveIntegerField(default=0)
    outcome_class = models.CharField(max_length=16, blank=True)  # "sanction", "non-sanction", or "" while undecided
    restorative = models.BooleanField(null=True, blank=True)  # for a sanction: a level that removes and restricts no one
    hours_to_first_response = models.FloatField(null=True, blank=True)
    appeal_outcomes = models.JSONField(default=list, blank=True)  # one entry per appeal: its outcome, or "open"
    handled_locally = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_month", "id"]

    def __str__(self) -> str:
        return f"Erased case from {self.created_month:%Y-%m}"


def one_month_after(moment: datetime) -> datetime:
    """GDPR 12(3): one calendar month; the 31st becomes the last day of a shorter month."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


class DataSubjectRequest(models.Model):
    """A person's request for what Steward holds about them (GDPR 15), due within one month."""

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="data_requests")
    person_code_name = models.CharField(max_length=64)
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"Request for {self.person_code_name}"

    @property
    def is_overdue(self) -> bool:
        return self.completed_at is None and self.due_at < timezone.now()


class KeyCanary(models.Model):
    """One known value encrypted with the keys this database was set up with (privacy.canary).

    A process refuses to start when no configured key can read it, instead of answering 500 on every
    page that holds confidential data. `rotate_keys` re-encrypts it last, after everything else.
    """

    value = EncryptedTextField()
    written_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "Key canary"

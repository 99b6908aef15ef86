"""A transparency report: the figures of one period, frozen when computed, public once signed off and due."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _lazy("Draft")
    SIGNED_OFF = "signed-off", _lazy("Signed off")


class PublishedReports(models.QuerySet["TransparencyReport"]):
    def published(self, today: date | None = None) -> "PublishedReports":
        return self.filter(status=ReportStatus.SIGNED_OFF, publish_on__lte=today or timezone.localdate())


class TransparencyReport(models.Model):
    period = models.CharField(max_length=16, unique=True)  # policy.periods label, e.g. "2026-H1"
    first_day = models.DateField()
    last_day = models.DateField()
    # transparency.figures.compute(): counts already suppressed, so a hidden count is stored nowhere.
    figures = models.JSONField()
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    revision = models.PositiveIntegerField(default=1)  # a sign-off names the revision its steward read
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    publish_on = models.DateField(null=True, blank=True)

    objects = PublishedReports.as_manager()

    class Meta:
        ordering = ["-last_day", "-first_day"]

    def __str__(self) -> str:
        return f"Transparency report {self.period}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == ReportStatus.SIGNED_OFF

    def is_published(self, today: date | None = None) -> bool:
        return self.is_signed_off and self.publish_on is not None and self.publish_on <= (today or timezone.localdate())

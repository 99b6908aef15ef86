"""Survey answers kept apart from the case, and the invitation that says an answer was given.

`SurveyAnswer` holds no foreign key, no person, no code name and no time finer than the month the case
closed; its primary key is random, so the order rows were written in says nothing either. Only
`SurveyInvitation` knows which report or party answered (so nobody answers twice); it goes with the report
or party, and so with the case at erasure, while the anonymous answer stays for the statistics.
"""

import uuid

from django.db import models

from cases.models import Party, Report


class SurveyRole(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    REPORTED = "reported", "Reported person"


def _score() -> models.PositiveSmallIntegerField:
    # Empty: "prefer not to say".
    return models.PositiveSmallIntegerField(null=True, blank=True, choices=[(n, str(n)) for n in range(1, 6)])


class SurveyAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    closed_month = models.DateField(help_text="The first day of the month the case closed in; nothing finer is kept.")
    role = models.CharField(max_length=16, choices=SurveyRole.choices)
    fair = _score()
    timely = _score()
    heard = _score()
    safe = _score()

    class Meta:
        indexes = [models.Index(fields=["closed_month", "role"], name="survey_answer_month_role")]

    def __str__(self) -> str:
        return f"Survey answer ({self.role}, {self.closed_month:%Y-%m})"


class SurveyInvitation(models.Model):
    """A reporter (their report) or a reported person (their party row) has answered; there is no link to the answer."""

    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False, party__isnull=True) | models.Q(report__isnull=True, party__isnull=False),
                name="survey_invitation_one_respondent",
            )
        ]

    def __str__(self) -> str:
        return f"Survey invitation #{self.pk} (answered)"

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from policy.periods import ended_periods
from policy.services import current_policy
from transparency.actions import SUMMARY_LIMIT
from transparency.models import TransparencyReport


def periods_to_draft(today: date | None = None) -> list[tuple[str, str]]:
    """Ended periods of the policy's lengths that have no report yet, most recent first."""
    taken = set(TransparencyReport.objects.values_list("period", flat=True))
    periods = ended_periods(today or timezone.localdate(), current_policy().transparency.period_months)
    return [
        (period.label, f"{period.label} ({period.first_day:%d %b %Y} – {period.last_day:%d %b %Y})")
        for period in periods
        if period.label not in taken
    ]


class DraftForm(forms.Form):
    period = forms.ChoiceField(label=_lazy("Period"))
    summary = forms.CharField(
        label=_lazy("Summary (optional)"),
        help_text=_lazy("A few words for the community: what stood out, what the committee changed. Shown above the figures."),
        required=False,
        max_length=SUMMARY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period = self.fields["period"]
        assert isinstance(period, forms.ChoiceField)
        period.choices = periods_to_draft()


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_lazy("Summary"), required=False, max_length=SUMMARY_LIMIT, widget=forms.Textarea(attrs={"rows": 4}))


class SignOffForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    publish_on = forms.DateField(
        label=_lazy("Publish on (optional)"),
        help_text=_lazy("Leave empty to publish as soon as the policy allows."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

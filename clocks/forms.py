"""Forms for the clocks panel. They only parse input; clocks.actions makes every change."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from clocks.actions import MAX_REASON
from clocks.models import MeasureOutcome


class NewTargetForm(Plain):
    id_prefix = "target"

    deadline = forms.IntegerField(widget=forms.HiddenInput)
    new_due = forms.DateTimeField(
        label=_lazy("New target date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_lazy("Why the case is late (for the committee; the reporter is told only the new date)"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, deadline_id: int | None = None, **kwargs: Any) -> None:
        if deadline_id is not None:
            # One form per overdue deadline on the page: ids must not clash.
            self.id_prefix = f"target-{deadline_id}"
            kwargs.setdefault("initial", {})["deadline"] = deadline_id
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        field = self.fields["new_due"]
        # The picker starts after now, and says in which zone the typed time is read (clocks.actions refuses the past).
        field.widget.attrs["min"] = now.strftime("%Y-%m-%dT%H:%M")
        field.help_text = _("In %(zone)s time; after now.") % {"zone": now.tzname()}


class InterimMeasureForm(Plain):
    id_prefix = "interim"

    description = forms.CharField(
        label=_lazy("What you did and why it could not wait"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewMeasureForm(Plain):
    id_prefix = "review"

    measure = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_lazy("Your review"), choices=MeasureOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_lazy("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, measure_id: int | None = None, **kwargs: Any) -> None:
        if measure_id is not None:
            self.id_prefix = f"review-{measure_id}"
            kwargs.setdefault("initial", {})["measure"] = measure_id
        super().__init__(*args, **kwargs)

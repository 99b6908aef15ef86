"""The queue's filters: status, category, space and the dates a case was opened between.

Each is an indexed lookup, combined with the queue's tab or search and applied inside readable_cases (a filter
narrows what a steward may see, never widens it): status through the queue-order index by status, the opening
dates through `created_at`'s index, a space through the reports' (space, case) index, and a category through
ReportCategory rows (category, report), which a signal here writes with each report. The filters live in the
query string, so a filtered list can be bookmarked and its "more" links keep them.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from cases.models import Report, ReportCategory, Status

FILTER_FIELDS = ("status", "category", "space", "opened_after", "opened_before")
SOMEWHERE_ELSE = "elsewhere"  # the report form's "somewhere else" (intake.forms), kept as a space code on reports


class QueueFilterForm(Plain):
    id_prefix = "filter"

    status = forms.ChoiceField(label=_lazy("Status"), required=False)
    category = forms.ChoiceField(label=_lazy("Category"), required=False)
    space = forms.ChoiceField(label=_lazy("Space"), required=False)
    opened_after = forms.DateField(label=_lazy("Opened on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    opened_before = forms.DateField(label=_lazy("Opened on or before"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, categories: list[tuple[str, str]], spaces: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("status", [("", _("Any status")), *Status.choices])
        self.set_choices("category", [("", _("Any category")), *categories])
        if not any(code == SOMEWHERE_ELSE for code, _title in spaces):
            spaces = [*spaces, (SOMEWHERE_ELSE, _("Somewhere else"))]
        self.set_choices("space", [("", _("Any space")), *spaces])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        after, before = cleaned.get("opened_after"), cleaned.get("opened_before")
        if after and before and after > before:
            self.add_error("opened_before", _("The end date is before the start date."))
        return cleaned

    def chosen(self) -> dict[str, Any]:
        """The filters that parsed (a wrong one is shown with its error and left out, the others still apply)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name in FILTER_FIELDS and value and name not in self.errors}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filters_q(chosen: dict[str, Any]) -> Q:
    """A filter on Case for the chosen filters (an empty Q for none)."""
    q = Q()
    if status := chosen.get("status"):
        q &= Q(status=status)
    if category := chosen.get("category"):
        q &= Q(pk__in=Report.objects.filter(pk__in=ReportCategory.objects.filter(category=category).values("report_id")).values("case_id"))
    if space := chosen.get("space"):
        q &= Q(pk__in=Report.objects.filter(space=space).values("case_id"))
    if after := chosen.get("opened_after"):
        q &= Q(created_at__gte=_day_start(after))
    if before := chosen.get("opened_before"):
        q &= Q(created_at__lt=_day_start(before + timedelta(days=1)))  # the whole of the last day, in the site's zone
    return q


def report_saved(sender: Any, instance: Report, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new report's categories as rows (a report never changes once made, so creation is the only write)."""
    if created and not raw:
        codes = [code for code in dict.fromkeys(instance.categories or []) if isinstance(code, str)]
        ReportCategory.objects.bulk_create([ReportCategory(report=instance, category=code) for code in codes], ignore_conflicts=True)


def connect() -> None:
    from django.db.models.signals import post_save

    post_save.connect(report_saved, sender=Report, dispatch_uid="cases.filters.report_saved")

"""The flag forms. They only parse input; every change is made by a screening.actions do_* function."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from screening.models import FlagStatus
from spaces.base import Capability

# Settings a content operation may take (Capability.params), with the label a steward reads.
PARAM_LABELS = {
    "classifier": _lazy("Why it is hidden (GitHub: abuse, spam, off-topic, outdated, duplicate, resolved)"),
    "body": _lazy("Replacement text"),
    "lock_reason": _lazy("Why the thread is locked (GitHub: off-topic, too heated, resolved, spam)"),
    "limit": _lazy("Who may still take part (GitHub: existing_users, contributors_only, collaborators_only)"),
}


ANY = "all"


class FilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label=_lazy("Status"))
    category = forms.ChoiceField(required=False, label=_lazy("Category"))

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [*FlagStatus.choices, (ANY, _lazy("Any status"))]  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", _lazy("Any category")), *categories]  # type: ignore[attr-defined]


class DismissForm(Plain):
    id_prefix = "dismiss"
    note = forms.CharField(required=False, label=_lazy("Note (optional)"), widget=forms.Textarea(attrs={"rows": 2}))


VIOLATES_LABEL = _lazy("It violates (kept as the label the model learns from)")


class ActForm(Plain):
    id_prefix = "act"
    op = forms.ChoiceField(label=_lazy("What to do"))
    reason = forms.CharField(label=_lazy("Reason the platform records"), max_length=500)
    category = forms.ChoiceField(label=VIOLATES_LABEL, required=False)  # blank: the flag's own category

    def __init__(self, *args: Any, capabilities: list[Capability], categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("op", [(str(cap.op), cap.label) for cap in capabilities])
        self.set_choices("category", categories)
        for name in sorted({param for cap in capabilities for param in cap.params}):
            self.fields[f"param_{name}"] = forms.CharField(required=False, label=PARAM_LABELS.get(name, name), max_length=2000)

    def params(self) -> dict[str, Any]:
        return {key.removeprefix("param_"): value for key, value in self.cleaned_data.items() if key.startswith("param_") and value}


class CaseForm(Plain):
    id_prefix = "case-open"
    category = forms.ChoiceField(label=VIOLATES_LABEL, required=False)  # blank: the flag's own category
    note = forms.CharField(required=False, label=_lazy("Note for the case (optional)"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("category", categories)

"""The flag forms. They only parse input; every change is made by a screening.actions do_* function."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from screening.models import FlagStatus
from spaces.base import Capability

# Settings a content operation may take (Capability.params), with the label a steward reads.
PARAM_LABELS = {
    "classifier": _lazy("Why it is hidden (when hiding)"),
    "body": _lazy("Replacement text (when replacing the text)"),
    "lock_reason": _lazy("Why the thread is locked (when locking)"),
    "limit": _lazy("Who may still take part (when limiting)"),
    "revision": _lazy("Which edit, by its number in the post's history (when hiding or undoing an edit)"),
}
# How a fixed value reads (Capability.choices); a value not named here reads as itself, with spaces for "_" and "-".
VALUE_LABELS = {
    "abuse": _lazy("abuse"),
    "spam": _lazy("spam"),
    "off-topic": _lazy("off-topic"),
    "outdated": _lazy("outdated"),
    "duplicate": _lazy("duplicate"),
    "resolved": _lazy("resolved"),
    "too heated": _lazy("too heated"),
    "existing_users": _lazy("people who already took part"),
    "contributors_only": _lazy("contributors only"),
    "collaborators_only": _lazy("collaborators only"),
}
PLATFORM_DEFAULT = _lazy("The platform's default")


def param_field(name: str, capabilities: list[Capability]) -> forms.Field:
    """A choice where the platform fixes the values, free text only for what is text (a replacement body)."""
    label = PARAM_LABELS.get(name, name)
    values = next((cap.choices_of(name) for cap in capabilities if cap.choices_of(name)), ())
    if values:
        choices = [("", PLATFORM_DEFAULT), *((value, VALUE_LABELS.get(value, value.replace("_", " "))) for value in values)]
        return forms.ChoiceField(required=False, label=label, choices=choices)
    return forms.CharField(required=False, label=label, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


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
            self.fields[f"param_{name}"] = param_field(name, capabilities)

    def params(self) -> dict[str, Any]:
        return {key.removeprefix("param_"): value for key, value in self.cleaned_data.items() if key.startswith("param_") and value}


class CaseForm(Plain):
    id_prefix = "case-open"
    category = forms.ChoiceField(label=VIOLATES_LABEL, required=False)  # blank: the flag's own category
    note = forms.CharField(required=False, label=_lazy("Note for the case (optional)"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("category", categories)

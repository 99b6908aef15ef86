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


class CutForm(Plain):
    """An admin's new cut for one category and kind. Blank, or the "model's threshold" button: back to the default."""

    id_prefix = "cut"
    cut = forms.DecimalField(
        required=False,
        label=_lazy("Cut"),
        max_digits=3,
        decimal_places=2,
        help_text=_lazy("Lower flags more and misses less; higher flags less and misses more. 0.50 is the model's own threshold."),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.20", "max": "0.90", "inputmode": "decimal"}),
    )
    use_default = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("use_default") and data.get("cut") is None and "cut" not in self.errors:
            self.add_error("cut", _lazy("Give a cut from 0.20 to 0.90, or go back to the model's threshold."))
        return data

    def chosen(self) -> float | None:
        """The cut asked for; None for the model's own threshold."""
        value = self.cleaned_data["cut"]
        return None if self.cleaned_data["use_default"] or value is None else float(value)


GOAL_PRECISION, GOAL_F_BETA = "precision", "f-beta"


class ProposalForm(Plain):
    """What the labels should aim for: a precision to reach, or the best F-beta (beta > 1 weighs misses more)."""

    id_prefix = "propose"
    goal = forms.ChoiceField(
        label=_lazy("Aim for"),
        choices=[(GOAL_PRECISION, _lazy("a precision of at least…")), (GOAL_F_BETA, _lazy("the best balance (F-beta)"))],
        initial=GOAL_PRECISION,
    )
    precision = forms.DecimalField(
        required=False, label=_lazy("Precision to reach"), min_value=0.05, max_value=1, max_digits=3, decimal_places=2, initial="0.80"
    )
    beta = forms.TypedChoiceField(
        required=False,
        label=_lazy("Balance (F-beta)"),
        coerce=float,
        empty_value=None,
        choices=[
            ("0.5", _lazy("0.5: a quieter queue matters more")),
            ("1", _lazy("1: even")),
            ("2", _lazy("2: missing less matters more")),
        ],
        initial="1",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("goal") == GOAL_PRECISION and data.get("precision") is None:
            self.add_error("precision", _lazy("Give the precision to reach, between 0.05 and 1."))
        return data

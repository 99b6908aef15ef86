from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.questions import QUESTIONS, SCALE

NO_ANSWER = ""


class SurveyForm(forms.Form):
    """One five-point question per statement; each may be left at "prefer not to say". No free text, on purpose."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(value), label) for value, label in SCALE] + [(NO_ANSWER, _("Prefer not to say"))]
        for question in QUESTIONS:
            self.fields[question.code] = forms.TypedChoiceField(
                label=question.statement,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=NO_ANSWER,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, int | None]:
        return {question.code: self.cleaned_data.get(question.code) for question in QUESTIONS}

"""Forms of the letters app. They only parse input; letters.actions makes every change."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import MessageForm, Plain
from letters.models import LetterKind


class IdForm(Plain):
    """A POST that names one row of the case (a party, a link or a message); the action checks it belongs."""

    id_prefix = "letters"

    target = forms.IntegerField(min_value=1)


class EditDraftForm(Plain):
    id_prefix = "draft"

    target = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    body = forms.CharField(label=_lazy("Corrected message"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 5}))


class ComposeForm(Plain):
    """Choose a letter, its language and its recipient; the message form below is then filled in."""

    id_prefix = "compose"

    kind = forms.ChoiceField(label=_lazy("Letter"), choices=LetterKind.choices)
    language = forms.ChoiceField(label=_lazy("Language"), choices=settings.LANGUAGES)
    audience = forms.ChoiceField(label=_lazy("Who is this letter for?"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, message_form: MessageForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = message_form.fields["audience"]
        assert isinstance(field, forms.ChoiceField)
        self.set_choices("audience", list(field.choices))  # type: ignore[arg-type]


class PartyReplyForm(forms.Form):
    body = forms.CharField(
        label=_lazy("Your message to the stewards"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
    )

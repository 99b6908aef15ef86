from django import forms
from django.utils.translation import gettext_lazy as _lazy

from people.models import Space


class LegalHoldForm(forms.Form):
    action = forms.ChoiceField(choices=[("hold", _lazy("Place a legal hold")), ("release", _lazy("Release the hold"))])
    reason = forms.CharField(label=_lazy("Why the case must be kept"), max_length=300, required=False)


class ExpungeForm(forms.Form):
    reason = forms.CharField(label=_lazy("Why the case is expunged"), max_length=300)
    confirm = forms.CharField(label=_lazy("Type the case's code name to confirm"), max_length=64)


class DataRequestForm(forms.Form):
    person = forms.CharField(label=_lazy("Person's code name"), max_length=64, required=False)
    space = forms.ChoiceField(label=_lazy("or their identity: space"), choices=[("", "—"), *Space.choices], required=False)
    handle = forms.CharField(label=_lazy("handle or e-mail address"), max_length=254, required=False)


def first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return ""

"""The stewards' case forms. They only parse input; every change is made by a cases.actions do_* function."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.evidence import CheckedFile
from cases.evidence_fields import MultipleFileField, check_uploads, files_help
from cases.models import Audience, ConflictLevel, NoteKind, Party, PartyRole, Report, Risk, Status, YesNoMaybe
from people.models import Space

NOBODY = "none"
TO_STEWARDS = Audience.STEWARDS.value
TO_REPORTER_PREFIX = "reporter:"
TO_REPORTED_PREFIX = "reported:"

CONFLICT_CHOICES = [
    (ConflictLevel.NONE.value, _lazy("No conflict — I can read, discuss and vote on this case.")),
    (
        ConflictLevel.SOFT.value,
        _lazy("Soft conflict — I know someone involved; I may read and discuss while the committee allows it, and I never vote."),
    ),
    (
        ConflictLevel.HARD.value,
        _lazy("Hard conflict — I must not see anything of this case; it disappears from my lists."),
    ),
]


class Plain(forms.Form):
    """Labels are phrases; no colon is added after them. Element ids carry the form's name, as the
    case page holds several forms with fields of the same name (two "body" fields, for example)."""

    id_prefix = "case"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def set_choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def first_error(form: forms.Form) -> str:
    """One line for a flash message: the first problem the form found."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return _("Please check the form.")


class DeclareForm(Plain):
    id_prefix = "declare"

    level = forms.ChoiceField(label=_lazy("Your position on this case"), choices=CONFLICT_CHOICES, widget=forms.RadioSelect)


class TriageForm(Plain):
    id_prefix = "triage"

    safety_risk = forms.ChoiceField(label=_lazy("Safety risk"), choices=Risk.choices)
    ongoing_harassment = forms.ChoiceField(label=_lazy("Ongoing harassment"), choices=YesNoMaybe.choices)
    in_scope = forms.ChoiceField(label=_lazy("In scope of the code of conduct"), choices=YesNoMaybe.choices)
    handled_locally = forms.BooleanField(label=_lazy("Handled locally by a space's moderators (log only)"), required=False)
    on_file_only = forms.BooleanField(label=_lazy("On file only (no action unless reported again)"), required=False)


class ShepherdForm(Plain):
    id_prefix = "shepherd"

    shepherd = forms.ChoiceField(label=_lazy("Shepherd"))

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(user.pk): user for user in candidates}
        people = [(str(user.pk), user.steward_profile.public_name) for user in candidates]
        self.set_choices("shepherd", [(NOBODY, _("Nobody")), *people])

    def chosen(self) -> Any:
        value = self.cleaned_data["shepherd"]
        return None if value == NOBODY else self.candidates[value]


class StatusForm(Plain):
    """A status button; closing also names the outcome, unless a decision already gave the case one."""

    id_prefix = "status"

    status = forms.ChoiceField(label=_lazy("New status"))
    outcome = forms.ChoiceField(label=_lazy("Outcome"), required=False)

    def __init__(
        self,
        *args: Any,
        allowed: list[tuple[str, str]],
        outcomes: Sequence[tuple[str, str]] = (),
        decided: str = "",
        titles: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("status", allowed)
        self.set_choices("outcome", [("", _("Choose the outcome")), *outcomes])
        self.decided = decided
        self.decided_title = ""
        if decided:
            self.decided_title = dict(titles).get(decided, decided)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == Status.CLOSED and not self.decided and not cleaned.get("outcome"):
            self.add_error("outcome", _("Choose the outcome the case closes with."))
        return cleaned


class NoteForm(Plain):
    id_prefix = "note"

    kind = forms.ChoiceField(label=_lazy("Kind"), choices=NoteKind.choices, initial=NoteKind.NOTE)
    body = forms.CharField(label=_lazy("Text"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 5}))


class MessageForm(Plain):
    """The audience is chosen explicitly every time: there is no default, so nothing goes to a reporter by habit."""

    id_prefix = "message"

    audience = forms.ChoiceField(label=_lazy("Who is this message for?"), widget=forms.RadioSelect)
    body = forms.CharField(label=_lazy("Message"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 5}))
    # Filled from a letter template (letters:compose); the e-mail's subject line.
    subject = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, reports: list[Report], parties: list[Party] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reports = {report.reference: report for report in reports}
        if parties is None:
            case_ids = {report.case_id for report in reports}
            parties = list(Party.objects.filter(case_id__in=case_ids, role=PartyRole.REPORTED).select_related("person"))
        self.parties = {str(party.pk): party for party in parties if party.role == PartyRole.REPORTED}
        choices = [(TO_STEWARDS, _("Stewards only"))]
        for report in reports:
            label = _("The reporter of report %(reference)s") % {"reference": report.reference}
            if report.do_not_contact:
                label += " — " + _("they asked not to be contacted")
            choices.append((TO_REPORTER_PREFIX + report.reference, label))
        for key, party in self.parties.items():
            name = party.person.display_name or party.person.code_name
            label = _("The reported person %(name)s — a second steward approves it before it leaves") % {"name": name}
            choices.append((TO_REPORTED_PREFIX + key, label))
        self.set_choices("audience", choices)

    def audience_and_report(self) -> tuple[str, Report | None]:
        value = self.cleaned_data["audience"]
        if value == TO_STEWARDS:
            return Audience.STEWARDS, None
        if value.startswith(TO_REPORTED_PREFIX):
            return Audience.REPORTED, None
        return Audience.REPORTER, self.reports[value.removeprefix(TO_REPORTER_PREFIX)]

    def party(self) -> Party | None:
        value = self.cleaned_data["audience"]
        return self.parties[value.removeprefix(TO_REPORTED_PREFIX)] if value.startswith(TO_REPORTED_PREFIX) else None


class PartyForm(Plain):
    id_prefix = "party"

    role = forms.ChoiceField(label=_lazy("Role in the case"), choices=[("", "—"), *PartyRole.choices])
    name = forms.CharField(label=_lazy("Name"), max_length=200, required=False)
    space = forms.ChoiceField(label=_lazy("Where they have this user name"), choices=[("", "—"), *Space.choices], required=False)
    handle = forms.CharField(label=_lazy("User name or e-mail address"), max_length=254, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, space, handle = (cleaned.get(key, "").strip() for key in ("name", "space", "handle"))
        if handle and not space:
            raise ValidationError(_("Choose where this user name is used."))
        if not name and not handle:
            raise ValidationError(_("Give a name, or a space and a user name."))
        return cleaned


class EvidenceForm(Plain):
    id_prefix = "evidence"

    evidence_files = MultipleFileField(label=_lazy("Evidence files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence_files"].help_text = files_help()

    def clean_evidence_files(self) -> list[CheckedFile]:
        return check_uploads(self.cleaned_data.get("evidence_files") or [])


class MergeForm(Plain):
    """Joining asks twice: the code name of the case to join, then, on a page showing both names,
    that name typed again (and, for a decided case, an explicit yes)."""

    id_prefix = "merge"

    other = forms.CharField(label=_lazy("Code name of the case to join into this one"), max_length=64)
    confirm = forms.CharField(label=_lazy("Type the code name of the case to join, to confirm"), max_length=64, required=False)
    into_decided = forms.BooleanField(label=_lazy("This case is already decided; I mean to join another case into it"), required=False)

    def clean_other(self) -> str:
        return str(self.cleaned_data["other"]).strip()

    @staticmethod
    def target_decided(target: Any) -> bool:
        return bool(target.status == Status.DECIDED)

    def confirmation_problem(self, other: Any, into: Any) -> str | None:
        """None when confirmed; otherwise what to say on the confirmation page ("" on the first visit)."""
        typed = self.cleaned_data["confirm"].strip()
        if not typed:
            return ""
        if typed != other.code_name:
            return _("The code name you typed is not %(name)s.") % {"name": other.code_name}
        if self.target_decided(into) and not self.cleaned_data["into_decided"]:
            return _("%(name)s is already decided: tick the box to join a case into it.") % {"name": into.code_name}
        return None


class NamingConsentForm(forms.Form):
    """One button per party on the case page: they agreed to be named in letters, or withdrew that."""

    party = forms.IntegerField()
    agreed = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")], coerce=lambda value: value == "yes")


class SoftReadForm(Plain):
    id_prefix = "soft-read"

    allowed = forms.TypedChoiceField(
        label=_lazy("Soft-conflicted stewards may read this case"),
        choices=[("yes", _lazy("Yes")), ("no", _lazy("No"))],
        coerce=lambda value: value == "yes",
    )


class RecuseForm(Plain):
    """A conflict that came to light after declaring: soft or hard (cases.declarations.do_recuse)."""

    id_prefix = "recuse"

    level = forms.ChoiceField(
        label=_lazy("My conflict on this case"),
        choices=[choice for choice in CONFLICT_CHOICES if choice[0] != "none"],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, soft_already: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if soft_already:  # only a hard conflict is stricter
            field = self.fields["level"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [choice for choice in CONFLICT_CHOICES if choice[0] == ConflictLevel.HARD.value]


ASK_AGAIN = "undeclared"  # cases.access.UNDECLARED: the declaration is cleared and the steward asked again


class CorrectDeclarationForm(Plain):
    """An admin corrects another steward's declaration (cases.declarations.do_correct_declaration)."""

    id_prefix = "correct"

    steward = forms.ChoiceField(label=_lazy("Steward"))
    level = forms.ChoiceField(
        label=_lazy("Their declaration from now on"),
        choices=[
            (ConflictLevel.NONE.value, _lazy("No conflict")),
            (ConflictLevel.SOFT.value, _lazy("Soft conflict")),
            (ConflictLevel.HARD.value, _lazy("Hard conflict: the case is hidden from them")),
            (ASK_AGAIN, _lazy("Ask them again: their declaration is cleared")),
        ],
    )

    def __init__(self, *args: Any, stewards: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stewards = {str(user.pk): user for user in stewards}
        people = [(pk, f"{user.steward_profile.public_name} ({user.get_username()})") for pk, user in self.stewards.items()]
        self.set_choices("steward", [("", _("Choose a steward")), *people])

    def chosen(self) -> Any:
        return self.stewards.get(self.cleaned_data["steward"])

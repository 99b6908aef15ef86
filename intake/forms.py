"""The public report form, the steward's on-behalf variant, and the reporter's follow-up forms.

Forms only parse and check what was typed; `intake.actions.do_submit_report` and
`cases.actions.do_reporter_reply` do the writing. Every upload goes through `cases.evidence.check_upload`
here, so a refused file stops the whole submission before anything is stored.
"""

import re
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.actions import InvolvedPerson
from cases.evidence import CheckedFile
from cases.evidence_fields import MultipleFileField, check_uploads, files_help
from cases.models import Channel, PartyRole, YesNoMaybe
from intake.actions import Submission, check_exclusions
from people.access import active_stewards
from people.models import Space
from policy.services import current_policy

SOMEWHERE_ELSE = "elsewhere"
OTHER_LANGUAGE = "other"
INVOLVED_ROWS = 3
INVOLVED_ROLES = [
    (PartyRole.REPORTED.value, _("Reported person")),
    (PartyRole.WITNESS.value, _("Witness")),
    (PartyRole.AFFECTED.value, _("Affected person")),
]
IDENTITY_FIELDS = ("reporter_name", "reporter_email", "reporter_other_contact")


class PlainLabels:
    """Labels are questions or phrases; no colon is added after them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class StewardChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.steward_profile.public_name


def _text(label: Any, help_text: Any = "", *, rows: int = 0, max_length: int | None = None, autocomplete: str = "off") -> forms.CharField:
    attrs = {"autocomplete": autocomplete}
    widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": rows}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, help_text=help_text, required=False, max_length=max_length, widget=widget)


# --- The report form ----------------------------------------------------------------------------


class ReportForm(PlainLabels, forms.Form):
    """Everything a reporter may tell us. Only "what happened" is required (REQUIREMENTS 2.1)."""

    body = forms.CharField(
        label=_("What happened?"),
        help_text=_(
            "Tell us in your own words, in any language. Include what was said or done, and by whom if you know. "
            "This is the only question you have to answer."
        ),
        widget=forms.Textarea(attrs={"rows": 10, "autocomplete": "off"}),
        max_length=50_000,
        error_messages={"required": _("Please tell us what happened.")},
    )

    # About you
    anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        help_text=_(
            "We will store no name, no contact details, and no IP address or browser details with your report. "
            "We cannot write to you except through your private follow-up link, so keep that link safe: "
            "it is the only way to read our questions and updates."
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-anonymous-toggle": ""}),
    )
    reporter_name = _text(_("Your name"), max_length=200, autocomplete="name")
    reporter_email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        help_text=_("Only the stewards who handle your report can see it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reporter_other_contact = _text(
        _("Another way to reach you"),
        _("For example a chat handle or a phone number, if you prefer it to e-mail."),
        max_length=200,
    )
    do_not_contact = forms.BooleanField(
        label=_("Please do not contact me about this report"),
        help_text=_("We will send you nothing. You can still read updates and add information through your follow-up link."),
        required=False,
    )
    on_file_only = forms.BooleanField(
        label=_("Keep this on file only"),
        help_text=_(
            "We keep your report so we can recognise a pattern, and take no action on it unless the same person is reported again."
        ),
        required=False,
    )
    relation = _text(
        _("How are you connected to the people involved?"),
        _("For example: I was the target, I saw it happen, I was told about it, I organise the event."),
        max_length=200,
    )

    # Who and what
    involved = _text(
        _("Who was involved?"),
        _("Names, user names, or a description if you don't know who they are."),
        rows=3,
        max_length=5000,
    )
    witnesses = _text(_("Witnesses"), _("Anyone else who saw or heard it, if you know."), rows=3, max_length=5000)
    categories = forms.MultipleChoiceField(
        label=_("Which parts of the code of conduct were broken?"),
        help_text=_("Tick any that fit, or none if you are not sure. The stewards will look at this too."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    # When and where
    occurred_when = _text(
        _("When did it happen?"),
        _("A date and time, or roughly, such as “last week at the meetup”."),
        max_length=200,
    )
    space = forms.ChoiceField(label=_("Where did it happen?"), required=False)
    link = forms.URLField(
        label=_("Link to where it happened"),
        help_text=_("A link to the message, issue, pull request or recording, if there is one."),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    ongoing = forms.ChoiceField(
        label=_("Is it still going on?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (YesNoMaybe.YES.value, _("Yes")),
            (YesNoMaybe.NO.value, _("No")),
            (YesNoMaybe.MAYBE.value, _("I'm not sure")),
        ],
    )
    safety_concern = _text(
        _("Are you worried about your safety, or about retaliation?"),
        _("Tell us what worries you, so we can take it into account first."),
        rows=3,
        max_length=5000,
    )

    # Report language, stewards and evidence
    language = forms.ChoiceField(
        label=_("Language of your report"),
        help_text=_("Reports in any language are accepted."),
        required=False,
    )
    excluded_stewards = StewardChoiceField(
        queryset=None,
        label=_("Stewards who must not see this report"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = MultipleFileField(label=_("Evidence files"), required=False)

    # A field people never see; bots fill it in. A filled honeypot stores nothing.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = current_policy().localized(get_language() or "")  # the policy's titles in the page's language
        self._choice_field("categories").choices = policy.category_choices()
        spaces = policy.space_choices()
        if not any(code in {"other", SOMEWHERE_ELSE} for code, _title in spaces):
            spaces.append((SOMEWHERE_ELSE, str(_("Somewhere else"))))
        self._choice_field("space").choices = [("", _("Choose a space (optional)")), *spaces]
        self._choice_field("language").choices = [*settings.LANGUAGES, (OTHER_LANGUAGE, _("Another language"))]
        current = (get_language() or "").split("-")[0]
        if current in dict(settings.LANGUAGES):
            self.fields["language"].initial = current
        stewards = cast(StewardChoiceField, self.fields["excluded_stewards"])
        stewards.queryset = active_stewards().select_related("steward_profile").order_by("steward_profile__public_name")
        contact = policy.outside_contact
        stewards.help_text = escape(  # the field template marks help texts safe; the policy's words are not HTML
            _(
                "The stewards you tick will not be able to see this report. At least one steward must remain; "
                "if no steward should see it, contact %(name)s (%(email)s) instead."
            )
            % {"name": contact.name, "email": contact.email}
        )
        self.fields["evidence"].help_text = files_help()
        for index in range(1, INVOLVED_ROWS + 1):
            self.fields[f"involved_{index}_role"] = forms.ChoiceField(
                label=_("Role"), choices=INVOLVED_ROLES, required=False, initial=PartyRole.REPORTED.value
            )
            self.fields[f"involved_{index}_name"] = _text(_("Name"), max_length=200)
            self.fields[f"involved_{index}_space"] = forms.ChoiceField(
                label=_("Where they have this user name"), choices=[("", "—"), *Space.choices], required=False
            )
            self.fields[f"involved_{index}_handle"] = _text(_("User name or e-mail address"), max_length=254)

    def _choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    # Groups of bound fields, for the template.
    def group(self, *names: str) -> list[forms.BoundField]:
        return [self[name] for name in names]

    @property
    def identity_fields(self) -> list[forms.BoundField]:
        return self.group(*IDENTITY_FIELDS)

    @property
    def involved_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (i, self.group(*(f"involved_{i}_{part}" for part in ("role", "name", "space", "handle")))) for i in range(1, INVOLVED_ROWS + 1)
        ]

    @property
    def is_spam(self) -> bool:
        """The honeypot was filled in: whatever else was sent, nothing is stored."""
        return bool(self.data.get(self.add_prefix("website"), "").strip())

    def clean_excluded_stewards(self) -> Any:
        chosen = self.cleaned_data["excluded_stewards"]
        check_exclusions([user.pk for user in chosen])
        return chosen

    def clean_evidence(self) -> list[CheckedFile]:
        return check_uploads(self.cleaned_data.get("evidence") or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for index in range(1, INVOLVED_ROWS + 1):
            handle = cleaned.get(f"involved_{index}_handle", "").strip()
            space = cleaned.get(f"involved_{index}_space", "")
            if handle and not space:
                self.add_error(f"involved_{index}_space", _("Choose where this user name is used, or leave the user name empty."))
        return cleaned

    @property
    def identity_dropped(self) -> bool:
        """The reporter chose anonymity but also typed identity details, which are therefore not kept."""
        return bool(self.cleaned_data.get("anonymous")) and any(self.cleaned_data.get(name, "").strip() for name in IDENTITY_FIELDS)

    def involved_people(self) -> list[InvolvedPerson]:
        people = []
        for index in range(1, INVOLVED_ROWS + 1):
            name = self.cleaned_data.get(f"involved_{index}_name", "").strip()
            handle = self.cleaned_data.get(f"involved_{index}_handle", "").strip()
            space = self.cleaned_data.get(f"involved_{index}_space", "") if handle else ""
            if not (name or handle):
                continue
            role = self.cleaned_data.get(f"involved_{index}_role") or PartyRole.REPORTED.value
            people.append(InvolvedPerson(role=role, name=name, space=space, handle=handle))
        return people

    def to_submission(self) -> Submission:
        data = self.cleaned_data
        return Submission(
            body=data["body"],
            anonymous=data["anonymous"],
            reporter_name=data["reporter_name"],
            reporter_email=data["reporter_email"],
            reporter_other_contact=data["reporter_other_contact"],
            do_not_contact=data["do_not_contact"],
            on_file_only=data["on_file_only"],
            involved=data["involved"],
            involved_people=self.involved_people(),
            witnesses=data["witnesses"],
            occurred_when=data["occurred_when"],
            space=data["space"],
            link=data["link"],
            ongoing=data["ongoing"] or YesNoMaybe.UNKNOWN.value,
            safety_concern=data["safety_concern"],
            categories=list(data["categories"]),
            relation=data["relation"],
            language=data["language"],
            excluded_steward_ids=[user.pk for user in data["excluded_stewards"]],
            files=data["evidence"],
        )


class OnBehalfReportForm(ReportForm):
    """A steward files the report for somebody who told them by phone, in person, at an event or by e-mail."""

    channel = forms.ChoiceField(
        label=_("How did the reporter tell you?"),
        choices=[
            (Channel.PHONE.value, _("By phone")),
            (Channel.IN_PERSON.value, _("In person")),
            (Channel.EVENT.value, _("At an event")),
            (Channel.EMAIL.value, _("By e-mail")),
            (Channel.OTHER.value, _("Another way")),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["website"]  # stewards are signed in; no honeypot needed

    @property
    def is_spam(self) -> bool:
        return False

    def to_submission(self) -> Submission:
        submission = super().to_submission()
        submission.channel = self.cleaned_data["channel"]
        return submission


# --- Follow-up ------------------------------------------------------------------------------------

REFERENCE_RE = re.compile(r"^R-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
LINK_RE = re.compile(r"/follow-up/([^/\s]+)/([^/\s]+)/?")


def normalise_reference(text: str) -> str:
    compact = re.sub(r"[\s-]", "", text).upper()
    if compact.startswith("R") and len(compact) == 9:
        compact = compact[1:]
    if len(compact) == 8:
        return f"R-{compact[:4]}-{compact[4:]}"
    return text.strip().upper()


def looks_valid(reference: str, secret: str) -> bool:
    """A cheap shape check before any database query, so junk never reaches the database."""
    return bool(REFERENCE_RE.match(reference.upper()) and SECRET_RE.match(secret))


class FollowUpStartForm(PlainLabels, forms.Form):
    """Reference and code from the receipt; pasting the whole link into either box works too."""

    reference = forms.CharField(
        label=_("Report reference"),
        help_text=_("It looks like R-ABCD-EFGH and is on your receipt."),
        max_length=600,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Follow-up code"),
        help_text=_("The long code from your receipt. It is the last part of your follow-up link."),
        max_length=600,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reference, code = cleaned.get("reference", ""), cleaned.get("code", "").strip()
        for text in (reference, code):
            match = LINK_RE.search(text or "")
            if match:
                reference, code = match.group(1), match.group(2)
                break
        if reference and not code:
            self.add_error("code", _("Please enter the follow-up code from your receipt."))
        cleaned["reference"], cleaned["code"] = normalise_reference(reference or ""), code
        return cleaned


class ReplyForm(PlainLabels, forms.Form):
    """The reporter answers a question or adds information."""

    body = forms.CharField(
        label=_("Your message"),
        help_text=_("Answer a question from the stewards, or add anything you remembered. Any language is fine."),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
    )
    evidence = MultipleFileField(label=_("Add evidence files"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = files_help()

    def clean_evidence(self) -> list[CheckedFile]:
        return check_uploads(self.cleaned_data.get("evidence") or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("body", "").strip() and not cleaned.get("evidence"):
            raise ValidationError(_("Write a message or attach a file."))
        return cleaned

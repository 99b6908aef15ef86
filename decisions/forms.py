"""Forms of the decision panel and the appeal page. They only parse; decisions.actions does the rest."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from cases.models import Case, PartyRole
from decisions.actions import active_sanctions_in
from decisions.models import AppealOutcome, Ground, InformChoice, ResponseKind, VoteChoice
from decisions.protection import protectable_reports
from policy.schema import Policy

NOBODY = ""
REPORT_PREFIX = "report-"  # a protected-people choice that is a report, not a person


def outcome_choices(policy: Policy) -> list[Any]:
    return [
        ("", _lazy("Choose an outcome")),
        (_lazy("Ladder (sanctions)"), policy.level_choices()),
        (_lazy("No sanction"), policy.outcome_choices()),
    ]


def person_label(party: Any) -> str:
    # Code names only: the reporter's name never appears on a form.
    return f"{party.person.code_name} ({party.get_role_display()})"


class ProposalForm(Plain):
    id_prefix = "proposal"

    outcome = forms.ChoiceField(label=_lazy("Outcome"))
    target = forms.ChoiceField(label=_lazy("Reported person the decision is about"), required=False)
    period_days = forms.IntegerField(
        label=_lazy("Period in days"), required=False, min_value=1, max_value=3650, help_text=_lazy("For levels with a period.")
    )
    protected_people = forms.MultipleChoiceField(
        label=_lazy("People the no-contact order protects"), required=False, widget=forms.CheckboxSelectMultiple
    )
    conditions_for_return = forms.CharField(label=_lazy("Conditions for return"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rationale = forms.CharField(label=_lazy("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))
    skip_reason = forms.CharField(
        label=_lazy("Reason for skipping levels"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("Needed when the level is more than one above the next level for this person."),
    )
    lazy_consensus = forms.BooleanField(label=_lazy("Passes unless a steward objects before the deadline"), required=False)
    replaces = forms.ChoiceField(
        label=_lazy("Active sanction this proposal replaces"),
        required=False,
        help_text=_lazy("A person has one active sanction per case: an escalation names the one it ends."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        policy = case.policy_version.policy
        self.standing_sanctions = {str(sanction.pk): sanction for sanction in active_sanctions_in(case)}
        if self.standing_sanctions:
            options = [(pk, f"{sanction.person.code_name}: {sanction.level}") for pk, sanction in self.standing_sanctions.items()]
            self.set_choices("replaces", [(NOBODY, _("None")), *options])
        else:
            del self.fields["replaces"]
        parties = case.parties_with_people()
        self.parties = {str(party.pk): party for party in parties}
        self.set_choices("outcome", outcome_choices(policy))
        reported = [(str(p.pk), person_label(p)) for p in parties if p.role == PartyRole.REPORTED]
        self.set_choices("target", [(NOBODY, _("Nobody in particular")), *reported])
        self.persons = {str(p.person_id): p.person for p in parties}
        seen: dict[str, str] = {}
        for party in parties:
            seen.setdefault(str(party.person_id), person_label(party))
        # A reporter nobody in the case stands for (anonymous) is protected through their report.
        self.reports = {f"{REPORT_PREFIX}{report.pk}": report for report in protectable_reports(case)}
        for key, report in self.reports.items():
            seen[key] = _("The person who made report %(reference)s (identity unknown)") % {"reference": report.reference}
        self.set_choices("protected_people", list(seen.items()))
        hours = policy.decision_rule.lazy_consensus_hours
        if not hours:
            del self.fields["lazy_consensus"]
        else:
            self.fields["lazy_consensus"].help_text = _lazy("The deadline is %(hours)s hours from now.") % {"hours": hours}

    def chosen_target(self) -> Any:
        return self.parties.get(self.cleaned_data["target"])

    def chosen_people(self) -> list[Any]:
        return [self.persons[pk] for pk in self.cleaned_data["protected_people"] if pk in self.persons]

    def chosen_reports(self) -> list[Any]:
        return [self.reports[pk] for pk in self.cleaned_data["protected_people"] if pk in self.reports]

    def chosen_replaces(self) -> Any:
        return self.standing_sanctions.get(self.cleaned_data.get("replaces") or NOBODY)


class VoteForm(forms.Form):
    proposal = forms.IntegerField()
    choice = forms.ChoiceField(choices=VoteChoice.choices)


class ProposalIdForm(forms.Form):
    proposal = forms.IntegerField()


class InformForm(Plain):
    id_prefix = "inform"

    choice = forms.ChoiceField(label=_lazy("Inform the reported person?"), choices=InformChoice.choices)
    inform_on = forms.DateField(
        label=_lazy("When (for later)"), required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_lazy("YYYY-MM-DD")
    )
    reasons = forms.CharField(label=_lazy("Reasons"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser's date picker starts at tomorrow; decisions.records refuses an earlier date whatever is sent.
        self.fields["inform_on"].widget.attrs["min"] = (timezone.localdate() + timedelta(days=1)).isoformat()


class ResponseForm(Plain):
    id_prefix = "response"

    party = forms.ChoiceField(label=_lazy("Reported person"))
    kind = forms.ChoiceField(label=_lazy("Their response"), choices=ResponseKind.choices)
    text = forms.CharField(label=_lazy("What they said"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parties = {str(p.pk): p for p in case.parties_with_people() if p.role == PartyRole.REPORTED}
        self.set_choices("party", [(pk, person_label(p)) for pk, p in self.parties.items()])


class AppealDecisionForm(Plain):
    id_prefix = "appeal-decision"

    appeal = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_lazy("Outcome of the appeal"), choices=AppealOutcome.choices)
    new_level = forms.ChoiceField(label=_lazy("New level (when changed)"), required=False)
    new_period_days = forms.IntegerField(label=_lazy("New period in days (when changed)"), required=False, min_value=1, max_value=3650)
    rationale = forms.CharField(label=_lazy("Rationale"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("new_level", [("", _("Unchanged")), *policy.level_choices()])


class AppealFileForm(Plain):
    id_prefix = "appeal"

    grounds = forms.MultipleChoiceField(label=_lazy("Grounds"), choices=Ground.choices, widget=forms.CheckboxSelectMultiple)
    text = forms.CharField(
        label=_lazy("Why should the decision be reconsidered?"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )

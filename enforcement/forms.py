"""Forms of the enforcement section of the case page. They only parse; enforcement.actions validates and writes.

Every form carries the plan or action it is about as a hidden id; the action layer looks it up through the
case the view got from the access layer, so an id from another case is simply "no such plan".
Element ids carry the plan or action number, as the page holds one set of forms per plan and per action.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.forms import Plain
from enforcement.actions import NewAction
from enforcement.models import Notice
from enforcement.plans import space_class
from enforcement.shared_bans import offered
from people.models import Identity
from policy.services import current_policy
from spaces.base import Capability
from spaces.models import SpaceConnection

PARAM_PREFIX = "param_"


class PlanForm(Plain):
    """Approve a draft plan: nothing to fill in but which plan."""

    id_prefix = "approve"
    plan = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, plan_id: int | None = None, **kwargs: Any) -> None:
        if plan_id is not None:
            kwargs.setdefault("initial", {"plan": plan_id})
            kwargs.setdefault("auto_id", f"plan-{plan_id}-{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class NoticeForm(PlanForm):
    id_prefix = "notice"

    how = forms.ChoiceField(
        label=_lazy("How the person was told"),
        widget=forms.RadioSelect,
        choices=[
            (Notice.RECORDED.value, _lazy("They were told another way (a call, a meeting, a message outside Steward)")),
            (Notice.WAIVED.value, _lazy("Apply without telling them first (for example to stop ongoing harm)")),
        ],
    )
    note = forms.CharField(
        label=_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_lazy("How, when and by whom; or why it cannot wait.")
    )


class CancelPlanForm(PlanForm):
    id_prefix = "cancel"

    note = forms.CharField(label=_lazy("Why the plan is not carried out"), widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(Plain):
    """Remove or retry an action: nothing to fill in but which action."""

    id_prefix = "change"
    action = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, action_id: int | None = None, **kwargs: Any) -> None:
        if action_id is not None:
            kwargs.setdefault("initial", {"action": action_id})
            kwargs.setdefault("auto_id", f"action-{action_id}-{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class ReasonForm(ActionForm):
    id_prefix = "reason"

    reason = forms.CharField(
        label=_lazy("Reason the platform records"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("Shown in the platform's own log; no case details."),
    )


class AcceptDriftForm(ActionForm):
    id_prefix = "drift"

    note = forms.CharField(label=_lazy("Why it stays undone"), widget=forms.Textarea(attrs={"rows": 2}))


@dataclass(frozen=True)
class Choice:
    """One operation in one connected space, as the add-action form offers it."""

    connection: SpaceConnection
    capability: Capability

    @property
    def value(self) -> str:
        return f"{self.connection.pk}:{self.capability.op}"


class AddActionForm(PlanForm):
    id_prefix = "add"

    what = forms.ChoiceField(label=_lazy("Space and action"))
    identity = forms.ChoiceField(
        label=_lazy("The person's account there"), required=False, help_text=_lazy("For actions on the person (ban, block, time-out...).")
    )
    link = forms.CharField(
        label=_lazy("Link to the content or thread"),
        required=False,
        max_length=500,
        help_text=_lazy("For actions on a comment, message, post or thread: its address, or the platform's id for it."),
    )
    reason = forms.CharField(
        label=_lazy("Reason the platform records"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("Empty: the plan's reason."),
    )

    def __init__(self, *args: Any, choices: Iterable[Choice], identities: Iterable[Identity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = {choice.value: choice for choice in choices}
        grouped: dict[str, list[tuple[str, str]]] = {}
        for choice in self.choices.values():
            grouped.setdefault(choice.connection.title, []).append((choice.value, str(choice.capability.label)))
        what = self.fields["what"]
        assert isinstance(what, forms.ChoiceField)
        what.choices = [("", _("Choose an action")), *grouped.items()]  # one group of operations per space
        self.set_choices("identity", [("", _("None (not an action on the person)")), *((str(i.pk), identity_label(i)) for i in identities)])
        # Settings some operations take (a channel, a repository...): one optional text field per name.
        users: dict[str, list[str]] = {}
        for choice in self.choices.values():
            for name in choice.capability.params:
                users.setdefault(name, []).append(str(choice.capability.label))
        for name, labels in users.items():
            self.fields[PARAM_PREFIX + name] = forms.CharField(
                label=name.replace("_", " ").capitalize(),
                required=False,
                max_length=200,
                help_text=_lazy("Optional, for: %(actions)s") % {"actions": "; ".join(dict.fromkeys(labels))},
            )

    @property
    def param_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(PARAM_PREFIX)]

    def clean_what(self) -> Choice:
        choice = self.choices.get(self.cleaned_data["what"])
        if choice is None:
            raise ValidationError(_("Choose a space and an action."))
        return choice

    def new_action(self) -> NewAction:
        data = self.cleaned_data
        choice: Choice = data["what"]
        params = {name.removeprefix(PARAM_PREFIX): value.strip() for name, value in data.items() if name.startswith(PARAM_PREFIX)}
        return NewAction(
            connection_id=choice.connection.pk,
            op=choice.capability.op,
            subject=data["link"],
            identity_id=int(data["identity"]) if data["identity"] else None,
            reason=data["reason"],
            # Only what was filled in: the action layer refuses settings the chosen operation does not take.
            params={name: value for name, value in params.items() if value},
        )


def space_choices() -> list[Choice]:
    """Every operation of every switched-on connection whose platform is installed, that the policy lets stewards
    choose (sharing a ban only where `enforcement.share_bans` allows it)."""
    policy = current_policy()
    choices: list[Choice] = []
    for connection in SpaceConnection.objects.filter(enabled=True):
        cls = space_class(connection)
        if cls is not None:
            choices.extend(Choice(connection, capability) for capability in cls.capabilities if offered(capability.op, policy))
    return choices


def identity_label(identity: Identity) -> str:
    return f"{identity.handle} ({identity.get_space_display()}, {identity.person.code_name})"


def add_action_form(data: Any = None, *, persons: Iterable[Any], plan_id: int | None = None) -> AddActionForm:
    """The form for the sanctioned `persons`; the action layer checks the account belongs to the plan's person."""
    identities = Identity.objects.filter(person__in=list(persons)).select_related("person")
    return AddActionForm(data, plan_id=plan_id, choices=space_choices(), identities=identities)

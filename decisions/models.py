"""Proposals, votes, decisions, sanctions and appeals (REQUIREMENTS 5.4, 6, 10).

Nothing outside decisions/actions.py writes these; every FK to a case cascades, so erasing a case
at its retention date erases its decisions too.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _lazy

from cases.models import Case, Party, Report
from people.models import Person
from policy.models import PolicyVersion
from privacy.fields import EncryptedTextField


class ProposalStatus(models.TextChoices):
    OPEN = "open", _lazy("Open for votes")
    PASSED = "passed", _lazy("Passed")
    FAILED = "failed", _lazy("Failed")
    WITHDRAWN = "withdrawn", _lazy("Withdrawn")


class ProposalMode(models.TextChoices):
    NORMAL = "normal", _lazy("Vote")
    LAZY = "lazy-consensus", _lazy("Passes unless someone objects in time")


class Proposal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A ladder level code or a non-sanction outcome code of the case's policy version.
    outcome = models.CharField(max_length=64)
    target = models.ForeignKey(Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period_days = models.PositiveIntegerField(null=True, blank=True)
    protected_people = models.ManyToManyField(Person, blank=True, related_name="+")
    # A reporter the case knows only by their report (anonymous, or no contact details): protected
    # through the report, since there is no person to name or to watch for (decisions.protection).
    protected_reports = models.ManyToManyField(Report, blank=True, related_name="+")
    # Free text about people is encrypted at rest (privacy.fields): it cannot be searched in SQL.
    conditions_for_return = EncryptedTextField(blank=True)
    rationale = EncryptedTextField()
    skip_reason = EncryptedTextField(blank=True)
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    mode = models.CharField(max_length=16, choices=ProposalMode.choices, default=ProposalMode.NORMAL)
    objection_deadline = models.DateTimeField(null=True, blank=True)
    # An escalation names the active sanction from this case that it ends (decisions.actions: one
    # active sanction per person per case; a second one only by replacing the first, or on appeal).
    replaces = models.ForeignKey("Sanction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Proposal #{self.pk}: {self.outcome}"


class VoteChoice(models.TextChoices):
    YES = "yes", _lazy("Yes")
    NO = "no", _lazy("No")
    ABSTAIN = "abstain", _lazy("Abstain")


class Vote(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=VoteChoice.choices)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "steward"], name="one_vote_per_steward")]
        ordering = ["cast_at", "id"]

    def __str__(self) -> str:
        return f"{self.choice} on #{self.proposal_id}"


class InformChoice(models.TextChoices):
    YES = "yes", _lazy("Inform the reported person now")
    LATER = "later", _lazy("Inform them later")
    NO = "no", _lazy("Do not inform them")


class InformDecision(models.Model):
    """Whether and when the reported person is told (REQUIREMENTS 5.4). The latest row counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inform_decisions")
    choice = models.CharField(max_length=8, choices=InformChoice.choices)
    inform_on = models.DateField(null=True, blank=True)
    reasons = EncryptedTextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"Inform: {self.choice}"


class ResponseKind(models.TextChoices):
    RESPONSE = "response", _lazy("They responded")
    DECLINED = "declined", _lazy("They declined to respond")
    NOT_INFORMED = "not-informed", _lazy("Not asked: the committee decided not to inform them yet")


class ResponseRecord(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="response_records")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ResponseKind.choices)
    text = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"Response: {self.kind}"


class OutcomeClass(models.TextChoices):
    SANCTION = "sanction", _lazy("Sanction")
    NON_SANCTION = "non-sanction", _lazy("No sanction")


class Decision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=64)
    outcome_class = models.CharField(max_length=16, choices=OutcomeClass.choices)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"Decision #{self.pk}: {self.outcome}"


class SanctionStatus(models.TextChoices):
    ACTIVE = "active", _lazy("Active")
    LIFTED = "lifted", _lazy("Lifted")
    RESCINDED = "rescinded", _lazy("Rescinded on appeal")
    CHANGED = "changed", _lazy("Changed on appeal")
    REPLACED = "replaced", _lazy("Replaced by a later decision")


class Sanction(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="sanctions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sanctions")
    level = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # null: permanent, or a level without a period
    no_contact = models.ManyToManyField(Person, blank=True, related_name="+")
    # The reporters of these reports are protected too, though nobody knows who they are: the letter
    # tells the person not to contact them; the watch (enforcement.watching) cannot match them.
    no_contact_reports = models.ManyToManyField(Report, blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=SanctionStatus.choices, default=SanctionStatus.ACTIVE)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by")

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.level} ({self.status})"


class AppellantRole(models.TextChoices):
    REPORTER = "reporter", _lazy("Reporter")
    REPORTED = "reported", _lazy("Reported person")


class Ground(models.TextChoices):
    NEW_EVIDENCE = "new-evidence", _lazy("New evidence")
    PROCEDURAL_ERROR = "procedural-error", _lazy("Procedural error")
    DISPROPORTIONATE = "disproportionate", _lazy("Disproportionate outcome")
    UNDECLARED_CONFLICT = "undeclared-conflict", _lazy("Conflict of interest not declared")
    OTHER = "other", _lazy("Other")


class AppealStatus(models.TextChoices):
    OPEN = "open", _lazy("Open")
    DECIDED = "decided", _lazy("Decided")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _lazy("Upheld: the decision stands")
    CHANGED = "changed", _lazy("Changed")
    RESCINDED = "rescinded", _lazy("Rescinded")


class Appeal(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="appeals")
    appellant_role = models.CharField(max_length=16, choices=AppellantRole.choices)
    grounds = models.JSONField(default=list)  # Ground values
    text = EncryptedTextField()
    filed_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    outcome = models.CharField(max_length=16, choices=AppealOutcome.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    rationale = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return f"Appeal #{self.pk} ({self.status})"

    def ground_titles(self) -> list[str]:
        titles = dict(Ground.choices)
        return [str(titles.get(code, code)) for code in self.grounds]

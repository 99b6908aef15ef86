"""Cases and what they hold. Nothing outside cases/access.py and cases/actions.py queries these for a user."""

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import URLValidator, validate_email
from django.db import models

from people.models import Person
from privacy.fields import EncryptedCharField, EncryptedTextField
from steward.codenames import taken_among, unique_code_name


class Status(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"


class Risk(models.TextChoices):
    UNKNOWN = "unknown", "Not yet assessed"
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_RANK = {Risk.HIGH: 4, Risk.MEDIUM: 3, Risk.UNKNOWN: 2, Risk.LOW: 1, Risk.NONE: 0}


def queue_rank_expression() -> models.Case:
    """The queue's order, most urgent first: 0 for a high risk, 4 for none (or anything unknown)."""
    top = max(RISK_RANK.values())
    whens = [models.When(safety_risk=risk.value, then=models.Value(top - rank)) for risk, rank in RISK_RANK.items()]
    return models.Case(*whens, default=models.Value(top), output_field=models.SmallIntegerField())


class YesNoMaybe(models.TextChoices):
    UNKNOWN = "unknown", "Not yet known"
    YES = "yes", "Yes"
    NO = "no", "No"
    MAYBE = "maybe", "Maybe"


class Case(models.Model):
    code_name = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    policy_version = models.ForeignKey("policy.PolicyVersion", on_delete=models.PROTECT, related_name="cases")
    # Triage
    safety_risk = models.CharField(max_length=8, choices=Risk.choices, default=Risk.UNKNOWN)
    ongoing_harassment = models.CharField(max_length=8, choices=YesNoMaybe.choices, default=YesNoMaybe.UNKNOWN)
    in_scope = models.CharField(max_length=8, choices=YesNoMaybe.choices, default=YesNoMaybe.UNKNOWN)
    handled_locally = models.BooleanField(default=False, help_text="Handled by a space's moderators; logged only.")
    on_file_only = models.BooleanField(default=False, help_text="Kept for patterns; no action unless the person is reported again.")
    held_as_possible_flood = models.BooleanField(default=False)
    shepherd = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="shepherded_cases"
    )
    # Soft-conflicted stewards may read and discuss unless the unconflicted stewards say otherwise.
    soft_conflicted_may_read = models.BooleanField(default=True)
    # Quorum guard (REQUIREMENTS 4.4): set when too few stewards can act and the outside contact must.
    needs_outside_contact = models.BooleanField(default=False)
    # Indexed only where set (Meta): "not joined" is nearly every case, and an index on it would lure the
    # planner away from the queue's order index.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # What the case ended with, recorded when it is closed (cases.actions.do_change_status): the outcome of its
    # decision, or one of the policy's non-sanction outcomes ("not a violation", "out of scope", ...). Blank while
    # open, and for a case joined into another. A code from the case's policy; statistics keep it (privacy.erasure).
    outcome = models.CharField(max_length=64, blank=True)
    # Kept by the database from safety_risk (even through .update()), so that an index serves the queue's
    # order (QUEUE_ORDER) and a page of it is an index range, not a sort of every case.
    queue_rank = models.GeneratedField(expression=queue_rank_expression(), output_field=models.SmallIntegerField(), db_persist=True)

    class Meta:
        ordering = ["-created_at"]
        # Only cases with a page of their own (not joined into another) are ever listed.
        indexes = [
            models.Index(fields=["queue_rank", "created_at", "id"], name="case_queue_order", condition=models.Q(merged_into__isnull=True)),
            # The tabs of one status (new, decided, closed) read in the same order.
            models.Index(
                fields=["status", "queue_rank", "created_at", "id"],
                name="case_queue_by_status",
                condition=models.Q(merged_into__isnull=True),
            ),
            models.Index(fields=["merged_into"], name="case_merged_into", condition=models.Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.code_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code_name:
            self.code_name = unique_code_name(taken_among(Case.objects.all()))
        super().save(*args, **kwargs)

    def parties_with_people(self) -> list["Party"]:
        """The parties, with their people and the people's identities: the list the case page read once for all
        its panels (cases.views.context prefetches it), or else one read now."""
        if "parties" in getattr(self, "_prefetched_objects_cache", {}):
            return list(self.parties.all())
        return list(self.parties.select_related("person").prefetch_related("person__identities"))


# Urgent first, then oldest first; the primary key makes the order total (steward/pagination.py).
QUEUE_ORDER = ("queue_rank", "created_at", "pk")


class Channel(models.TextChoices):
    WEB = "web", "Web form"
    PHONE = "phone", "Phone call"
    IN_PERSON = "in-person", "In person"
    EVENT = "event", "At an event"
    EMAIL = "email", "E-mail"
    SPACE = "space", "From a community space"
    OTHER = "other", "Other"


class ImmutableFieldError(Exception):
    pass


def new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: people read these over the phone
    return "R-" + "".join(secrets.choice(alphabet) for _ in range(4)) + "-" + "".join(secrets.choice(alphabet) for _ in range(4))


class Report(models.Model):
    """One person's report, kept exactly as submitted. Later information goes into messages and notes."""

    VERBATIM_FIELDS: ClassVar[tuple[str, ...]] = (
        "body",
        "anonymous",
        "reporter_name",
        "reporter_email",
        "reporter_other_contact",
        "involved",
        "witnesses",
        "occurred_when",
        "space",
        "link",
        "ongoing",
        "safety_concern",
        "categories",
        "relation",
        "language",
        "channel",
        "taken_by_id",
        "submitted_at",
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    # Confidential fields are encrypted at rest (privacy.fields); they cannot be searched in SQL.
    body = EncryptedTextField()
    anonymous = models.BooleanField(default=False)
    reporter_name = EncryptedCharField(max_length=200, blank=True)
    reporter_email = EncryptedCharField(max_length=254, blank=True, validators=[validate_email])
    reporter_other_contact = EncryptedCharField(max_length=200, blank=True)
    do_not_contact = models.BooleanField(default=False)
    involved = EncryptedTextField(blank=True)
    witnesses = EncryptedTextField(blank=True)
    occurred_when = EncryptedCharField(max_length=200, blank=True)
    space = models.CharField(max_length=64, blank=True)
    link = EncryptedCharField(max_length=500, blank=True, validators=[URLValidator()])
    ongoing = models.CharField(max_length=8, choices=YesNoMaybe.choices, default=YesNoMaybe.UNKNOWN)
    safety_concern = EncryptedTextField(blank=True)
    categories = models.JSONField(default=list, blank=True)
    relation = EncryptedCharField(max_length=200, blank=True)
    language = models.CharField(max_length=16, blank=True)
    excluded_stewards = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="excluded_from_reports")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reports_taken")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at"]
        # The queue's space filter (cases.filters): the cases reported in one space, as an index range.
        indexes = [models.Index(fields=["space", "case"], name="report_by_space")]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded_verbatim", None)
        if self.pk is not None and loaded is not None:
            changed = [name for name, value in loaded.items() if getattr(self, name) != value]
            if changed:
                raise ImmutableFieldError(f"the original report cannot be edited ({', '.join(changed)})")
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> "Report":
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_verbatim = {  # type: ignore[attr-defined]
            name: getattr(instance, name) for name in cls.VERBATIM_FIELDS if name in field_names or name.removesuffix("_id") in field_names
        }
        return instance


class ReportCategory(models.Model):
    """One category a report names: Report.categories as rows, so the queue's category filter (cases.filters) is an
    index range (category, report) rather than a look inside every report's JSON, which SQLite cannot index.

    Written with the report by a signal (cases.filters; a report never changes after it is made), and deleted
    with it, so an erased report leaves none behind. Not confidential: the categories are the policy's codes.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "category"], name="report_category_once")]
        indexes = [models.Index(fields=["category", "report"], name="report_by_category")]

    def __str__(self) -> str:
        return self.category


class PartyRole(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    REPORTED = "reported", "Reported person"
    WITNESS = "witness", "Witness"
    AFFECTED = "affected", "Affected person"


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(max_length=16, choices=PartyRole.choices)
    # Letters speak of a protected person by role ("the person who reported", "a witness") unless a
    # steward recorded that they agreed to be named (cases.actions.do_record_naming_consent).
    agreed_to_be_named = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="party_unique_role")]
        ordering = ["role", "id"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.person_id}"


class ConflictLevel(models.TextChoices):
    NONE = "none", "No conflict"
    SOFT = "soft", "Soft conflict"
    HARD = "hard", "Hard conflict"


class ConflictDeclaration(models.Model):
    """A steward's own declaration. No reason is asked or shown (REQUIREMENTS 4.1)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="declarations")
    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflict_declarations")
    level = models.CharField(max_length=8, choices=ConflictLevel.choices)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "steward"], name="one_declaration_per_steward")]
        # A steward's readable cases are an index range here (cases.access.readable_cases), not a scan of cases.
        indexes = [models.Index(fields=["steward", "level", "case"], name="declaration_by_steward")]

    def __str__(self) -> str:
        return f"{self.level} conflict"


class AwaitingDeclaration(models.Model):
    """A case on which a steward has not declared yet: their "waiting for your declaration" list, as rows.

    The list is otherwise "every case without my declaration", which a steward who declares on everything can
    only find by reading every case. Kept by cases.awaiting (a row exists exactly while the steward has a
    profile, the case is not joined into another and the steward has not declared on it); the access layer
    still applies every rule to the rows, so a stale row can never show more than the rules allow.
    """

    steward = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # The case's code name (which never changes), so a page of the list, sorted by name, is one index range.
    code_name = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["steward", "case"], name="awaiting_declaration_once")]
        indexes = [models.Index(fields=["steward", "code_name", "id"], name="awaiting_by_name")]

    def __str__(self) -> str:
        return f"Declaration awaited on case #{self.case_id}"


class NoteKind(models.TextChoices):
    NOTE = "note", "Note"
    SUMMARY = "summary", "Summary"
    INTERVIEW = "interview", "Interview record"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.NOTE)
    body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # A case's notes a page at a time, newest first (cases.views.context): one index range, however long the case.
        indexes = [models.Index(fields=["case", "created_at", "id"], name="note_case_order")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Audience(models.TextChoices):
    STEWARDS = "stewards", "Stewards only"
    REPORTER = "reporter", "The reporter"
    REPORTED = "reported", "The reported person"


class Approval(models.TextChoices):
    """Messages to a reported person wait for a second, unconflicted steward (REQUIREMENTS 7)."""

    NOT_NEEDED = "not-needed", "No approval needed"
    AWAITING = "awaiting", "Awaiting approval"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"  # taken back before approval; never sent (letters.actions.do_withdraw_draft)


class Message(models.Model):
    """One message in a case thread. `audience` is chosen explicitly by the author, never defaulted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_reporter = models.BooleanField(default=False)
    # For audience "reported": which reported person the message is to (or from, with from_party).
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    from_party = models.BooleanField(default=False)
    approval = models.CharField(max_length=16, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="message_case_order"),  # as Note's
            # The few letters waiting for a second steward, oldest first (My work), without reading every message.
            models.Index(fields=["created_at", "id"], name="message_awaiting_approval", condition=models.Q(approval="awaiting")),
        ]

    def __str__(self) -> str:
        return f"Message #{self.pk} to {self.audience}"


class Evidence(models.Model):
    """A file (stored outside the web root under its content hash) or a link, always with a hash."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_by_reporter = models.BooleanField(default=False)
    # File names and descriptions often name people: encrypted at rest like the report.
    description = EncryptedCharField(max_length=300, blank=True)
    original_name = EncryptedCharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = EncryptedCharField(max_length=500, blank=True, validators=[URLValidator()])
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["case", "added_at", "id"], name="evidence_case_order")]  # as Note's

    def __str__(self) -> str:
        return self.original_name or self.url

    @property
    def is_file(self) -> bool:
        return bool(self.sha256) and not self.url

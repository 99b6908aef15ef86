"""The reported person's link, letter templates per language, and the mail outbox."""

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cases.models import Case, Message, Party
from privacy.fields import EncryptedCharField, EncryptedTextField


class PartyLink(models.Model):
    """A reported person's own secret link to their portal. Only a hash of the secret is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="party_links")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="links")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set when the outbox made this link to put it in a letter (no steward ever saw it).
    for_mail = models.ForeignKey("OutgoingMail", null=True, blank=True, on_delete=models.SET_NULL, related_name="links")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Link #{self.pk} for party {self.party_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LetterKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    REQUEST_FOR_INFORMATION = "request-for-information", "Request for information"
    STATUS_UPDATE_NEW_DATE = "status-update-new-date", "Status update with a new date"
    DECISION_REPORTER = "decision-reporter", "Decision (to the reporter)"
    DECISION_REPORTED = "decision-reported", "Decision (to the reported person)"
    NO_VIOLATION = "no-violation", "No violation"
    CLOSURE = "closure", "Closure"


class LetterTemplate(models.Model):
    """A letter in one language. `{placeholder}` names from letters.fill.PLACEHOLDERS only; no template language."""

    kind = models.CharField(max_length=32, choices=LetterKind.choices)
    language = models.CharField(max_length=16)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "language"], name="one_letter_per_kind_and_language")]
        ordering = ["kind", "language"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"

    def clean(self) -> None:
        from letters.fill import unknown_placeholders

        unknown = unknown_placeholders(self.subject) | unknown_placeholders(self.body)
        if unknown:
            raise ValidationError("Unknown placeholders: %(names)s", params={"names": ", ".join(sorted(unknown))})


class MailStatus(models.TextChoices):
    HELD = "held", "Held until approved"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


def new_message_id() -> str:
    """A Message-ID for one mail row, made once and sent with every attempt so receivers can drop a repeat."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "steward.invalid"
    return make_msgid(idstring="steward", domain=domain)


class OutgoingMail(models.Model):
    """One e-mail, written in the same transaction as its message and sent by letters.outbox.deliver_mail."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outgoing_mails")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="outgoing_mails")
    # Addresses and text of letters are personal data: encrypted at rest like the reports they come from.
    to = EncryptedCharField(max_length=254)
    subject = models.CharField(max_length=200)
    body = EncryptedTextField()
    language = models.CharField(max_length=16, blank=True)
    # A letter to a reported person that carries their portal link: made fresh when sent, never stored.
    carries_portal_link = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the current attempt claimed the row ("sending"). A claim older than the outbox's lease
    # belongs to a worker that died mid-attempt: the row may be claimed again (letters.outbox).
    claimed_at = models.DateTimeField(null=True, blank=True)
    message_id_header = models.CharField(max_length=255, default=new_message_id, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Mail #{self.pk} ({self.status})"

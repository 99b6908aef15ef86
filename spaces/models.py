"""Configured connections to community spaces, and the webhook deliveries already taken (for replay refusal)."""

from django.db import models

from privacy.fields import EncryptedTextField
from steward.times import when


class SpaceConnection(models.Model):
    """One space Steward acts in: a GitHub organisation, a Slack workspace, a Discord server, a forum...

    Settings an admin may see live here; credentials never do. They are read from the environment
    (`STEWARD_SPACE_<SLUG>_<NAME>`) or the secrets file (`STEWARD_SECRETS_FILE`), see spaces.secrets.
    """

    slug = models.SlugField(max_length=40, unique=True, help_text="Names the connection in URLs and in the secret names.")
    platform = models.CharField(max_length=16)  # a key of spaces.registry.platforms()
    title = models.CharField(max_length=200)
    settings = models.JSONField(default=dict, blank=True, help_text="Non-secret settings, e.g. the organisation or the forum URL.")
    enabled = models.BooleanField(default=True, help_text="Switched off, nothing is applied, read or accepted here.")
    watch = models.BooleanField(default=True, help_text="Watch content here for breaches of no-contact periods.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class WebhookDelivery(models.Model):
    """A delivery already accepted: the same id again is a replay and is refused."""

    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)
    events = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "delivery_id"], name="webhook_delivery_once")]

    def __str__(self) -> str:
        return f"{self.connection.slug}:{self.delivery_id}"


class ReadCursor(models.Model):
    """How far polling has read a connection, per kind of reading: the next poll asks for what came since."""

    CONTENT = "content"
    MODERATION = "moderation"
    SYNC = "sync"  # a space read by Space.sync (Matrix): `token` is where the next read starts
    KINDS = [(CONTENT, "Content"), (MODERATION, "Moderation log"), (SYNC, "Incremental sync")]

    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="cursors")
    kind = models.CharField(max_length=16, choices=KINDS)
    position = models.DateTimeField()
    # For SYNC: the platform's opaque position (Matrix's next_batch, and what else the space keeps), stored with what
    # was read from it in one transaction; `position` is then only when it was read.
    token = models.TextField(blank=True, default="")
    polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "kind"], name="read_cursor_once")]

    def __str__(self) -> str:
        return f"{self.connection.slug}:{self.kind}@{when(self.position)}"


class ReceivedMail(models.Model):
    """A report e-mail already taken (or deliberately skipped): the same message again is not taken twice.

    Only a digest of the Message-ID (or of the raw message) is kept, written in the transaction that
    creates the case, so a crash before the commit leaves the message to be taken again and a crash
    after it cannot make a second case.
    """

    TAKEN = "taken"
    SKIPPED = "skipped"
    OUTCOMES = [(TAKEN, "Taken as a report"), (SKIPPED, "Skipped (automatic reply or bounce)")]

    connection = models.ForeignKey(SpaceConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(max_length=8, choices=OUTCOMES)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.outcome}:{self.digest[:12]}"


class SpaceReply(models.Model):
    """An answer Steward owes somebody on a platform, written in the transaction that took what it answers.

    A report made in a Matrix direct chat is answered in that chat with the case reference and the reporter's private
    follow-up link: the link exists only at the moment the report is taken (only a hash of its secret is kept), so the
    answer is stored here, encrypted, with the case, and sent after the commit; a worker that dies in between leaves it
    to the next read. `source` (the message answered) is unique per connection, so a message read twice is answered
    once, and the send carries a transaction id made from this row, so a retry is the same message. Once sent, the
    text is emptied: the link lives on only in the reporter's chat.
    """

    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="replies")
    source = models.CharField(max_length=300)  # the platform's id for the message answered (a Matrix event id)
    where = models.CharField(max_length=300)  # where the answer goes (a Matrix room id)
    text = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    external_ref = models.CharField(max_length=300, blank=True)  # the platform's id for the answer sent

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "source"], name="space_reply_once")]

    def __str__(self) -> str:
        return f"{self.connection.slug}:{self.source}"

"""Screening: content items read from the watched spaces, and the flags stewards review.

An item is stored once per (connection, external id), however often it arrives (webhook, catch-up read,
backfill). Its text and the handles in it are personal data: encrypted at rest like the rest of a case.
"""

from django.conf import settings
from django.db import models

from cases.models import Case
from enforcement.models import EnforcementAction
from people.models import Person
from privacy.fields import EncryptedCharField, EncryptedTextField
from spaces.models import SpaceConnection


class Item(models.Model):
    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="screening_items")
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)  # screening.scoring.KINDS
    author = EncryptedCharField(max_length=500, blank=True, help_text="The author's handles, comma-separated.")
    author_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    addressed = EncryptedCharField(max_length=1000, blank=True, help_text="Handles of those replied to or mentioned.")
    text = EncryptedTextField()
    url = EncryptedCharField(max_length=500, blank=True)
    thread = models.CharField(max_length=200, blank=True)
    context = EncryptedTextField(blank=True, help_text="What it replies to, or the thread's title.")
    created_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField(null=True, blank=True, db_index=True)
    scorer_version = models.CharField(max_length=64, blank=True)
    # Deleted on the platform (by its author, a moderator or Steward): the evidence is gone there; this copy stays.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = EncryptedCharField(max_length=300, blank=True, help_text="Who deleted it, where the platform says.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "external_id"], name="screening_item_once")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Item {self.connection_id}:{self.external_id}"


class PartyRole(models.TextChoices):
    AUTHOR = "author", "Author"
    ADDRESSED = "addressed", "Addressed"


class ItemParty(models.Model):
    """A blind index of who wrote an item and whom it addresses (the handles themselves are encrypted).

    One row per (role, handle): `digest` is privacy.keys.blind_digest of "space:normalised handle", where
    space is the connection's identity space (screening.parties). It lets the database answer "is this
    steward a party?" and "the same author to the same person" without the handles in the clear.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=16, choices=PartyRole.choices)
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "role", "digest"], name="screening_item_party_once")]

    def __str__(self) -> str:
        return f"Party {self.role} of item {self.item_id}"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    DISMISSED = "dismissed", "Dismissed: not a violation"
    ACTED = "acted", "Acted on"
    CASE_OPENED = "case-opened", "A case was opened"


class Flag(models.Model):
    """An item that reached a category's threshold, or (`pattern`) completed a pattern of sustained targeting.

    Its review is kept as a label for retraining (a text flag's only: a pattern flag judges several messages).
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="flags")
    category = models.CharField(max_length=50)  # a policy category code
    score = models.FloatField()
    threshold = models.FloatField()
    why = EncryptedTextField(blank=True)
    priority = models.FloatField(db_index=True, help_text="Score weighted by the category's harm and a newcomer target.")
    newcomer_target = models.BooleanField(default=False)
    # Where the flag comes from: a head reading this one text (False), or the sustained-targeting count over several
    # messages (screening.pipeline). Both may stand on one item under `harassment`; only text flags are text labels.
    pattern = models.BooleanField(
        default=False, help_text="Raised by the sustained-targeting pattern across messages, not by reading this text alone."
    )
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True)
    label = models.BooleanField(null=True, blank=True, help_text="The steward's verdict: a violation or not (training data).")
    label_category = models.CharField(
        max_length=50, blank=True, help_text="The category the steward found it violates (may differ from the flag's)."
    )
    review_note = EncryptedTextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.ForeignKey(EnforcementAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "category", "pattern"], name="screening_flag_once")]
        ordering = ["-priority", "-id"]
        # The review queue's order within a status (screening.access.FLAG_ORDER), so a page is an index range.
        indexes = [models.Index(fields=["status", "-priority", "-score", "-id"], name="flag_queue_order")]

    def __str__(self) -> str:
        return f"Flag #{self.pk} {self.category} ({self.status})"


class BackfillRun(models.Model):
    """A backfill's progress through one source: a stopped or killed run resumes from its cursor.

    The cursor (the newest item time stored so far, and that item's id) moves in the same transaction as
    the items it covers. `part` names one ordered stream of the source (a repository, an export file).
    """

    connection = models.ForeignKey(SpaceConnection, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=200, help_text='"space", or "slack-export:<file name>".')
    part = models.CharField(max_length=200, blank=True)
    since = models.DateTimeField()
    cursor_time = models.DateTimeField(null=True, blank=True)
    cursor_id = models.CharField(max_length=200, blank=True)
    items = models.PositiveIntegerField(default=0, help_text="Items read so far, over every attempt.")
    created = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Backfill {self.connection_id}:{self.source}:{self.part}"


class CategoryCut(models.Model):
    """The community's cut for one (category, content kind): where on the score scale a finding becomes a flag.

    Scores are on the scorer's common scale (screening.model.scorer: each head's cross-validated threshold sits at
    0.5). No row, or `cut` None, means the scorer's own threshold. Changed only by screening.actions.do_set_cut,
    which writes the audit record; a change applies to items scored from then on (`set_at`), not to flags raised.
    """

    category = models.CharField(max_length=50)
    kind = models.CharField(max_length=32)  # screening.scoring.KINDS
    cut = models.FloatField(null=True, blank=True, help_text="Empty: the model's own cross-validated threshold.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "kind"], name="screening_cut_once")]
        ordering = ["category", "kind"]

    def __str__(self) -> str:
        return f"Cut {self.category}/{self.kind}: {self.cut}"

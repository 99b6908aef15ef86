"""People involved in cases, their identities in each community space, and the stewards."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedCharField
from privacy.keys import blind_digest, blind_digests
from steward.codenames import taken_among, unique_code_name


class Space(models.TextChoices):
    GITHUB = "github", "GitHub"
    SLACK = "slack", "Slack"
    DISCORD = "discord", "Discord"
    DISCOURSE = "discourse", "Discourse"
    ZULIP = "zulip", "Zulip"
    MATRIX = "matrix", "Matrix"
    EMAIL = "email", "E-mail"
    OTHER = "other", "Other"


def normalise_handle(space: str, handle: str) -> str:
    """Handles compare case-insensitively everywhere we support, and people type a leading @."""
    handle = handle.strip()
    if space != Space.EMAIL:
        handle = handle.lstrip("@")
    return handle.casefold()


class Person(models.Model):
    """Somebody named in a case. The code name is stable across cases so patterns can be seen."""

    code_name = models.CharField(max_length=64, unique=True, editable=False)
    display_name = EncryptedCharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code_name"]

    def __str__(self) -> str:
        return self.code_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code_name:
            self.code_name = unique_code_name(taken_among(Person.objects.all()))
        super().save(*args, **kwargs)


class IdentityQuerySet(models.QuerySet["Identity"]):
    """`handle` is encrypted: an exact `handle=` lookup is answered through the blind index instead."""

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> "IdentityQuerySet":
        for key in ("handle", "handle__exact"):
            if key in kwargs:
                handle = normalise_handle(kwargs.get("space", ""), kwargs.pop(key))
                kwargs["handle_digest__in"] = blind_digests(handle)
        return super()._filter_or_exclude(negate, args, kwargs)  # type: ignore[misc]


class Identity(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    space = models.CharField(max_length=16, choices=Space.choices)
    handle = EncryptedCharField(max_length=254, help_text="User name, user id or e-mail address in that space.")
    # Blind index of the normalised handle (privacy.keys): exact lookups and uniqueness without plain text.
    handle_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdentityQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["space", "handle_digest"], name="identity_unique_per_space")]
        # Search and the party matcher look a handle up in every space at once: the unique pair above starts
        # with the space, so it cannot serve that.
        indexes = [models.Index(fields=["handle_digest"], name="identity_handle_digest")]
        ordering = ["space", "id"]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"{self.get_space_display()}: {self.handle}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.handle = normalise_handle(self.space, self.handle)
        self.handle_digest = blind_digest(self.handle)
        super().save(*args, **kwargs)


class NewReportMail(models.TextChoices):
    """How a steward hears of a new report by mail (notifications): the code name and a link, never its content."""

    IMMEDIATE = "immediate", _("At once: one mail per new report")
    DIGEST = "digest", _("Once a day: one mail listing the day's new reports")
    NONE = "none", _("No mail: I look at the queue myself")


class StewardProfile(models.Model):
    """What makes a user a steward. Deactivating it removes all case access at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="steward_profile")
    # The steward's own person record: their identities are how we spot that they are a party.
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="steward_profile")
    public_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_admin = models.BooleanField(default=False, help_text="May manage stewards and the policy.")
    joined_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    new_report_mail = models.CharField(max_length=16, choices=NewReportMail.choices, default=NewReportMail.IMMEDIATE)

    class Meta:
        ordering = ["public_name"]

    def __str__(self) -> str:
        return self.public_name

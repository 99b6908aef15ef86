"""Every version of the code of conduct that was ever loaded, so each case can say which one applied."""

from functools import cached_property
from typing import Any

from django.db import models

from policy.schema import Policy

# Parsed policies by content hash. A row's content never changes (sha256 is unique and the admin is
# read-only), so a hash always maps to the same Policy and this cache can never go stale.
_PARSED: dict[str, Policy] = {}
_PARSED_LIMIT = 32


class PolicyVersion(models.Model):
    version = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    effective_from = models.DateField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    source_name = models.CharField(max_length=500, help_text="The file (or label) the text was loaded from.")
    source_sha256 = models.CharField(max_length=64, unique=True)
    source_text = models.TextField()
    data = models.JSONField(help_text="Policy.to_dict() of the validated file.")

    class Meta:
        ordering = ["effective_from", "id"]
        get_latest_by = ["effective_from", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.version} (from {self.effective_from})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stored data must be exactly what validation produced; refuse half-built rows early.
        Policy.from_dict(self.data)
        super().save(*args, **kwargs)

    @cached_property
    def policy(self) -> Policy:
        parsed = _PARSED.get(self.source_sha256)
        if parsed is None:
            parsed = Policy.from_dict(self.data)
            if len(_PARSED) >= _PARSED_LIMIT:
                _PARSED.clear()
            _PARSED[self.source_sha256] = parsed
        return parsed

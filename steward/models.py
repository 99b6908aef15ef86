from django.db import models


class RateCounter(models.Model):
    """A fixed-window counter shared by every web process (the database is the one shared store).

    Keys are keyed hashes (see steward.ratelimit), never raw addresses, so the table cannot be
    joined back to a reporter.
    """

    key = models.CharField(max_length=128)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_key_window")]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"

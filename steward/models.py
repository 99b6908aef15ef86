from django.db import models

from steward.times import when


class RatePeriod(models.Model):
    """One counting window of one length, with the random key its counters are hashed under.

    The key is made (secrets.token_bytes) when the window's first count is taken and deleted, with
    every counter of the window, once the window has ended (see steward.ratelimit). It is stored here
    because every web process and the task worker must count under the same key; nothing persistent
    (no SECRET_KEY) goes into it, so once the row is gone nobody can tell whose counters they were.
    """

    window_seconds = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    secret = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["window_seconds", "starts_at"], name="rateperiod_length_start")]

    def __str__(self) -> str:
        return f"{self.window_seconds}s window from {when(self.starts_at)}"


class RateCounter(models.Model):
    """A fixed-window counter shared by every web process (the database is the one shared store).

    Keys are hashes under the period's random key (see steward.ratelimit), never raw addresses or
    handles, and they go when the period does, so the table cannot be joined back to a reporter.
    """

    period = models.ForeignKey(RatePeriod, on_delete=models.CASCADE, related_name="counters")
    key = models.CharField(max_length=128)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "key"], name="ratecounter_period_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class WorkerHeartbeat(models.Model):
    """One row: when a task worker last ran the heartbeat task (steward.tasks), for /health/.

    django-tasks' database backend keeps no record of a worker being alive, only of the tasks it ran,
    so the worker leaves this trace every STEWARD_HEARTBEAT_SECONDS. No host name or process id is kept:
    the health answer is public.
    """

    beat_at = models.DateTimeField()
    # The task result row of the beat before, deleted by the next beat so the beats do not pile up.
    last_result_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"worker seen {when(self.beat_at)}"

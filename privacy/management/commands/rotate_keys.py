from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audit.log import record
from privacy.canary import ensure_canary
from privacy.keys import DecryptionError, keyring
from privacy.rotation import rotate_everything


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value and evidence file with the newest key in STEWARD_ENCRYPTION_KEYS. "
        "Prints its progress batch by batch; safe to stop (even kill -9) and run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def say(self, line: str) -> None:
        # Flushed line by line: under systemd, nohup or `| tee` stdout is a pipe, and a long run must show where it is.
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        try:
            ensure_canary()  # a key set that cannot read this database stops here, before anything is written
            keys = len(keyring().fernets)
            started = f"Key rotation started ({keys} encryption key(s) configured)"
            record("keys.rotation_started", started, actor_label="operator", data={"keys": keys})  # needs an audit key
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.say(f"Re-encrypting with the newest of {keys} configured key(s), {batch_size} rows a batch.")
        try:
            counts = rotate_everything(batch_size, report=self.say)
        except DecryptionError as error:
            record("keys.rotation_failed", "Key rotation stopped: a value no configured key reads", actor_label="operator")
            raise CommandError(str(error)) from error
        total = sum(counts.values())
        # Counts and the number of keys only: never key material, nor anything that would identify a key.
        record(
            "keys.rotated",
            f"Key rotation finished: {total} value(s) and file(s) moved to the newest of {keys} key(s)",
            actor_label="operator",
            data={"keys": keys, "counts": counts},
        )
        self.say(self.style.SUCCESS("Everything is encrypted with the newest key. The older keys can now be removed."))

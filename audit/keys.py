"""The audit log's signing keys: from the environment, never from the database.

Without a key, anyone who can write the database could rewrite an event and recompute every hash
after it. So each event's link is an HMAC under a key the database does not hold, and the event
records which key (by id) signed it.

`STEWARD_AUDIT_KEYS` (or `STEWARD_AUDIT_KEYS_FILE`) is a comma-separated list, newest first, of
`ID:SECRET` entries (or a bare `SECRET`, whose id is derived from it). New events are signed with the
first key; verification accepts every listed key, so old keys stay listed for as long as the events
they signed should verify. A secret must be at least 32 characters.

With the development SECRET_KEY and no keys configured, a development key is derived so that
`make run` works; the deploy check (audit.checks) refuses that in production, and with a real
SECRET_KEY and no keys nothing can be recorded.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from steward.env import key_list

DEV_KEY_LABEL = b"steward-development-audit-key"
DEV_KEY_ID = "dev"
MIN_SECRET_LENGTH = 32
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = b""

    def sign(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never the secret, not even in a traceback
        return f"AuditKey({self.id!r})"


@dataclass(frozen=True)
class AuditKeyring:
    keys: tuple[AuditKey, ...]  # newest (the one that signs) first
    development: bool

    @property
    def newest(self) -> AuditKey:
        return self.keys[0]

    def get(self, key_id: str) -> AuditKey | None:
        return next((key for key in self.keys if key.id == key_id), None)

    @property
    def ids(self) -> list[str]:
        return [key.id for key in self.keys]


def configured_audit_keys() -> str:
    """The raw key list (steward.env.key_list)."""
    return key_list("STEWARD_AUDIT_KEYS")


def using_development_audit_key() -> bool:
    return not configured_audit_keys().strip() and settings.SECRET_KEY == settings.DEV_SECRET_KEY


def audit_keyring() -> AuditKeyring:
    return _keyring(configured_audit_keys(), settings.SECRET_KEY if settings.SECRET_KEY == settings.DEV_SECRET_KEY else "")


def derived_key_id(secret: str) -> str:
    """The id of a key given without one: stable, and reveals nothing useful about the secret."""
    return "k" + hmac.new(secret.encode(), b"steward-audit-key-id", hashlib.sha256).hexdigest()[:10]


@lru_cache(maxsize=8)
def _keyring(raw: str, dev_secret_key: str) -> AuditKeyring:
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    if not entries:
        if not dev_secret_key:
            raise ImproperlyConfigured(
                "STEWARD_AUDIT_KEYS is not set, so audit events cannot be signed. Generate a key with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'` (see docs/operations.md, Keys)."
            )
        secret = hmac.new(dev_secret_key.encode(), DEV_KEY_LABEL, hashlib.sha256).hexdigest()
        return AuditKeyring((AuditKey(DEV_KEY_ID, secret.encode()),), development=True)
    keys: list[AuditKey] = []
    for position, entry in enumerate(entries, start=1):
        key_id, _colon, secret = entry.partition(":") if ":" in entry else ("", "", entry)
        key_id = key_id.strip() or derived_key_id(secret)
        if not KEY_ID.match(key_id):
            raise ImproperlyConfigured(f"Key {position} in STEWARD_AUDIT_KEYS has an id that is not 1-32 letters, digits, '.', '_' or '-'.")
        if len(secret) < MIN_SECRET_LENGTH:
            raise ImproperlyConfigured(f"Key {position} in STEWARD_AUDIT_KEYS is shorter than {MIN_SECRET_LENGTH} characters.")
        if any(key.id == key_id for key in keys):
            raise ImproperlyConfigured(f"Key id {key_id!r} appears twice in STEWARD_AUDIT_KEYS.")
        keys.append(AuditKey(key_id, secret.encode()))
    return AuditKeyring(tuple(keys), development=False)

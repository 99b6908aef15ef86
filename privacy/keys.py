"""The encryption keys: from the environment, never from the database or the repository.

`STEWARD_ENCRYPTION_KEYS` (or `STEWARD_ENCRYPTION_KEYS_FILE`) holds comma-separated Fernet keys,
newest first. New values are encrypted with the first key; any listed key can decrypt, so a key can
be added, everything re-encrypted (`manage.py rotate_keys`), and only then the old key dropped.

Identity handles also get a blind index: an HMAC of the normalised handle, so an exact lookup and the
"one identity per space" constraint work without storing the handle in the clear. Its key is
`STEWARD_INDEX_KEY` when set (recommended: it never has to change); otherwise one is derived from
each encryption key, lookups try all of them, and `rotate_keys` moves every digest to the newest.

With the development SECRET_KEY and no keys configured, a stable development key is derived so that
`make run` works; the deploy check (privacy.checks) refuses that in production.
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from steward.env import env_str, key_list

DEV_KEY_LABEL = b"steward-development-encryption-key"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@dataclass(frozen=True)
class Keyring:
    fernets: tuple[Fernet, ...]
    index_keys: tuple[bytes, ...]  # newest (the one new digests use) first
    development: bool

    @cached_property
    def multi(self) -> MultiFernet:
        return MultiFernet(list(self.fernets))

    @property
    def newest(self) -> Fernet:
        return self.fernets[0]


def configured_keys() -> str:
    """The raw key list (steward.env.key_list)."""
    return key_list("STEWARD_ENCRYPTION_KEYS")


def configured_index_key() -> str:
    value = getattr(settings, "STEWARD_INDEX_KEY", None)
    return str(value) if value is not None else env_str("STEWARD_INDEX_KEY")


def using_development_key() -> bool:
    return not configured_keys().strip() and settings.SECRET_KEY == settings.DEV_SECRET_KEY


def development_key() -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), DEV_KEY_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def keyring() -> Keyring:
    return _keyring_from(_key_sources())


def _key_sources() -> tuple[object, ...]:
    """Where the keys come from, as cheaply as it can be read: every stored value decrypted asks for the keyring
    (thousands on a long case page), so this names the settings and environment variables, not a key file's
    contents — a file named by a `*_FILE` variable is read once per process, and a rotation needs a restart."""
    names = ("STEWARD_ENCRYPTION_KEYS", "STEWARD_INDEX_KEY")
    from_settings = tuple(_hashable(getattr(settings, name, None)) for name in names)
    from_environment = tuple(os.environ.get(name + suffix) for name in names for suffix in ("", "_FILE"))
    return (*from_settings, *from_environment, settings.SECRET_KEY)


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


@lru_cache(maxsize=8)
def _keyring_from(sources: tuple[object, ...]) -> Keyring:
    """The keyring for these sources (read from them once: the cache is keyed on where they are, not on the keys)."""
    return _keyring(configured_keys(), configured_index_key(), settings.SECRET_KEY == settings.DEV_SECRET_KEY)


def _keyring(raw: str, index_key: str, dev_secret: bool) -> Keyring:
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    development = False
    if not keys:
        if not dev_secret:
            raise ImproperlyConfigured(
                "STEWARD_ENCRYPTION_KEYS is not set. Generate a key with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        keys, development = [development_key()], True
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError as error:
            raise ImproperlyConfigured(f"Key {position} in STEWARD_ENCRYPTION_KEYS is not a Fernet key ({error}).") from error
    if index_key:
        index_keys: tuple[bytes, ...] = (hashlib.sha256(b"steward-index:" + index_key.encode()).digest(),)
    else:
        index_keys = tuple(hmac.new(key.encode(), b"steward-blind-index", hashlib.sha256).digest() for key in keys)
    return Keyring(tuple(fernets), index_keys, development)


def encrypt_bytes(data: bytes) -> bytes:
    return keyring().multi.encrypt(data)


def decrypt_bytes(token: bytes, what: str = "a stored value") -> bytes:
    try:
        return keyring().multi.decrypt(token)
    except InvalidToken:
        raise DecryptionError(
            f"Cannot decrypt {what} with the keys in STEWARD_ENCRYPTION_KEYS. Was the key it was written with "
            "removed before `manage.py rotate_keys` finished, or is this the wrong key set?"
        ) from None


def encrypt_text(value: str) -> str:
    return encrypt_bytes(value.encode()).decode("ascii")


def decrypt_text(token: str, what: str = "a stored value") -> str:
    return decrypt_bytes(token.encode("ascii"), what).decode()


def is_current(token: bytes) -> bool:
    """Whether a token is already encrypted with the newest key (rotation skips it)."""
    try:
        keyring().newest.decrypt(token)
    except InvalidToken:
        return False
    return True


def rotate_token(token: bytes) -> bytes:
    try:
        return keyring().multi.rotate(token)
    except InvalidToken:
        raise DecryptionError("Cannot re-encrypt a value: none of the configured keys decrypts it.") from None


def blind_digests(value: str) -> list[str]:
    """The digest under every index key, newest first; lookups match any, new rows store the first."""
    return [hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for key in keyring().index_keys]


def blind_digest(value: str) -> str:
    return blind_digests(value)[0]

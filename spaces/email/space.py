"""The e-mail intake as a space: a connection an admin configures, with its password kept out of the database.

Settings (SpaceConnection.settings):
- IMAP: `{"source": "imap", "host": "imap.example.org", "port": 993, "user": "conduct@example.org",
  "folder": "INBOX", "security": "ssl"}`; `security` is `ssl` (IMAPS, the default), `starttls`, or
  `plain` (refused unless the host is this machine: a local test server or a tunnel).
- A drop that the mail server delivers into: `{"source": "maildir", "path": "/var/mail/conduct"}` or
  `{"source": "mbox", "path": "/var/mail/conduct.mbox"}`.
Secret: `password` (IMAP only), e.g. STEWARD_SPACE_<SLUG>_PASSWORD.

Steward takes no enforcement action by e-mail: there are no capabilities, and nothing to read for
watching. Messages are fetched by `manage.py fetch_report_mail` and by the worker's poll (intake.mail).
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from people.models import Space as IdentitySpace
from spaces.base import Space
from spaces.registry import register

SOURCES = ("imap", "maildir", "mbox")
SECURITY = ("ssl", "starttls", "plain")


@register
class EmailSpace(Space):
    platform = "email"
    title = "E-mail (reports sent to a mailbox)"
    identity_space: ClassVar[str] = IdentitySpace.EMAIL
    setting_names = ("source", "host", "port", "user", "folder", "security", "path")
    secret_names = ("password",)

    @classmethod
    def needed_secrets(cls, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """A mail drop on this machine needs no password; only IMAP does."""
        return cls.secret_names if str(settings.get("source") or "imap") == "imap" else ()

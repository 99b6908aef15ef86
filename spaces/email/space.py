"""The e-mail intake as a space: a connection an admin configures, with its password kept out of the database.

Settings (SpaceConnection.settings):
- IMAP: `{"source": "imap", "host": "imap.example.org", "port": 993, "user": "conduct@example.org",
  "folder": "INBOX", "security": "ssl"}`; `security` is `ssl` (IMAPS, the default), `starttls`, or
  `plain` (refused unless the host is this machine: a local test server or a tunnel). `folder` is written
  as people read it ("Conduct Reports", "Verstöße"). `ca_file`: the certificate (PEM) of a private CA or a
  self-signed server, checked against instead of the system's CAs, for `ssl` and `starttls` alike.
- A drop that the mail server delivers into: `{"source": "maildir", "path": "/var/mail/conduct"}` or
  `{"source": "mbox", "path": "/var/mail/conduct.mbox"}`.
Secret: `password` (IMAP only), e.g. STEWARD_SPACE_<SLUG>_PASSWORD.

Steward takes no enforcement action by e-mail: there are no capabilities, and nothing to read for
watching. Messages are fetched by intake (intake.mail): its `manage.py fetch_report_mail`, and the worker's poll
through the fetcher intake registers for this platform (spaces.routing.register_fetcher).
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from people.models import Space as IdentitySpace
from spaces.base import NotConfigured, Space
from spaces.email.sources import tls_context
from spaces.registry import register

SOURCES = ("imap", "maildir", "mbox")
SECURITY = ("ssl", "starttls", "plain")


@register
class EmailSpace(Space):
    platform = "email"
    title = "E-mail (reports sent to a mailbox)"
    identity_space: ClassVar[str] = IdentitySpace.EMAIL
    setting_names = ("source", "host", "port", "user", "folder", "security", "ca_file", "path")
    secret_names = ("password",)

    @classmethod
    def needed_secrets(cls, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """A mail drop on this machine needs no password; only IMAP does."""
        return cls.secret_names if str(settings.get("source") or "imap") == "imap" else ()

    @classmethod
    def settings_problems(cls, settings: Mapping[str, Any]) -> list[str]:
        problems = []
        source = str(settings.get("source") or "imap")
        if source not in SOURCES:
            problems.append(_("`source` is one of %(choices)s.") % {"choices": ", ".join(SOURCES)})
        if str(settings.get("security") or "ssl") not in SECURITY:
            problems.append(_("`security` is one of %(choices)s.") % {"choices": ", ".join(SECURITY)})
        if settings.get("ca_file"):
            try:
                tls_context(str(settings["ca_file"]))
            except NotConfigured as error:
                problems.append(error.message)
        return problems

"""gunicorn's own logs, kept to what Steward promises: no follow-up secrets, no client addresses.

gunicorn writes its access log itself, outside Django's logging, and its stock line records the client's
address, the full request path (a follow-up link's secret, the reported person's link), the referrer (a page
under a follow-up link sends its own address as the referrer of every stylesheet it loads) and the browser.
An anonymous reporter is promised that no address or browser is kept with their report (REQUIREMENTS 2.3), and
anybody who reads a secret path can open the portal. This logger class (named by the repository's
`gunicorn.conf.py`) hands the access log only atoms that keep that promise, whatever `access_log_format` an
operator writes, and redacts the error log's request lines the same way.

It is imported by gunicorn's master before Django is set up: it imports nothing of Django.
"""

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

from steward.logging import RedactSecretsFilter, redact

# Atoms that would name the client: its address, its browser, the page it came from. Always "-".
CLIENT_ATOMS = ("h", "a", "f")
# Request headers never logged: they name the client, carry its session, or the page it came from.
CLIENT_HEADERS = frozenset(
    {"cookie", "authorization", "proxy-authorization", "referer", "user-agent", "x-forwarded-for", "x-real-ip", "forwarded"}
)
# gunicorn's own warning for a malformed request names the sender ("Invalid request from ip=…").
ADDRESS_IN_MESSAGE = re.compile(r"\bip=\S+")


class RedactAddressFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = ADDRESS_IN_MESSAGE.sub("ip=[redacted]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class StewardLogger(Logger):
    """gunicorn's logger with the client's address, browser and referrer left out and secret paths redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.addFilter(RedactSecretsFilter())
        self.error_log.addFilter(RedactAddressFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        safe: dict[str, Any] = {}
        for key, value in atoms.items():
            if key in CLIENT_ATOMS or key.endswith("}e"):
                continue  # environ atoms repeat REMOTE_ADDR, the raw path and every header
            if key.endswith("}i") and key[1:-2] in CLIENT_HEADERS:
                continue
            if key == "{set-cookie}o":
                continue
            safe[key] = redact(value) if isinstance(value, str) else value
        for key in CLIENT_ATOMS:
            safe[key] = "-"
        return safe

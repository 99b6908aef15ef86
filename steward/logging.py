"""Keep reporters' secrets and identities out of the logs.

Follow-up links carry a secret in the path; anybody who can read the web server log could otherwise
open the reporter's portal. Django's request log line and error records both pass through here.
"""

import logging
import re

# Paths whose next segment is a secret: the reporter's follow-up link and the reported person's link.
SECRET_PREFIXES = ("/follow-up/", "/f/", "/party/")
SECRET_PATH = re.compile(r"(/(?:follow-up|f|party)/)[^\s\"?#]+")


def redact(text: str) -> str:
    return SECRET_PATH.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # Error records carry the request object; drop it so formatters cannot print its META
        # (client address, user agent) for requests to the public report pages.
        if hasattr(record, "request"):
            record.request = None
        return True

"""Where report mail is read from: an IMAP folder, a Maildir or an mbox file.

Each source lists the messages not yet marked done and marks one done when asked. The caller asks
only after the message's case has committed: a crash in between leaves the message unmarked, and the
stored digest (intake.mail) keeps it from becoming a second case when it is read again.

IMAP messages are fetched with BODY.PEEK[], which leaves them unseen: a plain FETCH RFC822 would set
\\Seen on the server at once, and a crash before the commit would then lose the report.
"""

import contextlib
import imaplib
import mailbox
import re
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from spaces.base import NotConfigured, PermanentFailure, TemporaryFailure

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class RawMail:
    key: str
    raw: bytes


class MailSource(Protocol):
    def __enter__(self) -> Self: ...
    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None: ...
    def unread(self) -> Iterator[RawMail]: ...
    def done(self, key: str) -> None: ...


def open_source(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> MailSource:
    kind = str(settings.get("source") or "imap")
    if kind == "imap":
        return ImapSource(settings, secrets)
    path = str(settings.get("path") or "")
    if not path:
        raise NotConfigured("The mail drop needs a `path` setting.")
    if kind == "maildir":
        return MaildirSource(Path(path))
    if kind == "mbox":
        return MboxSource(Path(path))
    raise NotConfigured(f"Unknown mail source {kind!r}: use imap, maildir or mbox.")


class ImapSource:
    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.host = str(settings.get("host") or "")
        self.security = str(settings.get("security") or "ssl")
        self.port = int(settings.get("port") or (993 if self.security == "ssl" else 143))
        self.user = str(settings.get("user") or "")
        self.folder = str(settings.get("folder") or "INBOX")
        self.password = secrets.get("password", "")
        if not (self.host and self.user and self.password):
            raise NotConfigured("The IMAP mailbox needs `host` and `user` settings and the `password` secret.")
        if self.security == "plain" and self.host not in LOOPBACK:
            raise NotConfigured("IMAP without TLS is only allowed to this machine; use security `ssl` or `starttls`.")
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> Self:
        try:
            if self.security == "ssl":
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS
                )
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=TIMEOUT_SECONDS)
                if self.security == "starttls":
                    conn.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as error:
            raise TemporaryFailure(f"Could not reach the IMAP server: {type(error).__name__}") from None
        self.conn = conn
        try:
            conn.login(self.user, self.password)
            status, _ = conn.select(self.folder)
        except imaplib.IMAP4.abort as error:
            self._close()
            raise TemporaryFailure(f"The IMAP server broke off: {type(error).__name__}") from None
        except imaplib.IMAP4.error:
            self._close()
            raise PermanentFailure("The IMAP server refused the sign-in or the folder.") from None
        except OSError as error:
            self._close()
            raise TemporaryFailure(f"The IMAP connection failed: {type(error).__name__}") from None
        if status != "OK":
            self._close()
            raise PermanentFailure(f"The IMAP folder {self.folder!r} could not be opened.")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._close()

    def _close(self) -> None:
        if self.conn is None:
            return
        with contextlib.suppress(OSError, imaplib.IMAP4.error):  # the session is over either way
            self.conn.logout()
        self.conn = None

    def _uid(self, command: str, *args: str) -> list[Any]:
        assert self.conn is not None, "use the source as a context manager"
        try:
            status, data = self.conn.uid(command, *args)
        except (OSError, imaplib.IMAP4.abort) as error:
            raise TemporaryFailure(f"The IMAP connection failed: {type(error).__name__}") from None
        except imaplib.IMAP4.error:
            raise PermanentFailure(f"The IMAP server refused UID {command}.") from None
        if status != "OK":
            raise TemporaryFailure(f"The IMAP server answered {status} to UID {command}.")
        return list(data)

    def unread(self) -> Iterator[RawMail]:
        found = self._uid("SEARCH", "UNSEEN")
        uids = (found[0] or b"").split() if found else []
        for uid in uids:
            raw = _literal(self._uid("FETCH", uid.decode(), "(BODY.PEEK[])"))
            if raw is not None:
                yield RawMail(uid.decode(), raw)

    def done(self, key: str) -> None:
        self._uid("STORE", key, "+FLAGS", "(\\Seen)")


def _literal(data: list[Any]) -> bytes | None:
    """The message bytes in a FETCH answer: imaplib hands a literal back as (b'1 (UID 7 BODY[] {123}', b'...')."""
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and re.search(rb"BODY\[\]|RFC822", part[0]):
            return bytes(part[1])
    return None


class MaildirSource:
    """A Maildir the mail server delivers into: messages in new/ or without the Seen flag are unread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.box: mailbox.Maildir | None = None

    def __enter__(self) -> Self:
        if not (self.path / "new").is_dir():
            raise NotConfigured(f"{self.path} is not a Maildir (it has no new/ folder).")
        self.box = mailbox.Maildir(self.path, factory=None, create=False)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.box = None

    def unread(self) -> Iterator[RawMail]:
        assert self.box is not None, "use the source as a context manager"
        for key in sorted(self.box.keys()):
            message = self.box.get_message(key)
            if "S" not in message.get_flags():
                yield RawMail(key, self.box.get_bytes(key))

    def done(self, key: str) -> None:
        assert self.box is not None, "use the source as a context manager"
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S")
        self.box[key] = message


class MboxSource:
    """An mbox file: it cannot mark a message, so every message is listed each time and the digests skip the known."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.box: mailbox.mbox | None = None

    def __enter__(self) -> Self:
        if not self.path.is_file():
            raise NotConfigured(f"{self.path} is not an mbox file.")
        self.box = mailbox.mbox(self.path, create=False)
        # The mail server's lock: a message being appended is not read half-written.
        try:
            self.box.lock()
        except mailbox.ExternalClashError:
            raise TemporaryFailure("The mbox file is locked by the mail server.") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self.box is not None:
            self.box.unlock()
            self.box.close()
        self.box = None

    def unread(self) -> Iterator[RawMail]:
        assert self.box is not None, "use the source as a context manager"
        for key in self.box.keys():  # noqa: SIM118 - iterating a mailbox yields messages, not keys
            yield RawMail(str(key), self.box.get_bytes(key))

    def done(self, key: str) -> None:
        pass

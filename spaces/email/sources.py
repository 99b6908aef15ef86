"""Where report mail is read from: an IMAP folder, a Maildir or an mbox file.

Each source lists the messages Steward has not yet taken and marks one taken when asked. The caller
asks only after the message's case has committed: a crash in between leaves the message unmarked, and
the stored digest (intake.mail) keeps it from becoming a second case when it is read again.

"Taken" is Steward's own mark, never \\Seen: a steward who reads the reports mailbox in their own mail
program sets \\Seen, and the report must not vanish because of it. IMAP: the keyword $StewardTaken
(kept by the server, whoever else reads the box, and whatever happens to UIDVALIDITY). Maildir: a list
of taken message names in the file `steward-taken` beside new/ and cur/. mbox: every message is
read each time and the digests skip the known ones. Steward leaves \\Seen (the Maildir S flag) as it
is: it belongs to the people reading the box.

IMAP messages are fetched with BODY.PEEK[], which does not set \\Seen either (a plain FETCH RFC822
would). Folder names are sent quoted and in modified UTF-7 (spaces.email.imap_utf7), so "Conduct
Reports" and "Verstöße" work. `ca_file` names the certificate of a private CA (or a self-signed
server certificate) to verify the server against, for IMAPS and STARTTLS alike; verification is never
switched off.
"""

import contextlib
import imaplib
import logging
import mailbox
import os
import re
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from spaces.base import NotConfigured, PermanentFailure, TemporaryFailure
from spaces.email.imap_utf7 import quoted

logger = logging.getLogger("steward.spaces")

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
TIMEOUT_SECONDS = 30
TAKEN_KEYWORD = "$StewardTaken"  # IMAP keywords starting with $ are the registered/vendor style (RFC 5788)
MAILDIR_TAKEN_FILE = "steward-taken"


@dataclass(frozen=True)
class RawMail:
    key: str
    raw: bytes


class MailSource(Protocol):
    def __enter__(self) -> Self: ...
    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None: ...
    def pending(self) -> Iterator[RawMail]: ...  # every message not yet marked taken, read or not
    def done(self, key: str) -> None: ...  # mark one taken: call only after its case has committed


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


def tls_context(ca_file: str) -> ssl.SSLContext:
    """Certificate and host name checked, against the system's CAs or, with `ca_file`, against that file only."""
    if not ca_file:
        return ssl.create_default_context()
    if not os.path.isfile(ca_file) or not os.access(ca_file, os.R_OK):
        raise NotConfigured(f"The CA file {ca_file!r} (setting `ca_file`) does not exist or cannot be read by Steward.")
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, ValueError, OSError):
        raise NotConfigured(f"The CA file {ca_file!r} (setting `ca_file`) holds no certificate in PEM form.") from None


class ImapSource:
    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.host = str(settings.get("host") or "")
        self.security = str(settings.get("security") or "ssl")
        self.port = int(settings.get("port") or (993 if self.security == "ssl" else 143))
        self.user = str(settings.get("user") or "")
        self.folder = str(settings.get("folder") or "INBOX")
        self.ca_file = str(settings.get("ca_file") or "")
        self.password = secrets.get("password", "")
        if not (self.host and self.user and self.password):
            raise NotConfigured("The IMAP mailbox needs `host` and `user` settings and the `password` secret.")
        if self.security not in ("ssl", "starttls", "plain"):
            # Anything else ("tls", "SSL") used to mean no TLS at all: the password went out in clear.
            raise NotConfigured(f"Unknown IMAP security {self.security!r}: use ssl, starttls or plain.")
        if self.security == "plain" and self.host not in LOOPBACK:
            raise NotConfigured("IMAP without TLS is only allowed to this machine; use security `ssl` or `starttls`.")
        self.conn: imaplib.IMAP4 | None = None
        self.keeps_keyword = False  # whether this folder lets Steward set $StewardTaken (PERMANENTFLAGS)

    def __enter__(self) -> Self:
        context = tls_context(self.ca_file) if self.security != "plain" else None
        try:
            if self.security == "ssl":
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=TIMEOUT_SECONDS)
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=TIMEOUT_SECONDS)
                if context is not None:
                    if "STARTTLS" not in conn.capabilities:
                        with contextlib.suppress(OSError):
                            conn.shutdown()
                        raise PermanentFailure(
                            f"The IMAP server on port {self.port} does not offer STARTTLS: use security `ssl` and its IMAPS port."
                        )
                    try:
                        conn.starttls(context)
                    except BaseException:
                        with contextlib.suppress(OSError):  # the refusal below matters, not how the socket closes
                            conn.shutdown()
                        raise
        except ssl.SSLCertVerificationError as error:
            raise PermanentFailure(
                f"The IMAP server's certificate was not accepted ({error.verify_message}). If the server uses a private CA "
                "or a self-signed certificate, set `ca_file` to that certificate; Steward never skips the check."
            ) from None
        except (OSError, imaplib.IMAP4.error) as error:
            raise TemporaryFailure(f"Could not reach the IMAP server: {type(error).__name__}") from None
        self.conn = conn
        try:
            _sign_in(conn, self.user, self.password)
            status, _ = conn.select(quoted(self.folder))
            self.keeps_keyword = status == "OK" and _keeps_keyword(conn)
        except imaplib.IMAP4.readonly:  # before abort, its base class: no retry will change the folder's rights
            self._close()
            raise PermanentFailure(
                f"The IMAP folder {self.folder!r} is read-only for {self.user}: Steward must be able to mark the mail it took."
            ) from None
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
        if not self.keeps_keyword:
            logger.warning("imap folder keeps no keywords: every message is read on each fetch, the digests skip the known")
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

    def pending(self) -> Iterator[RawMail]:
        # Without the keyword nothing can be marked: every message is listed, and the digests skip the known.
        found = self._uid("SEARCH", "UNKEYWORD", TAKEN_KEYWORD) if self.keeps_keyword else self._uid("SEARCH", "ALL")
        uids = (found[0] or b"").split() if found else []
        for uid in uids:
            raw = _literal(self._uid("FETCH", uid.decode(), "(BODY.PEEK[])"))
            if raw is not None:
                yield RawMail(uid.decode(), raw)

    def done(self, key: str) -> None:
        if self.keeps_keyword:
            self._uid("STORE", key, "+FLAGS.SILENT", f"({TAKEN_KEYWORD})")


def _sign_in(conn: imaplib.IMAP4, user: str, password: str) -> None:
    """LOGIN where it can; imaplib sends LOGIN in ASCII only, so a name or password beyond it ("Grüße") goes by
    AUTHENTICATE PLAIN, whose SASL form carries UTF-8 (RFC 4616)."""
    if (user + password).isascii():
        conn.login(user, password)
    else:
        conn.authenticate("PLAIN", lambda _challenge: f"\0{user}\0{password}".encode())


def _keeps_keyword(conn: imaplib.IMAP4) -> bool:
    """Whether the selected folder keeps a new keyword: PERMANENTFLAGS names \\* or the keyword (RFC 3501 7.1).

    A server that sends no PERMANENTFLAGS lets every flag be changed permanently, says the RFC.
    """
    _, answers = conn.response("PERMANENTFLAGS")
    flags = [answer for answer in answers if answer]
    if not flags:
        return True
    named = b" ".join(flags).strip(b"()").split()
    return b"\\*" in named or TAKEN_KEYWORD.encode().lower() in (flag.lower() for flag in named)


def _literal(data: list[Any]) -> bytes | None:
    """The message bytes in a FETCH answer: imaplib hands a literal back as (b'1 (UID 7 BODY[] {123}', b'...')."""
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and re.search(rb"BODY\[\]|RFC822", part[0]):
            return bytes(part[1])
    return None


class MaildirSource:
    """A Maildir the mail server delivers into. Taken messages are listed by name in `steward-taken`.

    A Maildir name (before the ":2," flags) stays the same when a mail program moves the message from
    new/ to cur/ or changes its flags, so the list holds whatever a person does with the message.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.box: mailbox.Maildir | None = None
        self.taken: set[str] = set()

    def __enter__(self) -> Self:
        if not (self.path / "new").is_dir():
            raise NotConfigured(f"{self.path} is not a Maildir (it has no new/ folder).")
        self.box = mailbox.Maildir(self.path, factory=None, create=False)
        marks = self.path / MAILDIR_TAKEN_FILE
        self.taken = set(marks.read_text("utf-8").split()) if marks.exists() else set()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.box = None

    def pending(self) -> Iterator[RawMail]:
        assert self.box is not None, "use the source as a context manager"
        for key in sorted(self.box.keys()):
            if key not in self.taken:
                yield RawMail(key, self.box.get_bytes(key))

    def done(self, key: str) -> None:
        assert self.box is not None, "use the source as a context manager"
        # Appended and flushed to disk line by line: a crash loses at most this line, and the digest covers that.
        with open(self.path / MAILDIR_TAKEN_FILE, "a", encoding="utf-8") as marks:
            marks.write(key + "\n")
            marks.flush()
            os.fsync(marks.fileno())
        self.taken.add(key)


class MboxSource:
    """An mbox file: it cannot mark a message, so every message is listed each time and the digests skip the known.

    Its Status header (R for read, set by mail programs) is not looked at: read or not, a message is a report.
    """

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

    def pending(self) -> Iterator[RawMail]:
        assert self.box is not None, "use the source as a context manager"
        for key in self.box.keys():  # noqa: SIM118 - iterating a mailbox yields messages, not keys
            yield RawMail(str(key), self.box.get_bytes(key))

    def done(self, key: str) -> None:
        pass

"""Mailing-list archives into screening: an mbox file (Mailman 2 pipermail `.mbox`/`.txt`, optionally gzipped,
and HyperKitty's mbox export are all mbox) read into items through `screening.ingest.take_many`.

Each message becomes one `email` item. Its id is the digest intake uses for mail (`intake.mail.mail_digest`: of
the Message-ID, or of the raw bytes when there is none), so a message is stored once however often the archive
is read, and whichever export it comes from. The archive is read twice: first the headers only, to know who
wrote each Message-ID (a reply addresses the author of the message it answers, matched within the archive by
`In-Reply-To`, else the last of `References`) and each thread's first message; then every message in full.

The text is the plain-text body (an HTML-only message's text, when it has no plain part) without quoted lines
(`>`), the "On … wrote:" line that introduces them, the signature (after a `-- ` line) and Mailman's footer.
A message left with no text of its own (only a quote) is skipped. The subject is the item's context.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import mailbox
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from django.db import transaction

from intake.mail import body_text, mail_digest
from screening.ingest import Reading, schedule_scoring, take_many
from screening.models import Item
from spaces import base
from spaces.models import SpaceConnection

PLATFORMS = ("mailman", "email")
BATCH = 500
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Pipermail hides addresses as "alice at example.org (Alice)".
OBFUSCATED = re.compile(r"^\s*([^\s@<>()\",]+) at ([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
ATTRIBUTION = re.compile(r"(?i)\b(wrote|writes|a écrit|schrieb|escribió|scrisse)\s*:\s*$")
# Mailman's list footer, and pipermail's note where it scrubbed an attachment.
MAILMAN_FOOTER = re.compile(r"^(_{20,}|-{10,} next part -{10,})\s*$")
# Addresses that are a list or a machine, not a person.
NOT_A_PERSON = re.compile(
    r"(?i)^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|mailman|listmaster)@|"
    r"-(bounces|request|owner|admin|join|leave|subscribe|unsubscribe|confirm)(\+[^@]*)?@"
)


class ArchiveError(Exception):
    pass


@dataclass
class Progress(Reading):
    skipped: int = 0  # no text of its own, or unreadable

    def line(self) -> str:
        return (
            f"{self.read} messages read, {self.taken.created} new, {self.taken.edited} edited, "
            f"{self.taken.unchanged} already stored, {self.skipped} skipped; {self.rate:.0f} items/s"
        )


OnBatch = Callable[[Progress], None]


@dataclass(frozen=True)
class _Head:
    author: str  # the From address, lower case
    parent: str  # the Message-ID it replies to ("" for none)
    first_reference: str


# --- Reading --------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_archive(path: Path) -> Iterator[mailbox.mbox]:
    """The archive as an mbox; a gzipped one (pipermail's `2024-January.txt.gz`) is unpacked to a temporary file."""
    if not path.is_file():
        raise ArchiveError(f"No file {path}.")
    with contextlib.ExitStack() as stack:
        if path.suffix == ".gz":
            plain = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".mbox"))
            try:
                with gzip.open(path, "rb") as packed:
                    shutil.copyfileobj(packed, plain)
            except (OSError, EOFError) as error:
                raise ArchiveError(f"{path} is not a readable gzip file ({type(error).__name__}).") from None
            plain.flush()
            path = Path(plain.name)
        box = mailbox.mbox(path, factory=None, create=False)
        try:
            yield box
        finally:
            box.close()


def _messages(box: mailbox.mbox) -> Iterator[bytes]:
    for key in box.iterkeys():
        yield box.get_bytes(key)


def message_ids(value: object) -> list[str]:
    return MESSAGE_ID.findall(str(value or ""))


def _parent(message: Message) -> str:
    replying = message_ids(message.get("In-Reply-To"))
    if replying:
        return replying[0]
    references = message_ids(message.get("References"))
    return references[-1] if references else ""


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name) or "")
    except (LookupError, UnicodeError, ValueError, TypeError):  # a malformed encoded word: not worth the message
        return ""


def addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs from these headers, with pipermail's "x at y" undone."""
    found: list[tuple[str, str]] = []
    for name in names:
        for value in message.get_all(name) or []:
            text = OBFUSCATED.sub(r"\1@\2", str(value))
            for display, address in getaddresses([text]):
                address = address.strip().lower()
                if "@" in address:
                    found.append((" ".join(_decoded(display).split()), address))
    return found


def _decoded(value: str) -> str:
    """A display name with its encoded words (=?utf-8?q?…?=) decoded."""
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, HeaderParseError):
        return value


def list_addresses(message: Message) -> set[str]:
    """The list's own addresses, as the list's headers give them."""
    found = {address for _, address in addresses(message, "List-Post", "X-BeenThere")}
    for post in message_ids(message.get("List-Post")):
        if post.lower().startswith("<mailto:"):
            found.add(post[8:-1].split("?")[0].lower())
    for list_id in message_ids(message.get("List-Id")):
        found.add(_list_id_address(list_id[1:-1]))
    return found


def _list_id_address(list_id: str) -> str:
    """A list id ("dev.lists.example.org") as the list's address ("dev@lists.example.org")."""
    list_id = list_id.strip().lower()
    if "@" in list_id or "." not in list_id:
        return list_id
    local, _, domain = list_id.partition(".")
    return f"{local}@{domain}"


def configured_lists(connection: SpaceConnection, extra: Iterable[str] = ()) -> set[str]:
    """List addresses the connection names (Mailman `lists`, the mailbox `user`), and any given on the command line."""
    names: list[str] = list(extra)
    lists = connection.settings.get("lists")
    names.extend(lists.split(",") if isinstance(lists, str) else [str(name) for name in lists or []])
    if connection.settings.get("user"):
        names.append(str(connection.settings["user"]))
    return {_list_id_address(name) for name in names if name.strip()}


def own_text(body: str) -> str:
    """What the author wrote: no quoted lines, no "On … wrote:" before them, no signature, no list footer."""
    lines = body.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for number, line in enumerate(lines):
        if line.rstrip() == "--" or MAILMAN_FOOTER.match(line):
            break
        if line.lstrip().startswith(">"):
            if kept and ATTRIBUTION.search(kept[-1]):
                kept.pop()
            continue
        if ATTRIBUTION.search(line) and _quote_follows(lines, number):
            continue
        kept.append(line.rstrip())
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _quote_follows(lines: list[str], number: int) -> bool:
    for line in lines[number + 1 :]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def _when(message: Message) -> datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _thread(message_id: str, heads: dict[str, _Head]) -> str:
    """The first message of the thread (the first of `References`, else the chain of replies within the archive)."""
    root, seen = message_id, {message_id}
    head = heads.get(message_id)
    if head is not None and head.first_reference:
        root = head.first_reference
    else:
        while head is not None and head.parent and head.parent not in seen:
            root = head.parent
            seen.add(root)
            head = heads.get(root)
    return "mail:" + hashlib.sha256(root.encode("utf-8", "replace")).hexdigest()[:24] if root else ""


def index(box: mailbox.mbox) -> dict[str, _Head]:
    """Message-ID → its author and what it replies to, for every message in the archive (headers only)."""
    heads: dict[str, _Head] = {}
    parser = BytesHeaderParser(policy=policy.compat32)
    for raw in _messages(box):
        message = parser.parsebytes(raw)
        ids = message_ids(message.get("Message-ID"))
        if not ids:
            continue
        authors = addresses(message, "From")
        references = message_ids(message.get("References"))
        heads[ids[0]] = _Head(authors[0][1] if authors else "", _parent(message), references[0] if references else "")
    return heads


@dataclass(frozen=True)
class Mail:
    item: base.Item
    subject: str


def to_item(raw: bytes, heads: dict[str, _Head], lists: set[str]) -> Mail | None:
    """One archived message as a screening item; None when it has no text of its own."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    text = own_text(body_text(message))
    if not text:
        return None
    # Addresses and ids as written: the modern policy re-renders pipermail's "alice at example.org (Alice)".
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    sender = addresses(headers, "From")
    author: tuple[str, ...] = ()
    if sender:
        name, address = sender[0]
        name = name.replace(",", " ").strip()  # handles are stored comma-separated
        author = (address, name) if name and name.lower() != address else (address,)
    lists = lists | list_addresses(headers)
    mine = set(author[:1])
    addressed: list[str] = []
    parent = heads.get(_parent(headers))
    if parent is not None and parent.author:
        addressed.append(parent.author)
    for _, address in addresses(headers, "To", "Cc"):
        addressed.append(address)
    people = [a for a in dict.fromkeys(addressed) if a not in lists and a not in mine and not NOT_A_PERSON.search(a)]
    ids = message_ids(headers.get("Message-ID"))
    archived = message_ids(headers.get("Archived-At"))
    item = base.Item(
        external_id=mail_digest(raw),
        author=author,
        text=text,
        url=archived[0][1:-1] if archived and archived[0][1:].startswith("http") else "",
        created_at=_when(message),
        addressed=tuple(people),
        thread=_thread(ids[0], heads) if ids else "",
        kind="email",
    )
    return Mail(item, " ".join(_header(message, "Subject").split()))


# --- Storing --------------------------------------------------------------------------------------


def read_archive(
    connection: SpaceConnection,
    path: Path,
    *,
    list_names: Iterable[str] = (),
    on_batch: OnBatch | None = None,
    batch: int = BATCH,
) -> Progress:
    """Store every message of the archive for screening, once; a second reading stores nothing new."""
    if connection.platform not in PLATFORMS:
        raise ArchiveError(f"Connection {connection.slug} is a {connection.platform} connection; archives go to a mailman or email one.")
    if not connection.watch:
        raise ArchiveError(f"Connection {connection.slug} is not watched: turn watching on to screen it.")
    lists = configured_lists(connection, list_names)
    progress = Progress()
    with open_archive(path) as box:
        heads = index(box)
        pending: list[Mail] = []
        for raw in _messages(box):
            progress.read += 1
            try:
                mail = to_item(raw, heads, lists)
            except (LookupError, UnicodeError, ValueError, TypeError, AssertionError):  # one broken message, not the archive
                mail = None
            if mail is None:
                progress.skipped += 1
                continue
            pending.append(mail)
            if len(pending) >= batch:
                _store(connection, pending, progress, on_batch)
                pending = []
        _store(connection, pending, progress, on_batch)
    return progress


def _store(connection: SpaceConnection, mails: list[Mail], progress: Progress, on_batch: OnBatch | None) -> None:
    if not mails:
        return
    with transaction.atomic():
        taken = take_many(connection, [mail.item for mail in mails], schedule=False)
        # `take_many` knows no context: the subject goes on afterwards, in the same transaction.
        subjects = {mail.item.external_id[:200]: mail.subject for mail in mails}
        stored = Item.objects.filter(connection=connection, external_id__in=list(subjects)).only("id", "external_id", "context")
        changed = []
        for item in stored:
            if item.context != subjects[item.external_id]:
                item.context = subjects[item.external_id]
                changed.append(item)
        Item.objects.bulk_update(changed, ["context"])
        if taken.created or taken.edited:
            schedule_scoring()
    progress.taken += taken
    if on_batch is not None:
        on_batch(progress)

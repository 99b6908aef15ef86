"""A small stateful IMAP4rev1 server on a local socket, for the fast tests of the e-mail intake.

It speaks just what Steward (and the tests that fill a mailbox) use — CAPABILITY, LOGIN, AUTHENTICATE
PLAIN, SELECT, CREATE, APPEND, UID SEARCH, UID FETCH, UID STORE, NOOP, LOGOUT — with the real protocol's framing
(tags, untagged answers, literals), and answers as Debian's dovecot 2.3 does where Steward depends on
it (spaces/email/tests/test_fake_against_dovecot.py runs one script against both and compares):
- a FETCH of RFC822 or BODY[] sets \\Seen, a FETCH of BODY.PEEK[] does not;
- SELECT announces PERMANENTFLAGS with \\* (any keyword may be set), or, for `keywords=False`, like
  servers that keep no keywords, without it; then a keyword set is not kept;
- folder names arrive quoted and in modified UTF-7; an unquoted name ends at the first space, and an
  invalid encoding is refused ("Mailbox name is not valid mUTF-7");
- a failed SELECT leaves no folder selected.
"""

import base64
import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from spaces.email import imap_utf7

ATOM = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')
LITERAL = re.compile(rb"\{(\d+)\}\r?\n?$")
SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
UIDVALIDITY = 1


@dataclass
class FakeMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class FakeImap:
    users: dict[str, str] = field(default_factory=dict)
    folders: dict[str, list[FakeMessage]] = field(default_factory=lambda: {"INBOX": []})  # by name, as a person writes it
    keywords: bool = True  # False: like servers whose PERMANENTFLAGS lack \* (no keyword is kept)
    read_only: set[str] = field(default_factory=set)  # folders this user may read but not change (SELECT says READ-ONLY)
    commands: list[str] = field(default_factory=list)  # every command name received, e.g. "UID FETCH"
    lock: threading.RLock = field(default_factory=threading.RLock)

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: tuple[str, ...] = ()) -> FakeMessage:
        with self.lock:
            box = self.folders.setdefault(folder, [])
            message = FakeMessage(uid=(box[-1].uid + 1 if box else 1), raw=raw)
            message.flags.update(self.kept(flags))
            box.append(message)
            return message

    def kept(self, flags: Any) -> set[str]:
        return {flag for flag in flags if self.keywords or flag in SYSTEM_FLAGS}

    def seen(self, folder: str = "INBOX") -> list[int]:
        return self.flagged("\\Seen", folder)

    def flagged(self, flag: str, folder: str = "INBOX") -> list[int]:
        with self.lock:
            return [message.uid for message in self.folders[folder] if flag in message.flags]

    @contextmanager
    def serve(self) -> Iterator[tuple[str, int]]:
        """Serve on 127.0.0.1 at a free port; yields (host, port)."""
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                _Session(fake, self.rfile, self.wfile).run()

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield "127.0.0.1", int(server.server_address[1])
        finally:
            server.shutdown()
            server.server_close()


def _args(text: bytes) -> list[str]:
    found = []
    for quoted, group, atom in ATOM.findall(text):
        found.append(re.sub(rb"\\(.)", rb"\1", quoted).decode() if quoted else (group or atom).decode())
    return found


class _Session:
    def __init__(self, fake: FakeImap, rfile: Any, wfile: Any) -> None:
        self.fake = fake
        self.rfile = rfile
        self.wfile = wfile
        self.user = ""
        self.folder = ""
        self.literal = b""

    def send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def read_command(self) -> bytes:
        """One command line; a literal ({n} at the end) is asked for, read, and kept apart in self.literal."""
        line = self.rfile.readline()
        self.literal = b""
        found = LITERAL.search(line)
        if found:
            self.send(b"+ OK")
            self.literal = self.rfile.read(int(found.group(1)))
            line = line[: found.start()] + self.rfile.readline()
        return line

    def run(self) -> None:
        self.send(b"* OK [CAPABILITY IMAP4rev1] Fake IMAP ready")
        while True:
            line = self.read_command()
            if not line:
                return
            parts = line.rstrip(b"\r\n").split(b" ", 2)
            if len(parts) < 2:
                self.send(b"* BAD no command")
                continue
            tag, name, rest = parts[0], parts[1].decode().upper(), parts[2] if len(parts) > 2 else b""
            if name == "UID":
                sub, _, rest = rest.partition(b" ")
                name = f"UID {sub.decode().upper()}"
            with self.fake.lock:
                self.fake.commands.append(name)
                done = self.command(tag, name, _args(rest))
            if done:
                return

    def ok(self, tag: bytes, text: str) -> None:
        self.send(tag + b" " + text.encode())

    def command(self, tag: bytes, name: str, args: list[str]) -> bool:
        if name == "CAPABILITY":
            self.send(b"* CAPABILITY IMAP4rev1 UIDPLUS AUTH=PLAIN")
            self.ok(tag, "OK CAPABILITY completed")
        elif name == "NOOP":
            self.ok(tag, "OK NOOP completed")
        elif name == "LOGOUT":
            self.send(b"* BYE logging out")
            self.ok(tag, "OK LOGOUT completed")
            return True
        elif name == "LOGIN":
            self.sign_in(tag, args if len(args) == 2 else ["", ""])
        elif name == "AUTHENTICATE" and args and args[0].upper() == "PLAIN":
            self.send(b"+ ")
            try:
                _, user, password = base64.b64decode(self.rfile.readline().strip()).decode("utf-8").split("\0")
            except ValueError:
                self.ok(tag, "BAD Invalid base64 data in continued response")
                return False
            self.sign_in(tag, [user, password])
        elif not self.user:
            self.ok(tag, "BAD not signed in")
        elif name in ("SELECT", "EXAMINE"):
            self.select(tag, args[0] if args else "")
        elif name == "CREATE":
            self.create(tag, args[0] if args else "")
        elif name == "APPEND":
            self.append(tag, args)
        elif not self.folder:
            self.ok(tag, "BAD no folder selected")
        elif name == "UID SEARCH":
            self.search(tag, args)
        elif name == "UID FETCH":
            self.fetch(tag, args)
        elif name == "UID STORE":
            self.store(tag, args)
        else:
            self.ok(tag, f"BAD unknown command {name}")
        return False

    def sign_in(self, tag: bytes, credentials: list[str]) -> None:
        user, password = credentials
        if user and self.fake.users.get(user) == password:
            self.user = user
            self.ok(tag, "OK Logged in")
        else:
            self.ok(tag, "NO [AUTHENTICATIONFAILED] Authentication failed.")

    def box(self) -> list[FakeMessage]:
        return self.fake.folders[self.folder]

    def folder_name(self, tag: bytes, wire: str) -> str | None:
        try:
            return imap_utf7.decode(wire)
        except ValueError:
            self.ok(tag, "NO Mailbox name is not valid mUTF-7")
            return None

    def select(self, tag: bytes, wire: str) -> None:
        self.folder = ""  # as dovecot: a failed SELECT closes the folder that was open
        folder = self.folder_name(tag, wire)
        if folder is None:
            return
        if folder not in self.fake.folders:
            self.ok(tag, f"NO Mailbox doesn't exist: {wire}")
            return
        self.folder = folder
        box = self.box()
        permanent = " ".join(SYSTEM_FLAGS) + (" \\*" if self.fake.keywords else "")
        self.send(f"* FLAGS ({' '.join(SYSTEM_FLAGS)})".encode())
        self.send(f"* OK [PERMANENTFLAGS ({permanent})] Flags permitted.".encode())
        self.send(f"* {len(box)} EXISTS".encode())
        self.send(b"* 0 RECENT")
        self.send(f"* OK [UIDVALIDITY {UIDVALIDITY}] UIDs valid".encode())
        self.send(f"* OK [UIDNEXT {box[-1].uid + 1 if box else 1}] Predicted next UID".encode())
        self.ok(tag, f"OK [{'READ-ONLY' if folder in self.fake.read_only else 'READ-WRITE'}] Select completed")

    def create(self, tag: bytes, wire: str) -> None:
        folder = self.folder_name(tag, wire)
        if folder is None:
            return
        if folder in self.fake.folders:
            self.ok(tag, "NO [ALREADYEXISTS] Mailbox already exists")
            return
        self.fake.folders[folder] = []
        self.ok(tag, "OK Create completed")

    def append(self, tag: bytes, args: list[str]) -> None:
        folder = self.folder_name(tag, args[0]) if args else None
        if folder is None:
            return
        if folder not in self.fake.folders:
            self.ok(tag, "NO [TRYCREATE] Mailbox doesn't exist")
            return
        flags = args[1].strip("()").split() if len(args) > 1 and args[1].startswith("(") else []
        message = self.fake.deliver(self.literal, folder, tuple(flags))
        self.ok(tag, f"OK [APPENDUID {UIDVALIDITY} {message.uid}] Append completed")

    def search(self, tag: bytes, args: list[str]) -> None:
        tests = []
        words = list(args)
        while words:
            word = words.pop(0).upper()
            if word in ("ALL", "SEEN", "UNSEEN"):
                tests.append((word, "\\Seen"))
            elif word in ("KEYWORD", "UNKEYWORD") and words:
                tests.append((word, words.pop(0)))
            else:
                self.ok(tag, "BAD only ALL, SEEN, UNSEEN, KEYWORD and UNKEYWORD are supported")
                return
        uids = [str(m.uid) for m in self.box() if all(_matches(m, test, flag) for test, flag in tests)]
        self.send(("* SEARCH " + " ".join(uids)).rstrip().encode())
        self.ok(tag, "OK Search completed")

    def _matching(self, uid_set: str) -> list[tuple[int, FakeMessage]]:
        """The messages a UID set names ("7", "1:*", "2,5:6"), with their sequence numbers; UIDs not there are left out."""
        box = self.box()
        highest = box[-1].uid if box else 0
        wanted: set[int] = set()
        for part in uid_set.split(","):
            low, _, high = part.partition(":")
            first = highest if low == "*" else int(low)
            last = first if not high else (highest if high == "*" else int(high))
            wanted.update(range(min(first, last), max(first, last) + 1))
        return [(number, message) for number, message in enumerate(box, start=1) if message.uid in wanted]

    def fetch(self, tag: bytes, args: list[str]) -> None:
        if len(args) != 2:
            self.ok(tag, "BAD UID FETCH needs a UID and items")
            return
        items = args[1].strip("()").upper()
        if items not in ("FLAGS", "BODY.PEEK[]", "BODY[]", "RFC822"):
            self.ok(tag, "BAD only FLAGS, BODY.PEEK[], BODY[] and RFC822 are supported")
            return
        for number, message in self._matching(args[0]):
            if items == "FLAGS":
                self.send(f"* {number} FETCH (UID {message.uid} FLAGS ({' '.join(sorted(message.flags))}))".encode())
                continue
            label = "BODY[]" if items == "BODY.PEEK[]" else items
            if items != "BODY.PEEK[]":
                message.flags.add("\\Seen")  # a real server marks what it hands out this way as read
            self.wfile.write(f"* {number} FETCH (UID {message.uid} {label} {{{len(message.raw)}}}\r\n".encode())
            self.wfile.write(message.raw)
            self.send(b")")
        self.ok(tag, "OK Fetch completed")

    def store(self, tag: bytes, args: list[str]) -> None:
        if len(args) != 3 or args[1].upper() not in ("+FLAGS", "+FLAGS.SILENT"):
            self.ok(tag, "BAD only UID STORE <uids> +FLAGS[.SILENT] (...) is supported")
            return
        for number, message in self._matching(args[0]):
            message.flags.update(self.fake.kept(args[2].strip("()").split()))
            if args[1].upper() == "+FLAGS":
                self.send(f"* {number} FETCH (UID {message.uid} FLAGS ({' '.join(sorted(message.flags))}))".encode())
        self.ok(tag, "OK Store completed")


def _matches(message: FakeMessage, test: str, flag: str) -> bool:
    if test == "ALL":
        return True
    has = flag in message.flags
    return has if test in ("SEEN", "KEYWORD") else not has

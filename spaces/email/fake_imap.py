"""A small stateful IMAP4rev1 server on a local socket, for the tests of the e-mail intake.

It speaks just what Steward uses — CAPABILITY, LOGIN, SELECT, UID SEARCH UNSEEN/ALL, UID FETCH
(BODY.PEEK[] or RFC822), UID STORE +FLAGS, NOOP, LOGOUT — with the real protocol's framing (tags,
untagged answers, literals), and remembers each message's flags the way a real server does: a
FETCH of RFC822 or BODY[] sets \\Seen, a FETCH of BODY.PEEK[] does not.
"""

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

ATOM = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')


@dataclass
class FakeMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class FakeImap:
    users: dict[str, str] = field(default_factory=dict)
    folders: dict[str, list[FakeMessage]] = field(default_factory=lambda: {"INBOX": []})
    commands: list[str] = field(default_factory=list)  # every command name received, e.g. "UID FETCH"
    lock: threading.RLock = field(default_factory=threading.RLock)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> FakeMessage:
        with self.lock:
            box = self.folders.setdefault(folder, [])
            message = FakeMessage(uid=(box[-1].uid + 1 if box else 1), raw=raw)
            box.append(message)
            return message

    def seen(self, folder: str = "INBOX") -> list[int]:
        with self.lock:
            return [message.uid for message in self.folders[folder] if "\\Seen" in message.flags]

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

    def send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def run(self) -> None:
        self.send(b"* OK [CAPABILITY IMAP4rev1] Fake IMAP ready")
        while True:
            line = self.rfile.readline()
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
            self.send(b"* CAPABILITY IMAP4rev1")
            self.ok(tag, "OK CAPABILITY completed")
        elif name == "NOOP":
            self.ok(tag, "OK NOOP completed")
        elif name == "LOGOUT":
            self.send(b"* BYE logging out")
            self.ok(tag, "OK LOGOUT completed")
            return True
        elif name == "LOGIN":
            if len(args) == 2 and self.fake.users.get(args[0]) == args[1]:
                self.user = args[0]
                self.ok(tag, "OK LOGIN completed")
            else:
                self.ok(tag, "NO [AUTHENTICATIONFAILED] Invalid credentials")
        elif not self.user:
            self.ok(tag, "BAD not signed in")
        elif name in ("SELECT", "EXAMINE"):
            self.select(tag, args[0] if args else "")
        elif not self.folder:
            self.ok(tag, "BAD no folder selected")
        elif name == "UID SEARCH":
            self.search(tag, [arg.upper() for arg in args])
        elif name == "UID FETCH":
            self.fetch(tag, args)
        elif name == "UID STORE":
            self.store(tag, args)
        else:
            self.ok(tag, f"BAD unknown command {name}")
        return False

    def box(self) -> list[FakeMessage]:
        return self.fake.folders[self.folder]

    def select(self, tag: bytes, folder: str) -> None:
        if folder not in self.fake.folders:
            self.ok(tag, "NO [NONEXISTENT] no such folder")
            return
        self.folder = folder
        self.send(f"* {len(self.box())} EXISTS".encode())
        self.send(b"* 0 RECENT")
        self.send(b"* FLAGS (\\Seen)")
        self.send(b"* OK [UIDVALIDITY 1] UIDs valid")
        self.ok(tag, "OK [READ-WRITE] SELECT completed")

    def search(self, tag: bytes, criteria: list[str]) -> None:
        if criteria not in (["UNSEEN"], ["ALL"]):
            self.ok(tag, "BAD only UNSEEN and ALL are supported")
            return
        uids = [str(m.uid) for m in self.box() if criteria == ["ALL"] or "\\Seen" not in m.flags]
        self.send(("* SEARCH " + " ".join(uids)).rstrip().encode())
        self.ok(tag, "OK SEARCH completed")

    def _find(self, uid: str) -> tuple[int, FakeMessage] | None:
        for number, message in enumerate(self.box(), start=1):
            if str(message.uid) == uid:
                return number, message
        return None

    def fetch(self, tag: bytes, args: list[str]) -> None:
        if len(args) != 2:
            self.ok(tag, "BAD UID FETCH needs a UID and items")
            return
        items = args[1].strip("()").upper()
        found = self._find(args[0])
        if found is not None:
            number, message = found
            if items == "BODY.PEEK[]":
                label = "BODY[]"
            elif items in ("RFC822", "BODY[]"):
                label = items
                message.flags.add("\\Seen")  # a real server marks what it hands out this way as read
            else:
                self.ok(tag, "BAD only BODY.PEEK[], BODY[] and RFC822 are supported")
                return
            self.wfile.write(f"* {number} FETCH (UID {message.uid} {label} {{{len(message.raw)}}}\r\n".encode())
            self.wfile.write(message.raw)
            self.send(b")")
        self.ok(tag, "OK FETCH completed")

    def store(self, tag: bytes, args: list[str]) -> None:
        if len(args) != 3 or args[1].upper() != "+FLAGS":
            self.ok(tag, "BAD only UID STORE <uid> +FLAGS (...) is supported")
            return
        found = self._find(args[0])
        if found is not None:
            number, message = found
            message.flags.update(args[2].strip("()").split())
            self.send(f"* {number} FETCH (UID {message.uid} FLAGS ({' '.join(sorted(message.flags))}))".encode())
        self.ok(tag, "OK STORE completed")

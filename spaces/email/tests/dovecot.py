"""A real dovecot (Debian's dovecot-imapd) for the tests, started by scripts/dovecot.sh.

`make test` starts one before the suite and names its directory in STEWARD_TEST_DOVECOT (as it names
its PostgreSQL in DATABASE_URL); without that, the first test that needs one starts its own in a
scratch directory and stops it at the end of the session. Without dovecot installed these tests are
skipped with the reason, except in CI (CI=true), where they fail: they must not silently vanish.

Several test processes (pytest-xdist) may share one server and one user: every test works in a
folder of its own (`Dovecot.new_folder`).
"""

import contextlib
import imaplib
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spaces.email.imap_utf7 import quoted

ENV = "STEWARD_TEST_DOVECOT"
SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "dovecot.sh"


@dataclass(frozen=True)
class Dovecot:
    host: str
    starttls_port: int
    imaps_port: int
    user: str
    password: str
    other_user: str  # a second mailbox, whose password goes beyond ASCII
    other_password: str
    ca_file: str
    other_ca_file: str
    log: str
    maildir: str  # the user's INBOX on disk; a folder F is its subfolder ".F" (Maildir++)

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4_SSL]:
        conn = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=ssl.create_default_context(cafile=self.ca_file))
        conn.login(self.user, self.password)
        try:
            yield conn
        finally:
            conn.logout()

    def new_folder(self, name: str) -> str:
        """A fresh folder named `name` plus a short unique tail (the name's space or umlaut kept): its name as people read it."""
        folder = f"{name} {uuid.uuid4().hex[:8]}"
        with self.client() as conn:
            status, data = conn.create(quoted(folder))
            assert status == "OK", data
        return folder

    def append(self, folder: str, raw: bytes, flags: str = "") -> None:
        with self.client() as conn:
            status, data = conn.append(quoted(folder), flags or None, None, raw)
            assert status == "OK", data

    def flags(self, folder: str) -> list[set[str]]:
        """Each message's flags, in UID order."""
        with self.client() as conn:
            conn.select(quoted(folder), readonly=True)
            status, data = conn.uid("FETCH", "1:*", "(FLAGS)")
        assert status == "OK", data
        found = []
        for line in data:
            if isinstance(line, bytes) and b"FLAGS (" in line:
                named = line.split(b"FLAGS (", 1)[1].split(b")", 1)[0].decode().split()
                found.append(set(named) - {"\\Recent"})  # the session-only flag of whoever looked first
        return found

    def settings(self, folder: str, security: str = "ssl", **more: Any) -> dict[str, Any]:
        port = self.imaps_port if security == "ssl" else self.starttls_port
        return {"source": "imap", "host": self.host, "port": port, "user": self.user, "folder": folder, "security": security} | more


def _read(directory: Path) -> Dovecot:
    return Dovecot(**json.loads((directory / "server.json").read_text()))


def _free_port_pair() -> int:
    """A port p with p+1 free as well (STARTTLS on p, IMAPS on p+1)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two free neighbouring ports")


def installed() -> bool:
    return shutil.which("dovecot", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"])) is not None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    given = os.environ.get(ENV)
    if given:
        yield _read(Path(given))
        return
    if not installed():
        reason = "dovecot is not installed (Debian: apt-get install dovecot-imapd, or `make system-deps`)"
        if in_ci():
            pytest.fail(f"{reason}: in CI the real-server tests must run")
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="steward-dovecot-"))
    port = _free_port_pair()
    try:
        subprocess.run([str(SCRIPT), "start", str(directory), str(port)], check=True, capture_output=True, text=True, timeout=60)
        yield _read(directory)
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory), str(port)], check=False, capture_output=True, timeout=60)
        shutil.rmtree(directory, ignore_errors=True)

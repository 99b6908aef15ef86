"""The fake IMAP server answers as the real dovecot does, for everything Steward relies on.

One script of IMAP calls (as imaplib makes them, as Steward and the tests make them) runs against a
real dovecot and against spaces.email.fake_imap; the answers, reduced to what Steward reads from them
(status, UIDs, flags, message bytes, PERMANENTFLAGS), must be the same. A change in the fake that
parts it from reality fails here.
"""

import imaplib
import re
from typing import Any

import pytest

from spaces.email.fake_imap import FakeImap
from spaces.email.imap_utf7 import encode, quoted
from spaces.email.tests.dovecot import Dovecot

pytestmark = pytest.mark.database_free

FIRST = b"From: Rita <rita@example.net>\r\nSubject: first\r\nMessage-ID: <1@example.net>\r\n\r\nHe shouted at me.\r\n"
SECOND = b"From: Sam <sam@example.net>\r\nSubject: second\r\nMessage-ID: <2@example.net>\r\n\r\nShe followed me home.\r\n"


def flags_in(data: list[Any]) -> list[list[str]]:
    found = []
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if isinstance(line, bytes) and b"FLAGS (" in line:
            named = line.split(b"FLAGS (", 1)[1].split(b")", 1)[0].decode().split()
            found.append(sorted(set(named) - {"\\Recent"}))  # \Recent is the session's, dovecot's alone
    return found


def literal(data: list[Any]) -> bytes | None:
    return next((bytes(item[1]) for item in data if isinstance(item, tuple)), None)


def script(conn: imaplib.IMAP4, folder: str) -> list[tuple[str, Any]]:
    """The calls, each answer reduced to what a client reads from it."""
    answers: list[tuple[str, Any]] = []

    def note(step: str, value: Any) -> None:
        answers.append((step, value))

    note("create", conn.create(quoted(folder))[0])
    note("select the name unquoted", _raw_select(conn, encode(folder)))  # it has a space: the name ends there
    note("select broken modified UTF-7", _raw_select(conn, '"Verst&APY"'))
    note("create it again", conn.create(quoted(folder))[0])
    status, _ = conn.select(quoted(folder))
    permanent = (conn.response("PERMANENTFLAGS")[1] or [b""])[0] or b""
    note("select", (status, sorted(permanent.decode().strip("()").split())))
    status, data = conn.append(quoted(folder), None, None, FIRST)
    note("append", (status, re.sub(rb"^\[APPENDUID \d+ (\d+)\].*", rb"\1", data[0])))
    status, data = conn.append(quoted(folder), "(\\Seen)", None, SECOND)
    note("append seen", (status, re.sub(rb"^\[APPENDUID \d+ (\d+)\].*", rb"\1", data[0])))
    conn.select(quoted(folder))  # see what was appended
    for criteria in (("UNSEEN",), ("ALL",), ("UNKEYWORD", "$StewardTaken"), ("KEYWORD", "$StewardTaken")):
        note(f"search {' '.join(criteria)}", conn.uid("SEARCH", *criteria))
    status, data = conn.uid("FETCH", "1", "(BODY.PEEK[])")
    note("fetch peek", (status, literal(data) == FIRST))
    note("flags after peek", flags_in(conn.uid("FETCH", "1:*", "(FLAGS)")[1]))
    status, data = conn.uid("STORE", "1", "+FLAGS.SILENT", "($StewardTaken)")
    note("store silent", (status, flags_in(data)))
    status, data = conn.uid("STORE", "2", "+FLAGS", "($StewardTaken)")
    note("store", (status, flags_in(data)))
    for criteria in (("UNKEYWORD", "$StewardTaken"), ("KEYWORD", "$StewardTaken"), ("UNSEEN",)):
        note(f"search {' '.join(criteria)} after store", conn.uid("SEARCH", *criteria))
    status, data = conn.uid("FETCH", "1", "(BODY[])")
    note("fetch body", (status, literal(data) == FIRST))
    note("flags after fetch", flags_in(conn.uid("FETCH", "1:*", "(FLAGS)")[1]))
    note("fetch a uid that is not there", conn.uid("FETCH", "99", "(BODY.PEEK[])"))
    note("store a uid that is not there", conn.uid("STORE", "99", "+FLAGS.SILENT", "($StewardTaken)"))
    return answers


def _raw_select(conn: imaplib.IMAP4, argument: str) -> str:
    """SELECT with the argument exactly as given (imaplib sends it as it is): only the status is compared."""
    status, _ = conn._simple_command("SELECT", argument)
    conn.state = "AUTH"  # a failed SELECT leaves no folder selected (dovecot and the fake alike)
    return str(status)


@pytest.mark.parametrize("name", ["Conduct Reports", "Verstöße"])
def test_the_fake_answers_a_script_as_dovecot_does(dovecot: Dovecot, name: str) -> None:
    real_folder = dovecot.new_folder(name) + " new"  # a name not yet taken, created by the script itself
    with dovecot.client() as conn:
        real = script(conn, real_folder)

    fake = FakeImap(users={dovecot.user: dovecot.password})
    with fake.serve() as (host, port):
        conn = imaplib.IMAP4(host, port)
        conn.login(dovecot.user, dovecot.password)
        try:
            pretended = script(conn, real_folder)
        finally:
            conn.logout()

    assert pretended == real
    assert dict(real)["select"] == ("OK", ["\\*", "\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"])

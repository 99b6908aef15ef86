"""Report mail from a real dovecot (Debian's dovecot-imapd), over IMAPS and STARTTLS, with a private CA.

The server is started by scripts/dovecot.sh (see spaces/email/tests/dovecot.py); mail is put in with
APPEND as a mail server or a person's mail program would, into folders named as people name them.
"""

import socket
from typing import Any

import pytest

from cases.models import Report
from intake.mail import fetch_report_mail
from spaces.base import PermanentFailure, TemporaryFailure
from spaces.email.sources import ImapSource
from spaces.email.tests.dovecot import Dovecot
from spaces.email.tests.test_sources import bodies, report_mail
from spaces.models import SpaceConnection
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db

TAKEN = "$StewardTaken"


def connect(monkeypatch: Any, dovecot: Dovecot, folder: str, security: str = "ssl", **more: Any) -> SpaceConnection:
    settings = dovecot.settings(folder, security, **more)
    return make_connection(monkeypatch, "email", slug="reports", settings=settings, secrets={"password": dovecot.password})


@pytest.mark.parametrize(("security", "name"), [("ssl", "Conduct Reports"), ("starttls", "Verstöße")])
def test_report_mail_is_taken_over_tls_with_a_private_ca(dovecot: Dovecot, monkeypatch: Any, security: str, name: str) -> None:
    folder = dovecot.new_folder(name)
    dovecot.append(folder, report_mail("He shouted at me."))
    dovecot.append(folder, report_mail("She followed me home."), flags="(\\Seen)")  # a steward read it first
    connection = connect(monkeypatch, dovecot, folder, security, ca_file=dovecot.ca_file)
    result = fetch_report_mail(connection)
    assert (result.taken, result.failed) == (2, 0)
    assert bodies() == ["He shouted at me.", "She followed me home."]
    flags = dovecot.flags(folder)
    assert [TAKEN in message for message in flags] == [True, True]
    assert ["\\Seen" in message for message in flags] == [False, True], "Steward leaves \\Seen to the people reading the box"
    dovecot.append(folder, report_mail("And again today."))
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (1, 0) and Report.objects.count() == 3


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_from_another_ca_is_refused_clearly(dovecot: Dovecot, monkeypatch: Any, security: str) -> None:
    folder = dovecot.new_folder("Reports")
    dovecot.append(folder, report_mail("He shouted at me."))
    with pytest.raises(PermanentFailure, match=r"certificate was not accepted \(unable to get local issuer certificate\).*`ca_file`"):
        fetch_report_mail(connect(monkeypatch, dovecot, folder, security, ca_file=dovecot.other_ca_file))
    SpaceConnection.objects.all().delete()
    with pytest.raises(PermanentFailure, match="certificate was not accepted"):
        fetch_report_mail(connect(monkeypatch, dovecot, folder, security))  # the system's CAs do not know the private one
    assert not Report.objects.exists() and dovecot.flags(folder) == [set()]


def test_a_connection_lost_between_commit_and_mark_makes_no_second_report(dovecot: Dovecot, monkeypatch: Any) -> None:
    folder = dovecot.new_folder("Conduct Reports")
    dovecot.append(folder, report_mail("He shouted at me."))
    connection = connect(monkeypatch, dovecot, folder, ca_file=dovecot.ca_file)
    mark = ImapSource.done

    def cut_then_mark(source: ImapSource, key: str) -> None:
        assert source.conn is not None
        source.conn.socket().shutdown(socket.SHUT_RDWR)  # the case has committed; now the line to the server dies
        mark(source, key)

    with monkeypatch.context() as patched:
        patched.setattr(ImapSource, "done", cut_then_mark)
        with pytest.raises(TemporaryFailure, match="connection failed"):
            fetch_report_mail(connection)
    assert Report.objects.count() == 1 and dovecot.flags(folder) == [set()]
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (0, 1), "read again, recognised by its digest, and only marked"
    assert Report.objects.count() == 1 and TAKEN in dovecot.flags(folder)[0]


def test_a_wrong_folder_name_is_a_clear_refusal(dovecot: Dovecot, monkeypatch: Any) -> None:
    with pytest.raises(PermanentFailure, match="The IMAP folder 'No Such Folder' could not be opened"):
        fetch_report_mail(connect(monkeypatch, dovecot, "No Such Folder", ca_file=dovecot.ca_file))


def test_a_password_beyond_ascii_signs_in_to_dovecot(dovecot: Dovecot, monkeypatch: Any) -> None:
    import imaplib
    import ssl

    from spaces.email.imap_utf7 import quoted

    with imaplib.IMAP4_SSL(dovecot.host, dovecot.imaps_port, ssl_context=ssl.create_default_context(cafile=dovecot.ca_file)) as conn:
        conn.authenticate("PLAIN", lambda _: f"\0{dovecot.other_user}\0{dovecot.other_password}".encode())
        conn.append(quoted("INBOX"), None, None, report_mail("He shouted at me, Grüße."))
    settings = dovecot.settings("INBOX", "starttls", user=dovecot.other_user, ca_file=dovecot.ca_file)
    connection = make_connection(monkeypatch, "email", slug="berichte", settings=settings, secrets={"password": dovecot.other_password})
    assert fetch_report_mail(connection).taken >= 1  # other test processes may share this mailbox: at least ours
    assert "He shouted at me, Grüße." in bodies()


def test_a_maildir_that_dovecot_keeps_is_read_whatever_a_mail_program_did(dovecot: Dovecot, monkeypatch: Any) -> None:
    from pathlib import Path

    folder = dovecot.new_folder("Drop")
    dovecot.append(folder, report_mail("He shouted at me."))
    dovecot.append(folder, report_mail("She followed me home."), flags="(\\Seen)")  # dovecot names the file ...:2,S
    settings = {"source": "maildir", "path": str(Path(dovecot.maildir) / f".{folder}")}
    connection = make_connection(monkeypatch, "email", slug="drop", settings=settings)
    assert fetch_report_mail(connection).taken == 2
    dovecot.append(folder, report_mail("And again today."))
    assert ["\\Seen" in flags for flags in dovecot.flags(folder)] == [False, True, False], "dovecot serves the folder as before"
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (1, 0) and Report.objects.count() == 3

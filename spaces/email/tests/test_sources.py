"""The mailbox side of report mail, against the fake IMAP server and real Maildir and mbox files.

Steward's promise: every report that reaches the mailbox becomes a report, exactly once, whatever a
steward does with the mail in their own mail program (reading it sets \\Seen) and whatever the folder
is called. The same promises against a real dovecot: test_real_dovecot.py.
"""

import mailbox
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from cases.models import Report
from intake.mail import fetch_report_mail
from spaces.base import NotConfigured
from spaces.email.fake_imap import FakeImap
from spaces.models import SpaceConnection
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db

PASSWORD = "pass word"


def report_mail(text: str, sender: str = "Rita Reporter <rita@example.net>") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "conduct@example.org"
    message["Subject"] = "Incident report"
    message["Message-ID"] = f"<{abs(hash(text))}@example.net>"
    message.set_content(text)
    return message.as_bytes()


def bodies() -> list[str]:
    return sorted(body.split("\n\n", 1)[1].strip() for body in Report.objects.values_list("body", flat=True))


@pytest.fixture
def fake() -> Any:
    server = FakeImap(users={"conduct@example.org": PASSWORD})
    with server.serve() as address:
        server.address = address  # type: ignore[attr-defined]
        yield server


def imap(monkeypatch: Any, server: Any, **settings: Any) -> SpaceConnection:
    host, port = server.address
    values = {"source": "imap", "host": host, "port": port, "user": "conduct@example.org", "security": "plain", **settings}
    return make_connection(monkeypatch, "email", slug="reports", settings=values, secrets={"password": PASSWORD})


# --- Read mail is still a report -----------------------------------------------------------------


def test_mail_a_steward_already_read_in_their_mail_program_becomes_a_report(fake: Any, monkeypatch: Any) -> None:
    fake.deliver(report_mail("He shouted at me."))
    fake.deliver(report_mail("She followed me home."), flags=("\\Seen",))  # opened by bob in Thunderbird first
    connection = imap(monkeypatch, fake)
    assert fetch_report_mail(connection).taken == 2
    assert bodies() == ["He shouted at me.", "She followed me home."]
    assert fake.seen() == [2], "Steward leaves \\Seen to the people reading the box"
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (0, 0), "marked with Steward's keyword: not even fetched again"


def test_a_server_that_keeps_no_keywords_still_loses_and_doubles_nothing(fake: Any, monkeypatch: Any) -> None:
    fake.keywords = False  # PERMANENTFLAGS without \*, as some servers answer
    fake.deliver(report_mail("first"), flags=("\\Seen",))
    fake.deliver(report_mail("second"))
    connection = imap(monkeypatch, fake)
    assert fetch_report_mail(connection).taken == 2
    assert fake.flagged("$StewardTaken") == [] and "UID STORE" not in fake.commands, "nothing to mark with"
    fake.deliver(report_mail("third"))
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (1, 2), "every message is read again; the digests know the first two"
    assert Report.objects.count() == 3


def test_a_maildir_message_with_the_seen_flag_becomes_a_report(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    box.add(mailbox.MaildirMessage(report_mail("He shouted at me.")))
    read = mailbox.MaildirMessage(report_mail("She followed me home."))
    read.set_subdir("cur")
    read.add_flag("S")  # a mail program showed it to a steward
    box.add(read)
    connection = make_connection(monkeypatch, "email", slug="drop", settings={"source": "maildir", "path": str(path)})
    assert fetch_report_mail(connection).taken == 2
    assert bodies() == ["He shouted at me.", "She followed me home."]
    assert sorted("".join(sorted(m.get_flags())) for m in mailbox.Maildir(path, create=False)) == ["", "S"], "flags untouched"
    # A mail program moving the message and changing its flags later does not make it new to Steward.
    key = next(key for key in box.keys() if "S" not in box.get_message(key).get_flags())
    message = box.get_message(key)
    message.set_subdir("cur")
    message.add_flag("SF")
    box[key] = message
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (0, 0) and Report.objects.count() == 2


def test_an_mbox_message_marked_read_becomes_a_report(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "reports.mbox"
    box = mailbox.mbox(path)
    read = mailbox.mboxMessage(report_mail("She followed me home."))
    read.set_flags("RO")
    box.add(read)
    box.flush()
    connection = make_connection(monkeypatch, "email", slug="drop", settings={"source": "mbox", "path": str(path)})
    assert fetch_report_mail(connection).taken == 1


# --- Folder names as people write them -----------------------------------------------------------


@pytest.mark.parametrize("folder", ["Conduct Reports", "Verstöße", "Berichte/Verstöße & Sorgen"])
def test_a_folder_with_a_space_or_beyond_ascii_is_read(fake: Any, monkeypatch: Any, folder: str) -> None:
    fake.deliver(report_mail("He shouted at me."), folder=folder)
    fake.deliver(report_mail("Not for Steward."))  # in INBOX
    assert fetch_report_mail(imap(monkeypatch, fake, folder=folder)).taken == 1
    assert bodies() == ["He shouted at me."] and fake.flagged("$StewardTaken", folder) == [1]


# --- The CA file ---------------------------------------------------------------------------------


def test_a_missing_or_unreadable_ca_file_is_named(tmp_path: Path, monkeypatch: Any) -> None:
    settings = {"source": "imap", "host": "imap.example.org", "user": "u", "security": "starttls"}
    missing = make_connection(
        monkeypatch, "email", slug="m1", settings=settings | {"ca_file": str(tmp_path / "no.pem")}, secrets={"password": "p"}
    )
    with pytest.raises(NotConfigured, match=r"The CA file .*no\.pem.* does not exist or cannot be read"):
        fetch_report_mail(missing)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    wrong = make_connection(monkeypatch, "email", slug="m2", settings=settings | {"ca_file": str(garbage)}, secrets={"password": "p"})
    with pytest.raises(NotConfigured, match="holds no certificate in PEM form"):
        fetch_report_mail(wrong)


def test_the_admin_takes_a_ca_file_and_refuses_one_that_is_not_there(login: Any, stewards: Any, tmp_path: Path) -> None:
    from django.urls import reverse

    add = reverse("admin:spaces_spaceconnection_add")
    client = login(stewards["alice"])
    data = {"title": "Reports", "slug": "reports", "platform": "email", "enabled": "on"}
    settings = '{"source": "imap", "host": "imap.example.org", "user": "u", "ca_file": "%s"}'
    refused = client.post(add, data | {"settings": settings % (tmp_path / "no-such-ca.pem")})
    assert refused.status_code == 200 and "no-such-ca.pem" in refused.content.decode()
    assert "does not exist or cannot be read" in refused.content.decode() and not SpaceConnection.objects.exists()
    ca = tmp_path / "ca.pem"
    ca.write_text(_a_certificate())
    accepted = client.post(add, data | {"settings": settings % ca})
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    assert SpaceConnection.objects.get().settings["ca_file"] == str(ca)


def test_the_deploy_check_names_a_ca_file_that_went_away(tmp_path: Path) -> None:
    from spaces.checks import space_connection_checks

    settings = {"source": "imap", "host": "imap.example.org", "user": "u", "ca_file": str(tmp_path / "gone.pem")}
    SpaceConnection.objects.create(slug="reports", platform="email", title="Reports", settings=settings)
    problems = [p for p in space_connection_checks(None) if p.id == "spaces.E003"]
    assert len(problems) == 1 and "gone.pem" in problems[0].msg and "does not exist" in problems[0].msg


def _a_certificate() -> str:
    """A real PEM certificate, made with openssl as scripts/dovecot.sh makes its CA."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Test CA",
             "-keyout", f"{scratch}/k.pem", "-out", f"{scratch}/c.pem"],
            check=True, capture_output=True,
        )  # fmt: skip
        return Path(f"{scratch}/c.pem").read_text()


# --- Signing in ----------------------------------------------------------------------------------


def test_a_password_beyond_ascii_signs_in(monkeypatch: Any) -> None:
    server = FakeImap(users={"conduct@example.org": "Grüße-steward"})
    server.deliver(report_mail("He shouted at me."))
    with server.serve() as (host, port):
        settings = {"source": "imap", "host": host, "port": port, "user": "conduct@example.org", "security": "plain"}
        connection = make_connection(monkeypatch, "email", slug="reports", settings=settings, secrets={"password": "Grüße-steward"})
        assert fetch_report_mail(connection).taken == 1
    assert "AUTHENTICATE" in server.commands and "LOGIN" not in server.commands


def test_starttls_on_a_server_without_it_is_a_clear_refusal(fake: Any, monkeypatch: Any) -> None:
    from spaces.base import PermanentFailure

    with pytest.raises(PermanentFailure, match="does not offer STARTTLS"):
        fetch_report_mail(imap(monkeypatch, fake, security="starttls"))


@pytest.mark.parametrize("security", ["tls", "SSL", "STARTTLS"])
def test_an_unknown_security_setting_never_signs_in_without_tls(fake: Any, monkeypatch: Any, security: str) -> None:
    fake.deliver(report_mail("He shouted at me."))
    with pytest.raises(NotConfigured, match="Unknown IMAP security"):
        fetch_report_mail(imap(monkeypatch, fake, security=security))
    assert "LOGIN" not in fake.commands and "AUTHENTICATE" not in fake.commands, "the password never went out in clear"


def test_a_folder_steward_may_not_change_is_a_clear_refusal(fake: Any, monkeypatch: Any) -> None:
    from spaces.base import PermanentFailure

    fake.folders["Shared Reports"] = []
    fake.read_only.add("Shared Reports")
    fake.deliver(report_mail("He shouted at me."), folder="Shared Reports")
    with pytest.raises(PermanentFailure, match=r"'Shared Reports' is read-only for conduct@example\.org"):
        fetch_report_mail(imap(monkeypatch, fake, folder="Shared Reports"))


def test_poll_spaces_says_how_many_reports_came_from_mail(tmp_path: Path, monkeypatch: Any) -> None:
    import io

    from django.core.management import call_command

    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    box.add(mailbox.MaildirMessage(report_mail("He shouted at me.")))
    box.add(mailbox.MaildirMessage(report_mail("She followed me home.")))
    make_connection(monkeypatch, "email", slug="drop", settings={"source": "maildir", "path": str(path)})
    out = io.StringIO()
    call_command("poll_spaces", stdout=out)
    assert "drop mail: 2 taken, 0 skipped, 0 seen before, 0 not readable" in out.getvalue() and "nothing read" not in out.getvalue()
    call_command("poll_spaces", stdout=out)
    assert "drop mail: 0 taken, 0 skipped, 0 seen before, 0 not readable" in out.getvalue()

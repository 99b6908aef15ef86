"""Reports by e-mail: real Maildir and mbox files, and a real IMAP conversation with a stateful fake server.

Each message becomes exactly one report, whatever crashes where: before the commit nothing is kept
and the message stays unmarked; after it, the next fetch recognises the message and only marks it.
"""

import io
import mailbox
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

import intake.mail
from cases.models import Channel, Evidence, PartyRole, Report
from intake.mail import ALREADY, SKIPPED, TAKEN, fetch_report_mail, html_to_text, take_mail
from intake.tests.conftest import PDF, PNG
from people.models import Identity, Space
from spaces.base import NotConfigured, PermanentFailure
from spaces.email.fake_imap import FakeImap
from spaces.email.sources import MaildirSource
from spaces.models import ReceivedMail, SpaceConnection
from spaces.polling import poll_all
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db


def mail(
    body: str = "He shouted at me at the meetup.", *, sender: str = "Rita Reporter <rita@example.net>", **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "conduct@example.org"
    message["Subject"] = headers.pop("subject", "Incident report")
    message["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
    message["Message-ID"] = headers.pop("message_id", f"<{abs(hash(body + sender))}@example.net>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def raw(message: EmailMessage) -> bytes:
    return message.as_bytes()


def maildir(tmp_path: Path, *messages: EmailMessage) -> Path:
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    for message in messages:
        box.add(mailbox.MaildirMessage(message))
    return path


def drop(monkeypatch: Any, path: Path, source: str = "maildir") -> SpaceConnection:
    return make_connection(monkeypatch, "email", slug="reports", settings={"source": source, "path": str(path)})


def untaken_in(path: Path) -> int:
    """Messages Steward has not marked taken (its own list beside new/ and cur/, not the Seen flag)."""
    marks = path / "steward-taken"
    taken = set(marks.read_text().split()) if marks.exists() else set()
    return len(set(mailbox.Maildir(path, create=False).keys()) - taken)


# --- One message ---------------------------------------------------------------------------------


def test_a_mail_becomes_a_report_from_its_sender(stewards: Any) -> None:
    assert take_mail(None, raw(mail())) == TAKEN
    report = Report.objects.get()
    assert (report.channel, report.anonymous, report.reporter_name, report.reporter_email) == (
        Channel.EMAIL,
        False,
        "Rita Reporter",
        "rita@example.net",
    )
    assert report.body.startswith("Subject: Incident report\nSent: Mon, 02 Mar 2026 09:00:00 +0000\n\nHe shouted at me at the meetup.")
    reporter = report.case.parties.get(role=PartyRole.REPORTER).person
    assert Identity.objects.get(space=Space.EMAIL, handle="rita@example.net").person == reporter


def test_the_same_message_twice_is_one_report() -> None:
    message = raw(mail())
    assert take_mail(None, message) == TAKEN
    assert take_mail(None, message) == ALREADY
    without_id = mail(message_id="")
    del without_id["Message-ID"]
    assert take_mail(None, raw(without_id)) == TAKEN, "no Message-ID: the raw bytes tell it apart"
    assert take_mail(None, raw(without_id)) == ALREADY
    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"sender": "MAILER-DAEMON@mx.example.org"},
        {"Return_Path": "<>"},
    ],
)
def test_machines_writing_back_are_skipped(headers: dict[str, str]) -> None:
    assert take_mail(None, raw(mail("I am out of the office.", **headers))) == SKIPPED
    assert not Report.objects.exists()
    assert ReceivedMail.objects.get().outcome == ReceivedMail.SKIPPED


def test_a_person_saying_auto_submitted_no_is_taken() -> None:
    assert take_mail(None, raw(mail(Auto_Submitted="no"))) == TAKEN


def test_an_html_mail_is_read_as_text() -> None:
    message = mail()
    message.set_content(
        "<html><head><title>T</title><style>p{}</style></head><body><p>He said &quot;go&quot;</p>"
        "<script>steal()</script><div>Line two<br>Line three</div></body></html>",
        subtype="html",
    )
    take_mail(None, raw(message))
    body = Report.objects.get().body
    assert 'He said "go"\nLine two\nLine three' in body and "<" not in body and "steal" not in body and "p{}" not in body


def test_html_to_text_keeps_words_and_drops_markup() -> None:
    assert html_to_text("<ul><li>one</li><li>two &amp; three</li></ul>") == "one\ntwo & three"


def test_attachments_are_checked_and_refused_ones_noted(settings: Any) -> None:
    message = mail()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="screenshot.png")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="log.pdf")
    message.add_attachment(b"MZ\x90\x00binary", maintype="application", subtype="octet-stream", filename="tool.exe")
    message.add_attachment(b"plain words, not a picture", maintype="image", subtype="png", filename="fake.png")
    take_mail(None, raw(message))
    report = Report.objects.get()
    assert sorted(Evidence.objects.filter(report=report).values_list("original_name", flat=True)) == ["log.pdf", "screenshot.png"]
    assert "Attachments that were not kept:" in report.body
    assert "“tool.exe” is not a type we accept" in report.body and "“fake.png” does not contain what its name says" in report.body


def test_too_many_attachments_keep_the_report(settings: Any) -> None:
    settings.STEWARD_EVIDENCE_MAX_FILES = 1
    message = mail()
    for index in range(2):
        message.add_attachment(PNG + bytes([index]), maintype="image", subtype="png", filename=f"shot{index}.png")
    take_mail(None, raw(message))
    assert Evidence.objects.count() == 1 and "“shot1.png”: a report keeps at most 1 files." in Report.objects.get().body


def test_a_flood_from_one_sender_is_taken_but_held(settings: Any) -> None:
    settings.STEWARD_REPORT_SOFT_LIMIT = 1
    for index in range(2):
        take_mail(None, raw(mail(f"report {index}")))
    assert list(Report.objects.order_by("submitted_at", "pk").values_list("case__held_as_possible_flood", flat=True)) == [False, True]


# --- Maildir and mbox ----------------------------------------------------------------------------


def test_a_maildir_drop_is_taken_and_marked(tmp_path: Path, monkeypatch: Any) -> None:
    path = maildir(tmp_path, mail("first"), mail("second"), mail("Away", Auto_Submitted="auto-replied"))
    connection = drop(monkeypatch, path)
    result = fetch_report_mail(connection)
    assert (result.taken, result.skipped, result.already) == (2, 1, 0)
    assert untaken_in(path) == 0 and len(list((path / "new").iterdir())) == 3, "taken, and left where it was for the people reading the box"
    assert fetch_report_mail(connection).taken == 0
    assert Report.objects.count() == 2


def test_a_crash_before_the_commit_keeps_nothing_and_loses_nothing(tmp_path: Path, monkeypatch: Any) -> None:
    path = maildir(tmp_path, mail("first"))
    connection = drop(monkeypatch, path)
    with monkeypatch.context() as patched:
        patched.setattr(intake.mail, "do_submit_report", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
        assert fetch_report_mail(connection).failed == 1
    assert not ReceivedMail.objects.exists() and not Report.objects.exists() and untaken_in(path) == 1
    assert fetch_report_mail(connection).taken == 1 and untaken_in(path) == 0


def test_a_crash_after_the_commit_makes_no_second_report(tmp_path: Path, monkeypatch: Any) -> None:
    path = maildir(tmp_path, mail("first"))
    connection = drop(monkeypatch, path)
    with monkeypatch.context() as patched:
        patched.setattr(MaildirSource, "done", lambda self, key: (_ for _ in ()).throw(RuntimeError("killed")))
        with pytest.raises(RuntimeError):
            fetch_report_mail(connection)
    assert Report.objects.count() == 1 and untaken_in(path) == 1
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (0, 1)
    assert Report.objects.count() == 1 and untaken_in(path) == 0


def test_an_mbox_drop_is_read_again_without_doubling(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "reports.mbox"
    box = mailbox.mbox(path)
    box.add(mail("one"))
    box.add(mail("two"))
    box.flush()
    connection = drop(monkeypatch, path, "mbox")
    assert fetch_report_mail(connection).taken == 2
    box.add(mail("three"))
    box.flush()
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (1, 2)
    assert Report.objects.count() == 3


def test_a_missing_drop_is_a_clear_refusal(tmp_path: Path, monkeypatch: Any) -> None:
    with pytest.raises(NotConfigured, match="is not a Maildir"):
        fetch_report_mail(drop(monkeypatch, tmp_path / "nowhere"))


# --- IMAP ----------------------------------------------------------------------------------------


@pytest.fixture
def imap() -> Any:
    server = FakeImap(users={"conduct@example.org": 'pa"ss word'})
    with server.serve() as (host, port):
        server.address = (host, port)  # type: ignore[attr-defined]
        yield server


def imap_connection(monkeypatch: Any, server: Any, password: str = 'pa"ss word', **settings: Any) -> SpaceConnection:
    host, port = server.address
    values = {"source": "imap", "host": host, "port": port, "user": "conduct@example.org", "security": "plain", **settings}
    return make_connection(monkeypatch, "email", slug="imap-reports", settings=values, secrets={"password": password})


def test_an_imap_mailbox_is_taken_and_marked_with_stewards_keyword(imap: Any, monkeypatch: Any) -> None:
    for text in ("first", "second"):
        imap.deliver(raw(mail(text)))
    imap.deliver(raw(mail("already read by a steward in their mail program")), flags=("\\Seen",))
    connection = imap_connection(monkeypatch, imap)
    assert fetch_report_mail(connection).taken == 3, "read or not, every message is a report"
    assert imap.flagged("$StewardTaken") == [1, 2, 3] and imap.seen() == [3], "\\Seen stays the people's"
    assert "UID SEARCH" in imap.commands and "UID STORE" in imap.commands and imap.commands[-1] == "LOGOUT"
    assert fetch_report_mail(connection).taken == 0 and Report.objects.count() == 3


def test_imap_messages_stay_unseen_until_their_report_is_stored(imap: Any, monkeypatch: Any) -> None:
    imap.deliver(raw(mail("first")))
    connection = imap_connection(monkeypatch, imap)
    with monkeypatch.context() as patched:
        patched.setattr(intake.mail, "do_submit_report", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
        fetch_report_mail(connection)
    assert imap.seen() == [] and imap.flagged("$StewardTaken") == [], "fetched with BODY.PEEK[]: a crash leaves it as it was"
    assert fetch_report_mail(connection).taken == 1 and imap.flagged("$StewardTaken") == [1] and imap.seen() == []


def test_a_wrong_imap_password_is_a_permanent_failure(imap: Any, monkeypatch: Any) -> None:
    with pytest.raises(PermanentFailure, match="refused the sign-in"):
        fetch_report_mail(imap_connection(monkeypatch, imap, password="wrong"))


def test_imap_without_tls_is_only_for_this_machine(monkeypatch: Any) -> None:
    connection = make_connection(
        monkeypatch,
        "email",
        settings={"source": "imap", "host": "imap.example.org", "user": "u", "security": "plain"},
        secrets={"password": "p"},
    )
    with pytest.raises(NotConfigured, match="without TLS"):
        fetch_report_mail(connection)


def test_the_fake_server_marks_a_plain_fetch_as_read_like_a_real_one(imap: Any) -> None:
    import imaplib

    imap.deliver(raw(mail("first")))
    host, port = imap.address
    client = imaplib.IMAP4(host, port)
    client.login("conduct@example.org", 'pa"ss word')
    client.select("INBOX")
    status, data = client.uid("FETCH", "1", "(RFC822)")
    client.logout()
    assert status == "OK" and b"first" in data[0][1] and imap.seen() == [1]


# --- The command and the poll --------------------------------------------------------------------


def test_the_command_fetches_one_connection_or_all(tmp_path: Path, monkeypatch: Any, imap: Any) -> None:
    drop(monkeypatch, maildir(tmp_path, mail("first")))
    imap.deliver(raw(mail("second")))
    imap_connection(monkeypatch, imap)
    out = io.StringIO()
    call_command("fetch_report_mail", "--connection", "reports", stdout=out)
    assert out.getvalue() == "reports: 1 taken, 0 skipped, 0 seen before, 0 not readable.\n"
    call_command("fetch_report_mail", stdout=out)
    assert "imap-reports: 1 taken" in out.getvalue() and Report.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("fetch_report_mail", "--connection", "nobody")


def test_the_poll_fetches_report_mail_too(tmp_path: Path, monkeypatch: Any) -> None:
    drop(monkeypatch, maildir(tmp_path, mail("first")))
    assert poll_all().mail == {"reports": {"taken": 1, "skipped": 0, "already": 0, "failed": 0}}
    assert Report.objects.count() == 1

"""Report mail in the shapes mail clients really send: redirects (mutt's bounce, Thunderbird's Redirect),
forwards (Gmail and Outlook inline, Thunderbird as an attachment), inline pictures, broken encodings.

The promise: whoever sent the mail to the reports address is the reporter, and only they; the person
whose message they passed on is the reported person. Every report is kept: a second member redirecting
the same post is a second report, not "seen before".
"""

import base64
import io
import mailbox
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cases.access import earlier_cases_about
from cases.actions import do_declare_conflict, do_send_message
from cases.models import Audience, Evidence, PartyRole, Report
from intake.mail import ALREADY, TAKEN, delivery_digest, fetch_report_mail, mail_digest, take_mail
from intake.tests.conftest import PNG
from letters.models import OutgoingMail
from people.models import Identity, Space
from privacy.export import reports_by
from spaces.models import ReceivedMail
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db

RITA = "rita@example.net"
MALLORY = "mallory@example.com"


def crlf(text: str) -> bytes:
    """Mail on the wire (and from IMAP) has CRLF line ends."""
    return text.lstrip("\n").replace("\n", "\r\n").encode()


# The abusive list post as it reached Rita (and Bob): Mailman's headers, the author's From and Message-ID.
LIST_POST = """
Received: from lists.example.org (lists.example.org [192.0.2.10])
	by mx.example.net (Postfix) with ESMTPS id 4Zq1x2;
	Mon,  2 Mar 2026 22:40:13 +0000 (UTC)
From: Mallory Offender <mallory@example.com>
To: dev@lists.example.org
Subject: Re: release plan
Date: Mon, 2 Mar 2026 22:40:11 +0000
Message-ID: <CAF3x9q=kQ7v@mail.gmail.com>
List-Id: Development <dev.lists.example.org>
Precedence: list
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

Nobody wants your patches here. Go away or I will make you.
"""


def mutt_bounce(resender: str, resent_id: str, post: str = LIST_POST) -> bytes:
    """mutt's `bounce`: Resent-From, Resent-Date, Resent-Message-ID, Resent-To on top of the unchanged message;
    the reports server then adds its own trace fields above them."""
    return crlf(
        f"""
Return-Path: <{resender.split("<")[-1].rstrip(">")}>
Delivered-To: conduct@example.org
Received: from laptop.example.net (laptop.example.net [198.51.100.7])
	by mail.example.org (Postfix) with ESMTPSA id 9C1F2;
	Tue,  3 Mar 2026 09:15:04 +0000 (UTC)
Resent-From: {resender}
Resent-Date: Tue, 3 Mar 2026 10:15:02 +0100
Resent-Message-ID: <{resent_id}>
Resent-To: conduct@example.org
{post.lstrip()}"""
    )


def thunderbird_redirect(post: str = LIST_POST) -> bytes:
    """Thunderbird's Message > Redirect: the Resent-* block (To first), no change to the original fields."""
    return crlf(
        f"""
Return-Path: <rita@example.net>
Received: from [192.168.1.20] by smtp.example.net with ESMTPSA; Tue, 3 Mar 2026 09:30:00 +0000
Resent-To: conduct@example.org
Resent-From: Rita Reporter <rita@example.net>
Resent-Date: Tue, 3 Mar 2026 10:30:00 +0100
Resent-Message-ID: <c0ffee12-3456-7890-abcd-ef0123456789@example.net>
{post.lstrip()}"""
    )


GMAIL_FORWARD = crlf(
    """
Return-Path: <rita.reporter@gmail.com>
Received: by mail-wr1-f41.google.com with SMTP id ffacd0b85a97d-3a0b;
        Tue, 03 Mar 2026 01:20:33 -0800 (PST)
MIME-Version: 1.0
References: <CAF3x9q=kQ7v@mail.gmail.com>
In-Reply-To: <CAF3x9q=kQ7v@mail.gmail.com>
From: Rita Reporter <rita.reporter@gmail.com>
Date: Tue, 3 Mar 2026 10:20:31 +0100
Message-ID: <CAB7Hd2k+forward=Qw@mail.gmail.com>
Subject: Fwd: you again
To: conduct@example.org
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

This is the third DM like this. Please help.

---------- Forwarded message ---------
From: Mallory Offender <mallory@example.com>
Date: Mon, Mar 2, 2026 at 11:40=E2=80=AFPM
Subject: you again
To: Rita Reporter <rita.reporter@gmail.com>


I know where you live.

--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">This is the third DM like this. Please help.<br><br><div c=
lass=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">---------- Forwa=
rded message ---------<br>From: <strong class=3D"gmail_sendername" dir=3D"a=
uto">Mallory Offender</strong> <span dir=3D"auto">&lt;<a href=3D"mailto:mal=
lory@example.com">mallory@example.com</a>&gt;</span><br>Date: Mon, Mar 2, 2=
026 at 11:40=E2=80=AFPM<br>Subject: you again<br>To: Rita Reporter &lt;rita=
.reporter@gmail.com&gt;<br></div><br><br><div dir=3D"ltr">I know where you =
live.</div></div></div>

--000000000000a1b2c3d4e5f60718--
"""
)

OUTLOOK_FORWARD = crlf(
    """
From: Rita Reporter <rita@contoso.example>
To: "conduct@example.org" <conduct@example.org>
Subject: FW: you again
Thread-Topic: you again
Thread-Index: AQHbjK2xYz1234567890abcdefgh==
Date: Tue, 3 Mar 2026 09:22:10 +0000
Message-ID: <AM0PR01MB6148D2E1A@AM0PR01MB6148.eurprd01.prod.exchangelabs.com>
Accept-Language: en-GB, en-US
Content-Language: en-GB
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Forwarding this one too.

________________________________
From: Mallory Offender <mallory@example.com>
Sent: 02 March 2026 23:40
To: Rita Reporter <rita@contoso.example>
Subject: you again

I know where you live.
"""
)

THUNDERBIRD_FORWARD_ATTACHED = crlf(
    f"""
Message-ID: <5d1e2f3a-aaaa-bbbb-cccc-0123456789ab@example.net>
Date: Tue, 3 Mar 2026 10:40:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
From: Rita Reporter <rita@example.net>
To: conduct@example.org
Subject: Fwd: Re: release plan
Content-Type: multipart/mixed; boundary="------------tb0123456789"

This is a multi-part message in MIME format.
--------------tb0123456789
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

The post below, on our dev list.

--------------tb0123456789
Content-Type: message/rfc822; name="Re: release plan.eml"
Content-Disposition: attachment; filename="Re: release plan.eml"

{LIST_POST.lstrip()}
--------------tb0123456789--
"""
)


def reporter_and_reported(report: Report) -> tuple[str, list[str]]:
    reported = report.case.parties.filter(role=PartyRole.REPORTED).select_related("person")
    handles = [identity.handle for party in reported for identity in party.person.identities.filter(space=Space.EMAIL)]
    return report.reporter_email, handles


# --- Who reported it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [mutt_bounce(f"Rita Reporter <{RITA}>", "20260303091502.GA4242@laptop.example.net"), thunderbird_redirect()]
)
def test_a_redirected_post_is_reported_by_the_member_who_redirected_it(raw: bytes) -> None:
    assert take_mail(None, raw) == TAKEN
    report = Report.objects.get()
    assert (report.reporter_name, report.reporter_email) == ("Rita Reporter", RITA)
    assert reporter_and_reported(report) == (RITA, [MALLORY])
    reporter = report.case.parties.get(role=PartyRole.REPORTER).person
    assert [identity.handle for identity in reporter.identities.all()] == [RITA]
    assert not Identity.objects.filter(handle=MALLORY, person__parties__role=PartyRole.REPORTER).exists()
    assert "Mallory Offender <mallory@example.com>, the author of the message the reporter redirected." == report.involved
    assert "Nobody wants your patches here." in report.body and RITA not in report.body


def test_the_topmost_resent_block_is_the_last_resend() -> None:
    """Bob redirected the post to Rita, who redirected it to the stewards: Rita reports."""
    to_rita = mutt_bounce("Bob <bob@example.net>", "bob-1@example.net").decode().replace("conduct@example.org", RITA)
    to_stewards = mutt_bounce(f"Rita Reporter <{RITA}>", "rita-1@example.net", post=to_rita.replace("\r\n", "\n").split("\n", 1)[1])
    assert take_mail(None, to_stewards) == TAKEN
    assert reporter_and_reported(Report.objects.get()) == (RITA, [MALLORY])


def test_the_reports_mailbox_redirecting_into_itself_is_not_the_reporter(monkeypatch: Any) -> None:
    """An alias whose server redirects into the stewards' mailbox adds a block of its own above Rita's."""
    connection = make_connection(monkeypatch, "email", settings={"source": "maildir", "path": "/nowhere", "address": "Conduct@Example.org"})
    ritas = mutt_bounce(f"Rita Reporter <{RITA}>", "r-8@example.net").decode().replace("\r\n", "\n").split("\n", 1)[1]
    assert take_mail(connection, mutt_bounce("conduct@example.org", "hop-1@example.org", post=ritas)) == TAKEN
    assert reporter_and_reported(Report.objects.get()) == (RITA, [MALLORY])


def test_a_list_post_with_its_from_rewritten_for_dmarc_names_its_author() -> None:
    """Mailman 3's DMARC mitigation: From is the list ("… via Dev"), the author moves to Reply-To."""
    post = LIST_POST.replace(
        "From: Mallory Offender <mallory@example.com>",
        "From: Mallory Offender via Dev <dev@lists.example.org>\nReply-To: Mallory Offender <mallory@example.com>",
    )
    take_mail(None, mutt_bounce(f"Rita <{RITA}>", "r-10@example.net", post=post))
    assert reporter_and_reported(Report.objects.get()) == (RITA, [MALLORY])


def test_a_redirected_list_post_is_not_skipped_as_bulk_mail() -> None:
    """Precedence and Auto-Submitted describe the original; the member's redirect is a person's mail."""
    post = LIST_POST.replace("Precedence: list", "Precedence: bulk\nAuto-Submitted: auto-generated")
    assert take_mail(None, mutt_bounce(f"Rita <{RITA}>", "r-2@example.net", post=post)) == TAKEN


@pytest.mark.parametrize(
    ("raw", "reporter", "quoted"),
    [
        (GMAIL_FORWARD, "rita.reporter@gmail.com", "I know where you live."),
        (OUTLOOK_FORWARD, "rita@contoso.example", "I know where you live."),
        (THUNDERBIRD_FORWARD_ATTACHED, RITA, "The post below"),
    ],
    ids=["gmail-inline", "outlook-inline", "thunderbird-attached"],
)
def test_a_forward_is_reported_by_the_forwarder_about_the_author(raw: bytes, reporter: str, quoted: str) -> None:
    assert take_mail(None, raw) == TAKEN
    report = Report.objects.get()
    assert reporter_and_reported(report) == (reporter, [MALLORY])
    assert "Forwarded by the reporter; the original message: from Mallory Offender <mallory@example.com>" in report.body
    assert quoted in report.body


def test_apple_mail_forward_with_bold_labels() -> None:
    raw = crlf(
        """
From: Rita Reporter <rita@example.net>
To: conduct@example.org
Subject: Fwd: you again
Date: Tue, 3 Mar 2026 10:50:00 +0100
Message-Id: <A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF@example.net>
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Content-Type: text/plain; charset=utf-8

See below.

Begin forwarded message:

*From:* *Mallory Offender* <mallory@example.com>
*Subject:* *you again*
*Date:* 2 March 2026 at 23:40:00 GMT

I know where you live.
"""
    )
    take_mail(None, raw)
    assert reporter_and_reported(Report.objects.get()) == (RITA, [MALLORY])


def test_a_member_forwarding_their_own_mail_is_only_the_reporter() -> None:
    raw = OUTLOOK_FORWARD.replace(b"From: Mallory Offender <mallory@example.com>", b"From: Rita Reporter <rita@contoso.example>")
    take_mail(None, raw)
    assert reporter_and_reported(Report.objects.get()) == ("rita@contoso.example", [])


def test_a_letter_to_the_reporter_goes_to_who_redirected_never_to_the_author(stewards: Any) -> None:
    take_mail(None, mutt_bounce(f"Rita Reporter <{RITA}>", "r-3@example.net"))
    report = Report.objects.get()
    do_send_message(stewards["alice"], report.case, Audience.REPORTER, "Thank you, we are looking into it.", report=report)
    assert list(OutgoingMail.objects.values_list("to", flat=True)) == [RITA]


def test_the_authors_data_export_does_not_count_the_redirect_as_their_report() -> None:
    """A data-subject export gives a reporter their own report; the author of a redirected post is not its reporter."""
    take_mail(None, mutt_bounce(f"Rita Reporter <{RITA}>", "r-9@example.net"))
    report = Report.objects.get()
    mallory = Identity.objects.get(space=Space.EMAIL, handle=MALLORY).person
    rita = Identity.objects.get(space=Space.EMAIL, handle=RITA).person
    assert (reports_by(mallory, report.case), reports_by(rita, report.case)) == ([], [report])


# --- Two reports of one post ------------------------------------------------------------------------


def test_two_members_redirecting_one_post_make_two_reports(stewards: Any) -> None:
    rita = mutt_bounce(f"Rita Reporter <{RITA}>", "20260303091502.GA4242@laptop.example.net")
    bob = mutt_bounce("Bob Member <bob.member@example.net>", "20260303101010.GB77@box.example.net")
    assert (take_mail(None, rita), take_mail(None, bob)) == (TAKEN, TAKEN)
    first, second = Report.objects.order_by("pk")
    assert (first.reporter_email, second.reporter_email) == (RITA, "bob.member@example.net")
    assert first.case != second.case and first.reference != second.reference, "each reporter has their own follow-up"
    # Both name the post's author, so a steward reading one case is shown the other, to join them.
    for case in (first.case, second.case):
        do_declare_conflict(stewards["alice"], case, "none")
    assert list(earlier_cases_about(stewards["alice"], second.case)) == [first.case]


def test_the_same_delivery_fetched_twice_is_one_report() -> None:
    """The same bytes, or the same resend with other trace fields (a second copy via another alias)."""
    bounce = mutt_bounce(f"Rita <{RITA}>", "r-4@example.net")
    assert take_mail(None, bounce) == TAKEN
    assert take_mail(None, bounce) == ALREADY
    copy = b"Received: from relay.example.org by mx.example.org; Tue, 3 Mar 2026 09:15:09 +0000\r\nX-Spam-Score: 0.3\r\n"
    assert take_mail(None, copy + bounce.replace(b"Delivered-To: conduct@example.org", b"Delivered-To: stewards@example.org")) == ALREADY
    assert delivery_digest(bounce) == delivery_digest(bounce.replace(b"\r\n", b"\n")), "IMAP's CRLF and a Maildir's LF"
    assert Report.objects.count() == 1


def test_different_content_under_a_reused_message_id_is_never_dropped() -> None:
    first = crlf(
        """
From: Rita Reporter <rita@example.net>
To: conduct@example.org
Subject: Incident
Date: Tue, 3 Mar 2026 10:00:00 +0100
Message-ID: <1@localhost>

He shouted at me.
"""
    )
    second = first.replace(b"He shouted at me.", b"And again today, at the meetup.")
    assert (take_mail(None, first), take_mail(None, second)) == (TAKEN, TAKEN)
    assert Report.objects.count() == 2


def test_mail_taken_before_the_upgrade_is_not_taken_again() -> None:
    """Rows written before hold the digest of the Message-ID alone: the message they stand for is recognised
    once, and a second member's redirect of the same post, which the old digest dropped, is taken."""
    rita = mutt_bounce(f"Rita <{RITA}>", "r-5@example.net")
    bob = mutt_bounce("Bob <bob.member@example.net>", "b-5@example.net")
    ReceivedMail.objects.create(digest=mail_digest(rita), outcome=ReceivedMail.TAKEN)
    assert take_mail(None, rita) == ALREADY
    assert take_mail(None, rita) == ALREADY
    assert take_mail(None, bob) == TAKEN
    assert ReceivedMail.objects.count() == 2 and Report.objects.get().reporter_email == "bob.member@example.net"


def test_a_maildir_with_two_redirects_of_one_post_gives_two_reports(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    box.add(mutt_bounce(f"Rita <{RITA}>", "r-6@example.net"))
    box.add(thunderbird_redirect().replace(RITA.encode(), b"bob.member@example.net"))
    connection = make_connection(monkeypatch, "email", slug="reports", settings={"source": "maildir", "path": str(path)})
    result = fetch_report_mail(connection)
    assert (result.taken, result.already) == (2, 0)
    assert sorted(Report.objects.values_list("reporter_email", flat=True)) == ["bob.member@example.net", RITA]


# --- Pictures and broken parts ---------------------------------------------------------------------

PNG_BASE64 = base64.encodebytes(PNG).decode().replace("\n", "\r\n")


def html_with_inline_picture(top: str, picture: str) -> bytes:
    """Apple Mail / Thunderbird: the HTML text and its picture in multipart/related, the picture without a file name."""
    related = f"""Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>He posted this about me:</p><img src="cid:shot@example.net">
--rel
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <shot@example.net>
Content-Disposition: inline

{picture}
--rel--
"""
    if top == "related":
        return crlf("From: Rita <rita@example.net>\nTo: conduct@example.org\nSubject: Screenshot\nMIME-Version: 1.0\n" + related)
    return crlf(
        f"""
From: Rita <rita@example.net>
To: conduct@example.org
Subject: Screenshot
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

He posted this about me:

--alt
{related}
--alt--
"""
    )


@pytest.mark.parametrize("top", ["related", "alternative"])
def test_an_inline_picture_without_a_name_is_kept_named_by_its_type(top: str) -> None:
    take_mail(None, html_with_inline_picture(top, PNG_BASE64))
    report = Report.objects.get()
    evidence = Evidence.objects.get(report=report)
    assert (evidence.original_name, evidence.content_type) == ("image-1.png", "image/png")
    assert "not kept" not in report.body


@pytest.mark.parametrize(("disposition", "name"), [("inline", "image-1.png"), ('attachment; filename="shot.png"', "shot.png")])
def test_a_part_whose_base64_is_broken_is_noted_as_unreadable_not_kept(disposition: str, name: str) -> None:
    broken = base64.b64encode(PNG).decode()[:14] + "=A"  # decodes to the PNG signature and no more: not the picture sent
    picture = html_with_inline_picture("related", broken)
    take_mail(None, picture.replace(b"Content-Disposition: inline", f"Content-Disposition: {disposition}".encode()))
    report = Report.objects.get()
    assert not Evidence.objects.exists()
    assert f"“{name}” could not be read (its encoding is broken), so it was not kept as evidence." in report.body


# --- What the commands say -------------------------------------------------------------------------


def test_poll_spaces_says_what_became_of_the_mail(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "Maildir"
    box = mailbox.Maildir(path, create=True)
    box.add(mutt_bounce(f"Rita <{RITA}>", "r-7@example.net"))
    box.add(crlf("From: MAILER-DAEMON@example.org\nTo: conduct@example.org\nSubject: Undelivered\n\nSorry."))
    make_connection(monkeypatch, "email", slug="reports", settings={"source": "maildir", "path": str(path)})
    out = io.StringIO()
    call_command("poll_spaces", stdout=out)
    assert "reports mail: 1 taken, 1 skipped, 0 seen before, 0 not readable" in out.getvalue()
    assert "nothing read" not in out.getvalue()


@pytest.mark.parametrize(
    "quoted",
    [
        "-------- Forwarded Message --------\nSubject: you again\nDate: Mon, 2 Mar 2026 23:40:00 +0000\n"
        "From: Mallory Offender <mallory@example.com>",
        "-----Original Message-----\nFrom: Mallory Offender [mailto:mallory@example.com]\nSent: Monday, March 2, 2026 11:40 PM",
        "> ---------- Forwarded message ---------\n> From: Mallory Offender <mallory@example.com>",
    ],
    ids=["thunderbird-inline", "outlook-classic", "quoted-again"],
)
def test_other_quoted_forward_headers_name_the_author(quoted: str) -> None:
    """Thunderbird's inline forward puts Subject and Date before From; classic Outlook writes [mailto:…]."""
    head = f"From: Rita <{RITA}>\nTo: conduct@example.org\nSubject: FW: you again\nMessage-ID: <q@example.net>\n"
    raw = crlf(f"{head}\nLook.\n\n{quoted}\nTo: Rita <{RITA}>\n\nGo away.\n")
    take_mail(None, raw)
    assert reporter_and_reported(Report.objects.get()) == (RITA, [MALLORY])


@pytest.mark.parametrize(
    ("subject", "quoted_from"),
    [("RE: you again", "Mallory Offender <mallory@example.com>"), ("FW: About your report", "Stewards <stewards@example.org>")],
    ids=["an-outlook-reply", "the-stewards-letter-passed-on"],
)
def test_a_reply_or_the_stewards_own_letter_names_nobody(settings: Any, subject: str, quoted_from: str) -> None:
    """Outlook quotes the message a reply answers under the same line as a forward; only a forward's subject
    makes it one. And a reporter passing on the stewards' own letter is not reporting the stewards."""
    settings.DEFAULT_FROM_EMAIL = "Stewards <stewards@example.org>"
    quoted = f"________________________________\nFrom: {quoted_from}\nSent: 02 March 2026 23:40\nTo: Rita <{RITA}>"
    take_mail(None, crlf(f"From: Rita <{RITA}>\nTo: conduct@example.org\nSubject: {subject}\n\nSee below.\n\n{quoted}\n\nText.\n"))
    assert reporter_and_reported(Report.objects.get()) == (RITA, [])

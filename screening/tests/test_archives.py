"""A mailing-list archive (mbox) into screening: each message once, replies addressed to whom they answer."""

import gzip
import hashlib
import io
import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from intake.mail import mail_digest
from screening.archives import own_text
from screening.models import Item
from spaces.models import SpaceConnection
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db

LIST_HEADERS = b"List-Id: Development <dev.lists.example.org>\nList-Post: <mailto:dev@lists.example.org>\n"

ROOT = (
    b"From: Alice Example <alice@example.org>\n"
    b"To: dev@lists.example.org\n"
    b"Subject: Parser rewrite\n"
    b"Date: Mon, 05 Jan 2026 10:00:00 +0100\n"
    b"Message-ID: <a1@example.org>\n" + LIST_HEADERS + b"Content-Type: text/plain; charset=utf-8\n\n"
    b"I would like to rewrite the parser.\n\n-- \nAlice Example\n+1 503 555 0100\n"
)
REPLY = (
    b"From: bob@example.org\n"
    b"To: dev@lists.example.org\n"
    b'Cc: Alice Example <alice@example.org>, "Smith, Carol" <carol@example.org>, dev-request@lists.example.org\n'
    b"Subject: Re: Parser rewrite\n"
    b"Date: Mon, 05 Jan 2026 11:30:00 +0000\n"
    b"Message-ID: <b2@example.org>\n"
    b"In-Reply-To: <a1@example.org>\n"
    b"References: <a1@example.org>\n" + LIST_HEADERS + b"\n"
    b"On Mon, 5 Jan 2026, Alice Example wrote:\n"
    b"> I would like to rewrite the parser.\n"
    b"\n"
    b"Nobody asked you, you are an idiot.\n"
    b"_______________________________________________\n"
    b"dev mailing list\n"
    b"dev@lists.example.org\n"
)
# Only References (no In-Reply-To): it answers the last one, Bob.
SECOND_REPLY = (
    b"From: Alice Example <alice@example.org>\n"
    b"To: dev@lists.example.org\n"
    b"Subject: Re: Parser rewrite\n"
    b"Date: Mon, 05 Jan 2026 12:00:00 +0000\n"
    b"Message-ID: <a3@example.org>\n"
    b"References: <a1@example.org> <b2@example.org>\n\n"
    b"> you are an idiot.\n"
    b"Please keep it civil.\n"
)
QUOTE_ONLY = (
    b"From: carol@example.org\n"
    b"Subject: Re: Parser rewrite\n"
    b"Date: Mon, 05 Jan 2026 12:05:00 +0000\n"
    b"Message-ID: <c4@example.org>\n"
    b"In-Reply-To: <a3@example.org>\n\n"
    b"> Please keep it civil.\n"
)
# Pipermail: an obfuscated sender, no Message-ID, Latin-1 text, an encoded subject.
NO_ID_LATIN1 = (
    b"From: dave at example.net (Dave Doe)\n"
    b"Subject: =?iso-8859-1?q?Caf=E9_meeting?=\n"
    b"Date: Tue, 06 Jan 2026 09:00:00 GMT\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: 8bit\n\n"
    b"Meet at the caf\xe9 on Friday.\n"
)
HTML_ONLY = (
    b"From: Erin <erin@example.com>\n"
    b"To: dev@lists.example.org\n"
    b"Subject: Release notes\n"
    b"Date: Wed, 07 Jan 2026 08:00:00 +0000\n"
    b"Message-ID: <e5@example.com>\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: text/html; charset=utf-8\n\n"
    b"<html><body><p>The <b>release</b> is out.</p><style>p{}</style></body></html>\n"
)
# It answers a message the archive does not hold: nobody is known to be addressed.
ORPHAN = (
    b"From: frank@example.org\n"
    b"Subject: Re: Old thread\n"
    b"Date: Thu, 08 Jan 2026 08:00:00 +0000\n"
    b"Message-ID: <f6@example.org>\n"
    b"In-Reply-To: <gone@example.org>\n\n"
    b"Still broken for me.\n"
)
MESSAGES = [ROOT, REPLY, SECOND_REPLY, QUOTE_ONLY, NO_ID_LATIN1, HTML_ONLY, ORPHAN]


def archive(path: Path) -> Path:
    box = mailbox.mbox(path)
    for raw in MESSAGES:
        box.add(raw)
    box.flush()
    box.close()
    return path


def digest_of(message_id: str) -> str:
    return hashlib.sha256(b"message-id:" + message_id.encode()).hexdigest()


@pytest.fixture
def mailman(monkeypatch: pytest.MonkeyPatch) -> SpaceConnection:
    return make_connection(monkeypatch, "mailman", slug="lists", settings={"lists": ["dev.lists.example.org"]})


def read(path: Path, connection: str = "lists") -> str:
    out = io.StringIO()
    call_command("screening_archive", "--connection", connection, str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_archive_is_stored_once_with_replies_addressed(tmp_path: Path, mailman: SpaceConnection) -> None:
    path = archive(tmp_path / "2026-January.txt")
    first = read(path)
    assert "6 new" in first and "1 skipped" in first and "items/s" in first
    again = read(path)
    assert "0 new" in again and "6 already stored" in again
    items = {item.external_id: item for item in Item.objects.filter(connection=mailman)}
    assert len(items) == 6  # the quote-only message has nothing of its own

    root = items[digest_of("<a1@example.org>")]
    assert (root.kind, root.author, root.addressed, root.context) == ("email", "alice@example.org,Alice Example", "", "Parser rewrite")
    assert root.text == "I would like to rewrite the parser."  # the signature (and its phone number) is gone
    assert root.created_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    reply = items[digest_of("<b2@example.org>")]
    assert reply.text == "Nobody asked you, you are an idiot."  # no attribution, no quote, no list footer
    assert reply.author == "bob@example.org"
    # Alice (replied to, and in Cc once), Carol from Cc; the list and its -request address are not people.
    assert reply.addressed == "alice@example.org,carol@example.org"
    assert reply.context == "Re: Parser rewrite"

    second = items[digest_of("<a3@example.org>")]
    assert (second.text, second.addressed) == ("Please keep it civil.", "bob@example.org")
    assert root.thread == reply.thread == second.thread != ""

    latin1 = items[mail_digest(NO_ID_LATIN1)]
    assert latin1.external_id == hashlib.sha256(b"raw:" + NO_ID_LATIN1).hexdigest()
    assert (latin1.text, latin1.author, latin1.context) == ("Meet at the café on Friday.", "dave@example.net,Dave Doe", "Café meeting")

    html = items[digest_of("<e5@example.com>")]
    assert html.text == "The release is out."
    assert html.thread not in ("", root.thread)

    orphan = items[digest_of("<f6@example.org>")]
    assert (orphan.text, orphan.addressed) == ("Still broken for me.", "")


def test_a_gzipped_pipermail_archive_gives_the_same_items(tmp_path: Path, mailman: SpaceConnection) -> None:
    plain = archive(tmp_path / "2026-January.txt")
    packed = tmp_path / "2026-January.txt.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    read(plain)
    assert "0 new" in read(packed)
    assert Item.objects.filter(connection=mailman).count() == 6


def test_only_a_watched_mail_connection_takes_an_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = archive(tmp_path / "list.mbox")
    make_connection(monkeypatch, "github", slug="gh", settings={"org": "acme"})
    make_connection(monkeypatch, "email", slug="mail", settings={"source": "mbox", "path": "/nowhere"})
    SpaceConnection.objects.filter(slug="mail").update(watch=False)
    make_connection(monkeypatch, "mailman", slug="ml", settings={})
    with pytest.raises(CommandError, match="mailman or email"):
        read(path, "gh")
    with pytest.raises(CommandError, match="not watched"):
        read(path, "mail")
    with pytest.raises(CommandError, match="No file"):
        read(tmp_path / "missing.mbox", "ml")
    assert not Item.objects.exists()


def test_own_text_keeps_what_the_author_wrote() -> None:
    body = "Thanks.\n\nOn Tue, Bob wrote:\n> old\n>> older\n\nSee below.\n--\nBob\n"
    assert own_text(body) == "Thanks.\n\nSee below."
    assert own_text("> all quoted\n") == ""
    scrubbed = "Patch attached.\n-------------- next part --------------\nAn HTML attachment was scrubbed...\n"
    assert own_text(scrubbed) == "Patch attached."

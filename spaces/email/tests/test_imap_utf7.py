"""IMAP's modified UTF-7 (RFC 3501 5.1.3): the RFC's own examples, and the names report folders really have."""

import pytest

from spaces.email.imap_utf7 import decode, encode, quoted

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # RFC 3501 5.1.3
        ("Verstöße", "Verst&APYA3w-e"),  # as dovecot lists it
        ("Conduct Reports", "Conduct Reports"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("☺!", "&Jjo-!"),  # RFC 2152's smiley, in the modified alphabet
        ("😀 emoji", "&2D3eAA- emoji"),  # outside the BMP: a UTF-16 surrogate pair
        ("INBOX", "INBOX"),
        ("", ""),
    ],
)
def test_names_encode_and_decode_as_the_rfc_says(name: str, wire: str) -> None:
    assert encode(name) == wire
    assert decode(wire) == name


def test_a_slash_in_the_base64_becomes_a_comma() -> None:
    assert "/" not in encode("台北") and "," in encode("台北")


@pytest.mark.parametrize("wire", ["Verst&APY", "Verst&APYA3w", "&U/BTFw-", "Verstöße"])
def test_text_that_is_not_modified_utf7_is_refused(wire: str) -> None:
    with pytest.raises(ValueError, match="not modified UTF-7"):
        decode(wire)


def test_a_name_is_quoted_for_the_wire() -> None:
    assert quoted('Conduct "Reports"\\old') == '"Conduct \\"Reports\\"\\\\old"'
    assert quoted("Verstöße") == '"Verst&APYA3w-e"'

"""IMAP's modified UTF-7 for folder names (RFC 3501 section 5.1.3), which Python's imaplib does not provide.

Printable ASCII stands for itself, except "&", which is written "&-". Every other run of characters is
written as "&", its UTF-16 (big-endian) bytes in base64 with "," for "/" and without padding, and "-".
So "Verstöße" travels as "Verst&APYA3w-e" and "台北" as "&U,BTFw-".
"""

import base64
import binascii

_PRINTABLE = range(0x20, 0x7F)


def encode(name: str) -> str:
    out: list[str] = []
    run: list[str] = []
    for char in name:
        if ord(char) in _PRINTABLE:
            _flush(run, out)
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    _flush(run, out)
    return "".join(out)


def _flush(run: list[str], out: list[str]) -> None:
    if run:
        packed = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii").rstrip("=")
        out.append("&" + packed.replace("/", ",") + "-")
        run.clear()


def decode(text: str) -> str:
    """The folder name a server's LIST answer means; ValueError for text that is not modified UTF-7."""
    out: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if ord(char) not in _PRINTABLE:
            raise ValueError(f"not modified UTF-7: raw character {char!r}")
        if char != "&":
            out.append(char)
            position += 1
            continue
        end = text.find("-", position)
        if end < 0:
            raise ValueError("not modified UTF-7: a shifted run without its closing '-'")
        packed = text[position + 1 : end]
        if "/" in packed or "=" in packed:  # the modified alphabet has "," for "/" and never pads
            raise ValueError(f"not modified UTF-7: {packed!r}")
        if packed:
            try:
                raw = base64.b64decode(packed.replace(",", "/") + "=" * (-len(packed) % 4), validate=True)
                out.append(raw.decode("utf-16-be"))
            except (binascii.Error, UnicodeDecodeError) as error:
                raise ValueError(f"not modified UTF-7: {packed!r}") from error
        else:
            out.append("&")
        position = end + 1
    return "".join(out)


def quoted(name: str) -> str:
    """A folder name as an IMAP quoted string, encoded: imaplib sends arguments as they are, so a space would split it."""
    return '"' + encode(name).replace("\\", "\\\\").replace('"', '\\"') + '"'

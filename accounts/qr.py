"""The enrolment QR code as a data: URI (the CSP allows data: images, and nothing inline)."""

import base64
from base64 import b32encode

import qrcode
from qrcode.image.svg import SvgPathFillImage


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=SvgPathFillImage, box_size=8, border=4)
    svg: bytes = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def readable_secret(key: bytes) -> str:
    """Base32 in groups of four, the way authenticator apps ask for it when typed by hand."""
    text = b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

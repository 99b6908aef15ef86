"""Evidence files: checked by content (not by name), stored outside the web root under their hash.

Blobs are encrypted at rest (privacy.keys); the file name stays the SHA-256 of the plain content, so
dedupe and integrity checks still work, and `manage.py rotate_keys` re-encrypts them.

Files are only ever served as downloads (see cases.views_files), never inline, so even a file that
slipped past these checks cannot run in a steward's browser.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from privacy.keys import decrypt_bytes, encrypt_bytes

# Extension -> the content type the bytes must turn out to be.
ALLOWED_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".md": "text/plain",
    ".csv": "text/plain",
    ".eml": "message/rfc822",
}
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    content_type: str
    size: int
    sha256: str
    content: bytes


def describe_allowed() -> str:
    return "PNG, JPEG, GIF or WebP images, PDF documents, plain text (.txt, .log, .md, .csv) and saved e-mails (.eml)"


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Read and check one upload; raise ValidationError with a message the uploader can act on."""
    name = Path(upload.name or "file").name[:255]
    limit = settings.STEWARD_EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"“{name}” is {upload.size / 1_048_576:.1f} MB; files can be at most {limit / 1_048_576:.0f} MB each.")
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(f"“{name}” is larger than {limit / 1_048_576:.0f} MB.")
    if not content:
        raise ValidationError(f"“{name}” is empty.")
    extension = Path(name).suffix.lower()
    expected = ALLOWED_TYPES.get(extension)
    if expected is None:
        raise ValidationError(f"“{name}” is not a type we accept. You can upload {describe_allowed()}.")
    if not _content_matches(content, expected):
        raise ValidationError(
            f"“{name}” does not contain what its name says ({expected}); it was not accepted. Please upload the original file."
        )
    return CheckedFile(name, expected, len(content), hashlib.sha256(content).hexdigest(), content)


def _content_matches(content: bytes, expected: str) -> bool:
    if expected in SIGNATURES:
        return content.startswith(SIGNATURES[expected])
    if expected == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    # Text-like files: must be text, and must not be some other recognised format renamed.
    if b"\x00" in content[:8192]:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _looks_like_binary_format(content)


def _looks_like_binary_format(content: bytes) -> bool:
    try:
        guesses = puremagic.magic_string(content[:8192])
    except (puremagic.PureError, ValueError):
        return False
    return any(g.confidence >= 0.8 and not (g.mime_type or "").startswith(("text/", "message/")) for g in guesses)


def blob_path(sha256: str) -> Path:
    return Path(settings.STEWARD_EVIDENCE_DIR) / sha256[:2] / sha256


def store_blob(checked: CheckedFile) -> bool:
    """Write the file under its hash; return True if this call created it (so a rollback can remove it)."""
    path = blob_path(checked.sha256)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Write to a temporary file and rename, so a crash never leaves a half-written blob under the hash.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(encrypt_bytes(checked.content))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return True


def remove_blobs(sha256s: list[str]) -> None:
    for sha in sha256s:
        blob_path(sha).unlink(missing_ok=True)


def read_blob(sha256: str) -> bytes:
    """The plain content; raises privacy.keys.DecryptionError when no configured key opens it."""
    return decrypt_bytes(blob_path(sha256).read_bytes(), f"evidence file {sha256[:12]}")

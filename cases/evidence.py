"""Evidence files: checked by content (not by name), stored outside the web root under their hash.

Blobs are encrypted at rest (privacy.keys); the file name stays the SHA-256 of the plain content, so
dedupe and integrity checks still work, and `manage.py rotate_keys` re-encrypts them.

Files are only ever served as downloads (see cases.views_files), never inline, so even a file that
slipped past these checks cannot run in a steward's browser.

A blob is written before its Evidence row commits, so for a while a blob has no committed row. Two
rules keep a removal (a failed transaction's clean-up, erasure, the leftover sweep) from taking a file
such an upload is about to commit a row for:
- storing takes a shared lock on the evidence directory, removing an exclusive one, and storing a blob
  that already exists touches it (its mtime says "an upload is using this now");
- a removal happens under the lock, and only for a blob no committed row uses and that no upload
  touched after a point the remover knows to be safe: the grace period for the leftover sweep (no
  upload's transaction runs that long); for erasure, also the moment the erased evidence was added
  (every touch by a committed upload comes before its row's `added_at`, so a later mtime means an
  upload still in flight, or one that died, which the sweep then handles); for a failed transaction's
  clean-up, the mtime it wrote the blob with.
"""

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from cases.models import Evidence
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


# Temporary files of a write in progress (store_blob, key rotation); a crash can leave one behind.
INCOMING_PREFIX = ".incoming-"
# Longer than any upload's transaction or any blob write: what is older than this and unused is a leftover.
LEFTOVER_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class WrittenBlob:
    """A blob this transaction created, and its mtime then: a later touch means another upload uses it too."""

    sha256: str
    mtime_ns: int


def evidence_root() -> Path:
    return Path(settings.STEWARD_EVIDENCE_DIR)


def blob_path(sha256: str) -> Path:
    return evidence_root() / sha256[:2] / sha256


@contextmanager
def store_lock(*, exclusive: bool) -> Iterator[None]:
    """flock on the evidence directory: shared while storing, exclusive while removing (see the module doc)."""
    root = evidence_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


def store_blob(checked: CheckedFile) -> WrittenBlob | None:
    """Write the file under its hash; return it if this call created it (so a rollback can remove it)."""
    path = blob_path(checked.sha256)
    with store_lock(exclusive=False):
        if path.exists():
            # Same content as a stored file: mark it in use, so no removal takes it before our row commits.
            # Strictly later than its mtime, which file-system clock granularity alone would not promise.
            touched = max(time.time_ns(), path.stat().st_mtime_ns + 1)
            os.utime(path, ns=(touched, touched))
            return None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Write to a temporary file and rename, so a crash never leaves a half-written blob under the hash.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=INCOMING_PREFIX)
        with os.fdopen(fd, "wb") as handle:
            handle.write(encrypt_bytes(checked.content))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return WrittenBlob(checked.sha256, path.stat().st_mtime_ns)


def discard_written(blobs: list[WrittenBlob]) -> int:
    """After a failed transaction: remove the blobs it created, unless a committed row or another upload uses them."""
    if not blobs:
        return 0
    removed = 0
    with store_lock(exclusive=True):
        used = evidence_in_use([blob.sha256 for blob in blobs])
        for blob in blobs:
            path = blob_path(blob.sha256)
            if blob.sha256 not in used and _mtime_ns(path) == blob.mtime_ns:
                path.unlink()
                removed += 1
    return removed


def remove_unused_blobs(cutoffs: dict[str, int]) -> int:
    """Remove each blob no committed row uses and no upload touched since its cutoff (ns); return how many.

    A blob touched later is left for the leftover sweep, which comes back to it once the grace has passed.
    """
    if not cutoffs:
        return 0
    removed = 0
    with store_lock(exclusive=True):
        # Asked under the lock: an upload that uses one of these after this query must first touch it, and cannot yet.
        used = evidence_in_use(cutoffs)
        for sha, cutoff in sorted(cutoffs.items()):
            path = blob_path(sha)
            mtime = _mtime_ns(path)
            if sha not in used and mtime is not None and mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


def remove_stale_incoming(paths: Iterable[Path], *, older_than_ns: int) -> int:
    """Remove temporary files of writes that never finished (the writer died); a write in progress is younger."""
    paths = list(paths)
    if not paths:
        return 0
    removed = 0
    with store_lock(exclusive=True):
        for path in paths:
            mtime = _mtime_ns(path)
            if path.name.startswith(INCOMING_PREFIX) and mtime is not None and mtime < older_than_ns:
                path.unlink()
                removed += 1
    return removed


def evidence_in_use(sha256s: Iterable[str]) -> set[str]:
    """Which of these blobs a committed Evidence row uses (Evidence is the only model that names blobs)."""
    found: set[str] = set()
    batch = list(sha256s)
    for start in range(0, len(batch), 500):  # under SQLite's limit on query parameters
        found.update(Evidence.objects.filter(sha256__in=batch[start : start + 500]).values_list("sha256", flat=True))
    return found


def stored_files() -> Iterator[Path]:
    """Every file in the store: blobs (named by hash) and temporary `.incoming-` files."""
    root = evidence_root()
    if root.exists():
        yield from (path for path in root.glob("*/*") if path.is_file())


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def read_blob(sha256: str) -> bytes:
    """The plain content; raises privacy.keys.DecryptionError when no configured key opens it."""
    return decrypt_bytes(blob_path(sha256).read_bytes(), f"evidence file {sha256[:12]}")

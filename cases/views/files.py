"""Evidence downloads. A file is only ever handed over as an attachment the browser will not render.

Whatever an uploaded file really contains, the response makes the browser save it rather than show
it: a neutral content type, no sniffing, and a sandbox CSP in case it is opened anyway.
"""

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from cases.access import access_evidence, merged_target
from cases.actions import log_evidence_download
from cases.evidence import read_blob
from cases.views.common import steward_only

UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/;:*?<>|%]')


def safe_filename(name: str, fallback: str = "evidence") -> str:
    """The file's own name without any path, control characters, or characters that break the header."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = unicodedata.normalize("NFC", UNSAFE.sub("_", name)).strip(" .")
    return name[:150] or fallback


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and, when that differs, the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    exact = safe_filename(name)
    path = PurePosixPath(exact)
    ascii_name = safe_filename((_ascii(path.stem).strip() or "evidence") + _ascii(path.suffix))
    header = f'attachment; filename="{ascii_name}"'
    if exact != ascii_name:
        header += f"; filename*=UTF-8''{quote(exact, safe='')}"
    return header


@require_safe
@steward_only
def evidence_download(request: HttpRequest, code: str, evidence_id: int) -> HttpResponse:
    moved = merged_target(request.user, code)
    if moved is not None:
        # The file moved with its case; the old link leads there for the joined case's readers only.
        return HttpResponseRedirect(reverse("cases:evidence_download", kwargs={"code": moved.code_name, "evidence_id": evidence_id}))
    evidence = access_evidence(request.user, code, evidence_id)
    if not evidence.is_file:
        raise Http404("This evidence is a link, not a file.")
    try:
        content = read_blob(evidence.sha256)
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    log_evidence_download(request.user, evidence.case, evidence)
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(evidence.original_name or f"evidence-{evidence.pk}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(content))
    return response

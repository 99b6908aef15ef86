"""The leftover sweep: evidence files a crash left behind, which nothing else would ever remove.

A worker or web process that dies mid-upload can leave a `.incoming-` temporary file (it died while
writing) or a whole blob with no Evidence row (it died after writing, before its transaction
committed, or after erasure committed but before erasure's after-commit removal ran). Retention never
sees those: it erases rows, and these have none. The sweep removes both once they are older than
cases.evidence.LEFTOVER_GRACE, so an upload still in progress, whose row is not committed yet, keeps
its file (see cases.evidence for why the grace and the store lock together make that safe).

It runs with the clocks' periodic sweep and as `manage.py sweep_evidence`. Its audit event carries
counts only: the log outlives erasure and must not hold evidence hashes.
"""

from datetime import datetime
from pathlib import Path

from django.utils import timezone

from audit.log import record
from cases.evidence import INCOMING_PREFIX, LEFTOVER_GRACE, evidence_in_use, remove_stale_incoming, remove_unused_blobs, stored_files
from steward.once import exclusive

SHA256_NAME_LENGTH = 64


@exclusive("evidence.leftovers", busy=lambda: {"incoming": 0, "unused": 0, "already_running": 1})
def sweep_leftover_evidence(now: datetime | None = None) -> dict[str, int]:
    """Remove stale temporary files and unused blobs older than the grace; return how many of each."""
    cutoff_ns = int(((now or timezone.now()) - LEFTOVER_GRACE).timestamp() * 1_000_000_000)
    incoming: list[Path] = []
    old_blobs: list[str] = []
    for path in stored_files():
        if path.stat().st_mtime_ns >= cutoff_ns:
            continue
        if path.name.startswith(INCOMING_PREFIX):
            incoming.append(path)
        elif len(path.name) == SHA256_NAME_LENGTH and path.parent.name == path.name[:2]:
            old_blobs.append(path.name)
    # A first look outside the lock, so the exclusive lock is held only for the few real candidates.
    unused = sorted(set(old_blobs) - evidence_in_use(old_blobs))
    counts = {
        "incoming": remove_stale_incoming(incoming, older_than_ns=cutoff_ns),
        "unused": remove_unused_blobs(dict.fromkeys(unused, cutoff_ns)),
    }
    if any(counts.values()):
        record(
            "evidence.leftovers_removed",
            f"Leftover evidence files removed: {counts['incoming']} unfinished write(s), {counts['unused']} file(s) no evidence uses",
            data=counts,
        )
    return counts

"""Loading policy versions and finding the one in force.

Other apps call `current_version()` (to record on a case which version applied) and
`current_policy()` (for categories, ladder, timelines, decision rule...). Both cost one small
indexed query and no parsing once a version has been seen, and they never cache the row itself,
so a newly loaded version is visible to the very next call (in tests as in production).
"""

import hashlib
import re
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from policy.errors import PolicyError, PolicyProblem
from policy.loader import parse_policy, read_policy_text
from policy.models import PolicyVersion
from policy.schema import Policy


def load_policy_version(path: str | Path | None = None, *, text: str | None = None, source_name: str = "") -> tuple[PolicyVersion, bool]:
    """Validate a policy (a file path, or `text`) and store it as a new version if it changed.

    Returns (version, created). The same file loaded again returns the existing row. An edit that
    changes nothing but comments or layout also returns the existing row. A real change must carry
    a new `version` and an `effective_from` no earlier than the latest loaded version's, otherwise
    PolicyError explains what to change. With neither argument, loads settings.STEWARD_POLICY_FILE.
    """
    if text is None:
        path = settings.STEWARD_POLICY_FILE if path is None else path
        source_name = source_name or str(path)
        text = read_policy_text(path)
    source_name = source_name or "<policy>"
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = PolicyVersion.objects.filter(source_sha256=sha).first()
    if existing is not None:
        return existing, False
    policy = parse_policy(text, source_name)
    data = policy.to_dict()
    with transaction.atomic():
        same_label = PolicyVersion.objects.filter(version=policy.version).order_by("-id").first()
        if same_label is not None:
            if same_label.data == data:
                return same_label, False
            raise _refuse(
                text,
                source_name,
                "version",
                f'version "{policy.version}" is already loaded with different content; give the changed file a new version',
            )
        latest = PolicyVersion.objects.order_by("-effective_from", "-id").first()
        if latest is not None and policy.effective_from < latest.effective_from:
            raise _refuse(
                text,
                source_name,
                "effective_from",
                f"{policy.effective_from} is earlier than {latest.effective_from}, the effective date of "
                f'the latest loaded version "{latest.version}"; history cannot be rewritten',
            )
        try:
            with transaction.atomic():
                row = PolicyVersion.objects.create(
                    version=policy.version,
                    name=policy.name,
                    effective_from=policy.effective_from,
                    source_name=source_name[:500],
                    source_sha256=sha,
                    source_text=text,
                    data=data,
                )
        except IntegrityError:
            # Another process stored the same file between our check and our insert.
            return PolicyVersion.objects.get(source_sha256=sha), False
    return row, True


def current_version(on: date | None = None) -> PolicyVersion:
    """The version in force on `on` (default today): the latest whose effective_from <= that date.

    Before the earliest version's date, that earliest version is returned (there is nothing older).
    With no version loaded at all, settings.STEWARD_POLICY_FILE is loaded first.
    """
    day = on or timezone.localdate()
    row = PolicyVersion.objects.filter(effective_from__lte=day).order_by("-effective_from", "-id").first()
    if row is None:
        row = PolicyVersion.objects.order_by("effective_from", "id").first()
    if row is None:
        row, _ = load_policy_version()
    return row


def current_policy(on: date | None = None) -> Policy:
    """The Policy in force on `on` (default today)."""
    return current_version(on).policy


def _refuse(text: str, source: str, key: str, message: str) -> PolicyError:
    match = re.search(rf"^{key}\s*:", text, flags=re.MULTILINE)
    line = text.count("\n", 0, match.start()) + 1 if match else 1
    return PolicyError([PolicyProblem(source, line, key, message)])

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
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.log import record
from policy.errors import PolicyError, PolicyProblem
from policy.loader import parse_policy, read_policy_text
from policy.models import PolicyVersion
from policy.schema import Policy

LABEL_LENGTH = PolicyVersion._meta.get_field("version").max_length or 50


def load_policy_version(
    path: str | Path | None = None, *, text: str | None = None, source_name: str = "", actor: Any = None
) -> tuple[PolicyVersion, bool]:
    """Validate a policy (a file path, or `text`) and store it as a new version if it changed.

    Returns (version, created). The same file loaded again returns the existing row. An edit that
    changes nothing but comments or layout also returns the existing row. A real change becomes a new
    version; when the file still declares the version label already loaded (an upgrade shipped an
    edited default file, or a steward forgot to bump it), the new row is told apart by a suffix:
    `1.0` changed becomes `1.0+2`, then `1.0+3` (see `distinct_label`). `effective_from` may not be
    earlier than the latest loaded version's, otherwise PolicyError explains what to change. With
    neither argument, loads settings.STEWARD_POLICY_FILE. A stored version is audited (`policy.loaded`).
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
        same_label = _latest_under_label(policy.version)
        if same_label is not None and same_label.data == data:
            return same_label, False
        latest = PolicyVersion.objects.order_by("-effective_from", "-id").first()
        if latest is not None and policy.effective_from < latest.effective_from:
            raise _refuse(
                text,
                source_name,
                "effective_from",
                f"{policy.effective_from} is earlier than {latest.effective_from}, the effective date of "
                f'the latest loaded version "{latest.version}"; history cannot be rewritten',
            )
        label = policy.version if same_label is None else distinct_label(policy.version)
        try:
            with transaction.atomic():
                row = PolicyVersion.objects.create(
                    version=label,
                    name=policy.name,
                    effective_from=policy.effective_from,
                    source_name=source_name[:500],
                    source_sha256=sha,
                    source_text=text,
                    data=data,
                )
                _record_loaded(row, policy.version, actor)
        except IntegrityError:
            # Another process stored the same file between our check and our insert.
            return PolicyVersion.objects.get(source_sha256=sha), False
    return row, True


def distinct_label(declared: str) -> str:
    """`declared` is taken by different content: `declared+N`, N counting the texts loaded under it (2, 3…).

    The suffix is what stewards see on a case ("AI Alliance Code of Conduct 1.0+2"), and it sorts and
    reads as "the second text that called itself 1.0". A label someone declared by hand is skipped.
    """
    taken = set(PolicyVersion.objects.values_list("version", flat=True))
    number = 2
    while (label := _suffixed(declared, number)) in taken:
        number += 1
    return label


def _suffixed(declared: str, number: int) -> str:
    suffix = f"+{number}"
    return declared[: LABEL_LENGTH - len(suffix)] + suffix


def _latest_under_label(declared: str) -> PolicyVersion | None:
    """The latest row loaded from a file declaring `declared` (its own label, or one `distinct_label` made)."""
    return PolicyVersion.objects.filter(data__version=declared).order_by("-id").first()


def _record_loaded(row: PolicyVersion, declared: str, actor: Any) -> None:
    day = row.effective_from.isoformat()
    record(
        "policy.loaded",
        f"Loaded {row.name} version {row.version}, in force from {day}",
        actor=actor,
        data={
            "version": row.version,
            "declared_version": declared,
            "sha256": row.source_sha256,
            "effective_from": day,
            "source_name": row.source_name,
            "policy_version": row.pk,
        },
    )


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

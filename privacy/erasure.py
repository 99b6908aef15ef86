"""Erasing a case at its retention date (or on expunge), keeping only an anonymous statistic.

Order matters: the statistic is written first, then the reports (Report.case is PROTECT), then the
case and everything that cascades from it; after commit, evidence files that no Evidence row uses
any more are removed (a file shared with another case's evidence stays until its last row goes; one
an upload touched within cases.evidence.LEFTOVER_GRACE, and one whose removal a crash prevented, goes
with the leftover sweep, privacy.leftovers), and people who are in no other case (and are not
stewards) go with their identities. The audit log keeps only the event kind, the code name and the
summaries.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from audit.log import record
from cases.evidence import LEFTOVER_GRACE, remove_unused_blobs
from cases.models import Case, ConflictDeclaration, ConflictLevel, Evidence, Party, PartyRole, Report
from clocks.deadlines import first_follow_up_at
from people.models import Person
from privacy.models import CaseRetention, CaseStatistic

# File times and database times come from the same clock, but file systems round them: a little leeway.
CLOCK_SLACK = timedelta(seconds=1)


def _month(moment: datetime | None) -> date | None:
    return timezone.localdate(moment).replace(day=1) if moment is not None else None


def _hours(start: datetime, end: datetime | None) -> float | None:
    return round((end - start).total_seconds() / 3600, 1) if end is not None else None


def _model(name: str) -> Any:
    """A model of the decisions app, or None where that app is not installed."""
    try:
        return apps.get_model("decisions", name)
    except LookupError:
        return None


def _latest_decision(case: Case) -> Any:
    """The decisions app's last decision for the case, if that app and a decision exist."""
    model = _model("Decision")
    return model.objects.filter(case=case).order_by("-decided_at", "-id").first() if model is not None else None


def _appeal_outcomes(case: Case) -> list[str]:
    model = _model("Appeal")
    if model is None:
        return []
    return sorted(outcome or "open" for outcome in model.objects.filter(decision__case=case).values_list("outcome", flat=True))


def _is_restorative(decision: Any) -> bool | None:
    """A sanction whose level removes no one from a space and sets no period of restrictions (a correction):
    restorative; any other level: punitive. Read from the policy the decision was taken under."""
    if decision is None or decision.outcome_class != "sanction":
        return None
    try:
        level = decision.policy_version.policy.level(decision.outcome)
    except KeyError:
        return None
    return not level.enforce and not level.needs_period and not level.needs_no_contact


def statistic_for(case: Case, *, expunged: bool = False) -> CaseStatistic:
    """The anonymous facts of one case: what erasure keeps, and what the transparency report counts for live cases."""
    reports = list(Report.objects.filter(case=case))
    decision = _latest_decision(case)
    # A case closed without a decision keeps the non-sanction outcome it was closed with (cases.actions).
    outcome = str(getattr(decision, "outcome", "") or case.outcome or "")
    is_sanction = getattr(decision, "outcome_class", "") == "sanction"
    categories = sorted({category for report in reports for category in (report.categories or [])})
    parties = list(Party.objects.filter(case=case).values_list("role", flat=True))
    return CaseStatistic(
        created_month=timezone.localdate(case.created_at).replace(day=1),
        closed_month=_month(case.closed_at),
        erased_at=timezone.now(),
        status=case.status,
        outcome=outcome,
        level=outcome if is_sanction else "",
        space=next((report.space for report in reports if report.space), ""),
        categories=categories,
        had_reporter_anonymous=any(report.anonymous for report in reports),
        hours_to_acknowledgement=_hours(case.created_at, case.acknowledged_at),
        hours_to_decision=_hours(case.created_at, getattr(decision, "decided_at", None) or case.decided_at),
        reports=len(reports),
        parties=len(parties),
        recusals=ConflictDeclaration.objects.filter(case=case).exclude(level=ConflictLevel.NONE).count(),
        expunged=expunged,
        channels=sorted(report.channel for report in reports),
        reported_people=sum(1 for role in parties if role == PartyRole.REPORTED),
        outcome_class=str(getattr(decision, "outcome_class", "") or ""),
        restorative=_is_restorative(decision),
        hours_to_first_response=_hours(case.created_at, first_follow_up_at(case)),
        appeal_outcomes=_appeal_outcomes(case),
        handled_locally=case.handled_locally,
    )


def _with_merged(case: Case) -> list[Case]:
    """The case and every case joined into it (empty shells after the merge), innermost first."""
    found: list[Case] = []
    for source in Case.objects.filter(merged_into=case):
        found.extend(_with_merged(source))
    return [*found, case]


def erase_case(case_id: int, *, expunged: bool = False, actor: Any = None) -> bool:
    """Erase one case now; True if it was erased. Safe to call twice (the second call finds nothing)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        group = _with_merged(case)
        statistic = statistic_for(case, expunged=expunged)
        statistic.save()
        blobs = dict(
            Evidence.objects.filter(case__in=group)
            .exclude(sha256="")
            .order_by()
            .values("sha256")
            .annotate(last_added=Max("added_at"))
            .values_list("sha256", "last_added")
        )
        people = set(Party.objects.filter(case__in=group).values_list("person_id", flat=True))
        code_name = case.code_name
        for member in group:
            Report.objects.filter(case=member).delete()
            member.delete()
        kind = "case.expunged" if expunged else "case.erased"
        summary = f"Case {code_name} expunged" if expunged else f"Case {code_name} erased at its retention date"
        record(kind, summary, actor=actor, case_id=case_id, data={"code_name": code_name, "statistic": statistic.pk})
        transaction.on_commit(lambda: remove_erased_blobs(blobs), robust=True)
        remove_orphaned_people(people)
    return True


def remove_erased_blobs(last_added: dict[str, datetime]) -> int:
    """The erased evidence's files that no remaining row uses, now.

    Not one that an upload touched after the erased evidence was added (a concurrent upload of the same
    content, whose row is not committed yet): the leftover sweep removes that later if it stays unused.
    """
    grace = _ns(timezone.now() - LEFTOVER_GRACE)
    return remove_unused_blobs({sha: max(grace, _ns(added + CLOCK_SLACK)) for sha, added in last_added.items()})


def _ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000_000)


def remove_orphaned_people(person_ids: set[int]) -> None:
    """People from an erased case who are in no other case and are not stewards; identities cascade."""
    for person in Person.objects.filter(pk__in=person_ids, parties__isnull=True, steward_profile__isnull=True):
        try:
            with transaction.atomic():
                person.delete()
        except ProtectedError:
            continue  # still referenced elsewhere (e.g. a sanction in another case): kept


def ensure_retention(case: Case) -> CaseRetention | None:
    """Set (or clear) the retention date from the case's closing and its policy version."""
    retention = CaseRetention.objects.filter(case=case).first()
    if case.closed_at is not None and case.status == "closed":
        until = case.closed_at + timedelta(days=case.policy_version.policy.retention_days)
        if retention is None:
            return CaseRetention.objects.create(case=case, retain_until=until)
        if retention.retain_until != until:
            CaseRetention.objects.filter(pk=retention.pk).update(retain_until=until)
            retention.retain_until = until
        return retention
    if retention is not None and retention.retain_until is not None:
        CaseRetention.objects.filter(pk=retention.pk).update(retain_until=None)
        retention.retain_until = None
    return retention


def due_case_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    for case in Case.objects.filter(status="closed", closed_at__isnull=False, retention__isnull=True):
        ensure_retention(case)
    return list(
        CaseRetention.objects.filter(retain_until__lte=now, legal_hold=False, case__merged_into__isnull=True)
        .order_by("retain_until")
        .values_list("case_id", flat=True)
    )

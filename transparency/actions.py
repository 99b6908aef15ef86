"""Every change to a transparency report: draft, recompute, summary, sign-off. Each writes an audit event in
its own transaction. A report is computed by one steward and signed off by another; once signed off it is
frozen (its figures are never recomputed, so a later erasure or a late decision changes nothing in it)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from people.access import is_active_steward
from policy.periods import NotAPeriod, Period, parse
from policy.services import current_policy
from transparency.figures import compute
from transparency.models import ReportStatus, TransparencyReport

SUMMARY_LIMIT = 5000


def _steward(user: Any) -> None:
    if not is_active_steward(user):
        raise PermissionDenied


def period_from_label(label: str) -> Period:
    """The policy's period named `label`; ValidationError for a name the policy does not report on."""
    try:
        return parse(label, current_policy().transparency.period_months)
    except NotAPeriod as error:
        raise ValidationError(_("There is no report period called %(label)s.") % {"label": label}) from error


def _clean_summary(summary: str) -> str:
    summary = summary.strip()
    if len(summary) > SUMMARY_LIMIT:
        raise ValidationError(_("The summary can be at most %(limit)d characters.") % {"limit": SUMMARY_LIMIT})
    return summary


def _unsigned(report: TransparencyReport) -> TransparencyReport:
    """The report, locked, refusing one that was signed off meanwhile: a signed-off report is frozen."""
    locked = TransparencyReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_signed_off:
        raise ValidationError(_("This report has been signed off; it can no longer change."))
    return locked


def do_draft_report(steward: Any, label: str, summary: str = "") -> TransparencyReport:
    _steward(steward)
    period = period_from_label(label)
    if not period.has_ended(timezone.localdate()):
        raise ValidationError(_("A report can be drafted once its period has ended (after %(day)s).") % {"day": period.last_day})
    summary = _clean_summary(summary)
    figures = compute(period)
    now = timezone.now()
    try:
        with transaction.atomic():
            report = TransparencyReport.objects.create(
                period=period.label, first_day=period.first_day, last_day=period.last_day, figures=figures, summary=summary,
                drafted_by=steward, drafted_at=now, changed_by=steward, changed_at=now,
            )  # fmt: skip
            record("transparency.drafted", f"Transparency report {period.label} drafted", actor=steward, data={"report": report.pk})
    except IntegrityError as error:
        raise ValidationError(_("A report for %(label)s exists already.") % {"label": period.label}) from error
    return report


def do_recompute_report(steward: Any, report: TransparencyReport) -> TransparencyReport:
    """The draft's figures computed again from the facts as they are now (cases decided since, for example)."""
    _steward(steward)
    figures = compute(period_from_label(report.period))
    with transaction.atomic():
        report = _unsigned(report)
        report.figures = figures
        _changed(report, steward)
        record("transparency.recomputed", f"Transparency report {report.period} recomputed", actor=steward, data={"report": report.pk})
    return report


def do_edit_summary(steward: Any, report: TransparencyReport, summary: str) -> TransparencyReport:
    _steward(steward)
    summary = _clean_summary(summary)
    with transaction.atomic():
        report = _unsigned(report)
        report.summary = summary
        _changed(report, steward)
        record(
            "transparency.summary_edited", f"Transparency report {report.period}: summary edited", actor=steward, data={"report": report.pk}
        )
    return report


def _changed(report: TransparencyReport, steward: Any) -> None:
    report.revision += 1
    report.changed_by, report.changed_at = steward, timezone.now()
    report.save()


def earliest_publication(report: TransparencyReport) -> date:
    """The day after the period ends, plus the policy's delay."""
    return report.last_day + timedelta(days=1 + current_policy().transparency.publish_delay_days)


@dataclass(frozen=True)
class SignOff:
    revision: int  # the revision the signing steward read: a change since then must be read first
    publish_on: date | None = None  # none: as soon as the policy allows


def may_sign_off(steward: Any, report: TransparencyReport) -> bool:
    """The second-steward rule: not whoever drafted the report, nor whoever changed it last."""
    return steward.pk not in (report.drafted_by_id, report.changed_by_id)


def awaiting_sign_off_by(steward: Any) -> QuerySet[TransparencyReport]:
    """Drafts this steward may sign off (may_sign_off, as one query), most recently changed first."""
    drafts = TransparencyReport.objects.filter(status=ReportStatus.DRAFT)
    return drafts.exclude(drafted_by=steward).exclude(changed_by=steward).order_by("-changed_at", "-id")


def do_sign_off(steward: Any, report: TransparencyReport, sign_off: SignOff) -> TransparencyReport:
    _steward(steward)
    with transaction.atomic():
        report = _unsigned(report)
        if not may_sign_off(steward, report):
            raise ValidationError(_("A second steward signs a report off: not the one who drafted or last changed it."))
        if sign_off.revision != report.revision:
            raise ValidationError(_("The draft changed since you opened it. Read it again before signing it off."))
        earliest = max(earliest_publication(report), timezone.localdate())
        if sign_off.publish_on is not None and sign_off.publish_on < earliest:
            raise ValidationError(_("It can be published on %(day)s at the earliest.") % {"day": earliest.isoformat()})
        report.status = ReportStatus.SIGNED_OFF
        report.signed_off_by, report.signed_off_at = steward, timezone.now()
        report.publish_on = sign_off.publish_on or earliest
        report.save()
        record(
            "transparency.signed_off",
            f"Transparency report {report.period} signed off, public from {report.publish_on.isoformat()}",
            actor=steward,
            data={"report": report.pk, "publish_on": report.publish_on.isoformat()},
        )
    return report

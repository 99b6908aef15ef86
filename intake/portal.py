"""What a reporter sees through their follow-up link: only their own report and its reporter-audience thread.

The caller has already passed `cases.access.access_report_by_link`; every query here is scoped to
that one report, so another report's messages, and stewards-only messages, can never appear.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.models import Audience, Evidence, Message, Report, Status


@dataclass(frozen=True)
class ReporterStatus:
    title: str
    explanation: str


def reporter_status(report: Report) -> ReporterStatus:
    """The case status in words a reporter understands, without internal details."""
    case = report.case
    status = case.status
    if status == Status.NEW:
        if case.on_file_only:
            return ReporterStatus(
                _("Received and kept on file"),
                _("As you asked, your report is kept on file. No action is taken on it unless the same person is reported again."),
            )
        return ReporterStatus(_("Received"), _("Your report has arrived and is waiting for a steward to acknowledge it."))
    if status == Status.ACKNOWLEDGED:
        return ReporterStatus(_("Acknowledged"), _("A steward has read your report. The stewards are deciding how to look into it."))
    if status == Status.INVESTIGATING:
        return ReporterStatus(_("Being looked into"), _("The stewards are looking into what happened. They may ask you questions here."))
    if status == Status.DECIDED:
        return ReporterStatus(_("Decided"), _("The stewards have reached a decision. Any message about it for you appears below."))
    return ReporterStatus(_("Closed"), _("The stewards have finished their work on this report. You can still add information below."))


def reporter_messages(report: Report) -> QuerySet[Message]:
    """Messages meant for this reporter (from the stewards and from the reporter), oldest first."""
    return Message.objects.filter(report=report, audience=Audience.REPORTER).order_by("created_at", "id")


def reporter_evidence(report: Report) -> QuerySet[Evidence]:
    """The files this reporter added themselves (names and sizes only; the portal never serves files)."""
    return Evidence.objects.filter(report=report, added_by_reporter=True).order_by("added_at", "id")

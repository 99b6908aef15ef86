"""What the review of inbound space events adds to the case page and the queue (cases.panels).

`install()` is called once from EnforcementConfig.ready. The panel's context runs after the case
page has passed the access layer with Need.READ; the form only shows to stewards who may WRITE.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.access import ALLOWED, Need, Standing
from cases.models import Case, Party, PartyRole
from enforcement.models import ModeratorAction, ReviewStatus, WatchAlert
from enforcement.review.forms import WatchReviewedForm


@dataclass
class AlertView:
    alert: WatchAlert
    form: WatchReviewedForm | None

    @property
    def link(self) -> str:
        """The content's address, only when it is a web link (a space could send anything in that field)."""
        return self.alert.url if self.alert.url.startswith(("https://", "http://")) else ""


def panel_context(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    can_write = viewer in ALLOWED[Need.WRITE]
    alerts = case.watch_alerts.select_related("connection", "protected", "reviewed_by__steward_profile")
    views = [
        AlertView(alert, WatchReviewedForm(alert_id=alert.pk) if can_write and alert.reviewed_at is None else None) for alert in alerts
    ]
    return {"alerts": views, "unreviewed": sum(1 for view in views if view.alert.reviewed_at is None)}


def unreviewed_alerts_q(user: Any = None) -> Q:
    return Q(Exists(WatchAlert.objects.filter(case=OuterRef("pk"), reviewed_at__isnull=True)))


def queue_flags(cases: Iterable[Case]) -> dict[int, list[str]]:
    """Two queries for the page: cases with an unreviewed no-contact alert, and cases whose reported
    person is the subject of a moderator action still waiting for review."""
    ids = [case.pk for case in cases]
    flags: dict[int, list[str]] = {pk: [] for pk in ids}
    for case_id in set(WatchAlert.objects.filter(case_id__in=ids, reviewed_at__isnull=True).values_list("case_id", flat=True)):
        flags[case_id].append(_("No-contact alert"))
    pending = ModeratorAction.objects.filter(status=ReviewStatus.PENDING, subject_person__isnull=False).values("subject_person_id")
    subjects = Party.objects.filter(case_id__in=ids, role=PartyRole.REPORTED, person_id__in=pending)
    for case_id in set(subjects.values_list("case_id", flat=True)):
        flags[case_id].append(_("Moderator action awaiting review"))
    return flags


def install() -> None:
    from cases.panels import Panel, QueueTab, register_panel, register_queue_flags, register_queue_tab

    # After the decisions (70): an alert is about a decision's sanction.
    register_panel(Panel("enforcement.watch", "enforcement/review/watch_panel.html", panel_context, order=75))
    register_queue_tab(QueueTab("no-contact", gettext_lazy("No-contact alerts"), unreviewed_alerts_q))
    register_queue_flags("enforcement.review", queue_flags)

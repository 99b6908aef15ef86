"""The one change a steward makes to a no-contact alert: marking it reviewed (audited, once)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.models import Case
from enforcement.models import WatchAlert


def do_mark_alert_reviewed(steward: Any, case: Case, alert_id: int) -> WatchAlert:
    with transaction.atomic():
        alert = WatchAlert.objects.select_for_update().filter(case=case, pk=alert_id).first()
        if alert is None:
            raise ValidationError(_("Choose one of this case's no-contact alerts."))
        if alert.reviewed_at is not None:
            raise ValidationError(_("This alert has been reviewed already."))
        alert.reviewed_by, alert.reviewed_at = steward, timezone.now()
        alert.save(update_fields=["reviewed_by", "reviewed_at"])
        record("watch.reviewed", f"No-contact alert #{alert.pk} reviewed", actor=steward, case_id=case.pk, data={"alert": alert.pk})
    return alert

"""The case page's "Retention" section: when the case will be erased, the legal hold, expunging."""

from typing import Any

from django.http import HttpRequest

from cases.access import ALLOWED, Need, Standing
from cases.models import Case
from privacy.models import CaseRetention


def retention_panel(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    return {
        "retention": CaseRetention.objects.filter(case=case).select_related("held_by").first(),
        "can_hold": viewer in ALLOWED[Need.WRITE],
        "can_expunge": viewer in ALLOWED[Need.VOTE],
    }

"""The survey's invitation on a party's page: offered once the case is closed, thanked once answered."""

from typing import Any

from django import template
from django.urls import reverse

from cases.models import PartyRole, Report
from surveys.offer import is_open, reported_answered, reporter_answered

register = template.Library()


@register.inclusion_tag("surveys/_invitation.html")
def reporter_survey(report: Report) -> dict[str, Any]:
    if not is_open(report.case):
        return {"show": False}
    return {"show": True, "answered": reporter_answered(report), "url": reverse("surveys:reporter_survey", args=[report.reference])}


@register.inclusion_tag("surveys/_invitation.html")
def reported_survey(link: Any) -> dict[str, Any]:
    if link.party.role != PartyRole.REPORTED or not is_open(link.case):
        return {"show": False}
    return {"show": True, "answered": reported_answered(link.party), "url": reverse("surveys:reported_survey", args=[link.pk])}

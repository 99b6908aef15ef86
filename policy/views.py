"""Public pages generated from the policy version in force, so they cannot drift from what Steward does."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from policy import wording
from policy.models import PolicyVersion
from policy.services import current_version


def _render(request: HttpRequest, template: str, version: PolicyVersion, **extra: Any) -> HttpResponse:
    policy = version.policy
    context = {"version": version, "policy": policy, "text_language": policy.languages[0], **extra}
    return render(request, f"policy/{template}", context)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return _render(request, "home.html", current_version())


@require_safe
def code_of_conduct(request: HttpRequest) -> HttpResponse:
    return _render(request, "code_of_conduct.html", current_version())


@require_safe
def how_to_report(request: HttpRequest) -> HttpResponse:
    return _render(request, "how_to_report.html", current_version())


@require_safe
def what_happens_next(request: HttpRequest) -> HttpResponse:
    version = current_version()
    policy = version.policy
    return _render(
        request,
        "what_happens_next.html",
        version,
        acknowledge=wording.hours(policy.timelines.acknowledge_hours),
        first_followup=wording.days(policy.timelines.first_followup_days),
        decision_target=wording.days(policy.timelines.decision_target_days),
        decision_rule=wording.decision_rule_sentences(policy.decision_rule),
        quorum=wording.quorum_sentence(policy),
        appeal_window=wording.days(policy.appeal_window_days),
        retention=wording.days(policy.retention_days),
    )


@require_safe
def stewards(request: HttpRequest) -> HttpResponse:
    # Imported here so the policy app stays loadable on its own; people.access defines "a steward".
    from people.access import active_stewards

    users = active_stewards().select_related("steward_profile").order_by("steward_profile__public_name")
    names = [user.steward_profile.public_name for user in users]
    return _render(request, "stewards.html", current_version(), steward_names=names)

"""Public pages generated from the policy version in force, so they cannot drift from what Steward does."""

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from policy import embed, wording
from policy.models import PolicyVersion
from policy.services import current_version


def _render(request: HttpRequest, template: str, version: PolicyVersion, **extra: Any) -> HttpResponse:
    # The policy's texts in the page's language where the file translates them (docs/policy-format.md).
    policy = version.policy.localized(get_language() or "")
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
        measured=measured_timelines(policy.transparency.suppress_below),
    )


def measured_timelines(threshold: int) -> dict[str, Any]:
    """The median times of the twelve whole months before this one (clocks.metrics), each shown only where at
    least `threshold` cases reached that step; over whole months, so the figures do not move with each case."""
    from clocks.metrics import period_times  # the clocks app measures; the policy app only words it

    end = timezone.localdate().replace(day=1)
    start = end.replace(year=end.year - 1)
    zone = timezone.get_current_timezone()
    times = period_times(
        datetime.combine(start, datetime.min.time(), zone),
        datetime.combine(end, datetime.min.time(), zone),
    )
    steps = [
        (times.acknowledged, times.median_to_acknowledgement),
        (times.followed_up, times.median_to_first_follow_up),
        (times.decided, times.median_to_decision),
    ]
    shown = [wording.duration(median) if count >= threshold and median is not None else "" for count, median in steps]
    return {
        "first_day": start,
        "last_day": end - timedelta(days=1),
        "acknowledge": shown[0],
        "first_followup": shown[1],
        "decision": shown[2],
        "any": any(shown),
    }


def _steward_names() -> list[str]:
    # Imported here so the policy app stays loadable on its own; people.access defines "a steward".
    from people.access import active_stewards

    users = active_stewards().select_related("steward_profile").order_by("steward_profile__public_name")
    return [user.steward_profile.public_name for user in users]


@require_safe
def stewards(request: HttpRequest) -> HttpResponse:
    return _render(request, "stewards.html", current_version(), steward_names=_steward_names())


@require_safe
def space_note(request: HttpRequest, space: str) -> HttpResponse:
    """The "how to report" note and badge for one space, to copy into it (policy.embed)."""
    version = current_version()
    policy = version.policy.localized(get_language() or "")
    return _render(request, "space_note.html", version, **embed.space_note_context(policy, space, _steward_names()))

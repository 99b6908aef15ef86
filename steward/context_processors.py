from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language


def steward(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: is this a steward, and the community's name."""
    from people.access import is_active_steward
    from policy.services import current_policy

    try:
        policy_name = current_policy().localized(get_language() or "").name  # the name as the page's language has it
    except Exception:  # noqa: BLE001 - the base template must render even before a policy loads
        policy_name = "Code of conduct"
    # A request refused before the authentication middleware ran (a host not in ALLOWED_HOSTS: the 400 page) has no user.
    user = getattr(request, "user", None)
    is_steward = user is not None and is_active_steward(user)
    return {
        "is_steward": is_steward,
        "policy_name": policy_name,
        "worker_down": worker_down() if is_steward else "",
        "may_use_admin": is_steward and may_use_admin(request),
    }


def may_use_admin(request: HttpRequest) -> bool:
    """Whether the Django admin will let this steward in (accounts.admin_site: an admin steward, verified when 2FA is
    required), so the navigation offers it only to those it opens for."""
    from accounts.admin_site import has_permission

    return has_permission(request)


def worker_down() -> Callable[[], str]:
    """For a steward's pages: "stale" or "never seen" when no task worker has run lately, "" when one has.

    Handed to the template as a function, which Django calls only where the template asks (the base page's
    banner), so a fragment (htmx) or a page that does not extend the base costs nothing; on a full page it is
    one query on the heartbeat's one-row table, the same read /health/ makes (steward.health). Anonymous
    visitors (reporters) never reach it: they get "" without a query.
    """
    answer: list[str] = []

    def read() -> str:
        if not answer:
            from steward.health import last_beat, worker_status

            status = worker_status(last_beat(), timezone.now())
            answer.append("" if status == "ok" else status)
        return answer[0]

    return read
